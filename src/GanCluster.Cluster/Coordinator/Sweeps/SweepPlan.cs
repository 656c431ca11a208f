using System.Globalization;
using System.Text.Json.Nodes;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>What a sweep optimizes and how it searches.</summary>
/// <param name="Metric">A round metric (<c>loss/g</c>, <c>d/real</c>, a named term: it contains '/') or a figure of evaluation.json by
/// its dotted path (<c>modes.modesCaptured</c>, <c>parzen.meanLogLikelihood</c>).</param>
/// <param name="Mode">Whether higher or lower is better.</param>
/// <param name="Algorithm">Grid, random or ASHA.</param>
/// <param name="Seeds">Children per configuration, with seeds base, base+1, ...</param>
/// <param name="Budget">Configurations to draw (random; ASHA with a budget); a ceiling on the grid's configurations.</param>
/// <param name="Eta">ASHA's reduction factor: about 1/eta of the children reaching a rung go on.</param>
/// <param name="Pbt">PBT's options (<c>--algorithm pbt</c>; defaults when null).</param>
/// <param name="GracePeriod">ASHA's first rung, a checkpoint round (Ray Tune's grace_period); null: the first checkpoint.</param>
public sealed record SweepOptions(string Metric, SweepMode Mode, SweepAlgorithm Algorithm, int Seeds, int? Budget, int Eta = 3, PbtOptions? Pbt = null, int? GracePeriod = null)
{
    /// <summary>The most children one sweep may queue.</summary>
    public const int MaxChildren = 500;

    /// <summary>PBT's defaults: ready at every checkpoint, quartiles, x0.8 / x1.2, resample with probability 0.25 (Jaderberg et al.).</summary>
    public static PbtOptions DefaultPbt(int checkpointInterval) => new(checkpointInterval, 0.25, 0.8, 1.2, 0.25);

    /// <summary>True when the metric is one of the round metrics the coordinator journals (names with a '/').</summary>
    public bool IsRoundMetric => SweepDecisions.IsRoundMetric(Metric);
}

/// <summary>One child experiment of a sweep: its configuration and seed index, what the space set, and the resolved spec.</summary>
public sealed record SweepChildPlan(int Config, int SeedIndex, string Overrides, ExperimentSpec Spec);

/// <summary>
/// Expands a base experiment and a <see cref="SearchSpace"/> into child experiments, deterministically: the grid in
/// parameter order (the last parameter varies fastest); random draws from <c>new Random(space.Seed)</c>. Pure.
/// </summary>
public static class SweepPlan
{
    public static IReadOnlyList<SweepChildPlan> Expand(ExperimentSpec baseSpec, SearchSpace space, SweepOptions options)
    {
        Check(options, space);
        if (options.Algorithm == SweepAlgorithm.Pbt)
        {
            CheckPbt(options, space, baseSpec);
        }

        CheckGracePeriod(options, baseSpec);
        var configs = Configurations(space, options);
        if (configs.Count * options.Seeds > SweepOptions.MaxChildren)
        {
            throw new SweepSpaceException("--seeds", $"{configs.Count} configurations x {options.Seeds} seeds = {configs.Count * options.Seeds} children, more than {SweepOptions.MaxChildren}; search fewer values or give a smaller --budget");
        }

        var baseJson = JsonNode.Parse(SpecJson.Serialize(baseSpec, indented: false))!.AsObject();
        var children = new List<SweepChildPlan>();
        for (var c = 0; c < configs.Count; c++)
        {
            var overrides = string.Join(", ", configs[c].Select(kv => $"{kv.Key}={kv.Value?.ToJsonString()}"));
            for (var s = 0; s < options.Seeds; s++)
            {
                var json = (JsonObject)baseJson.DeepClone();
                foreach (var (path, value) in configs[c])
                {
                    Set(json, path, value?.DeepClone());
                }

                json["name"] = $"{baseSpec.Name}-c{c + 1}-s{s + 1}";
                json["seed"] = baseSpec.Seed + s;
                ExperimentSpec spec;
                try
                {
                    spec = SpecJson.Parse(json.ToJsonString());
                }
                catch (SpecValidationException e)
                {
                    var error = e.Errors[0];
                    throw new SweepSpaceException($"space.parameters.{error.Field}", $"configuration {c + 1} ({overrides}) is not a valid experiment: {error.Message}");
                }

                if (Training.Families.LapganFamily.IsPyramid(spec))
                {
                    // A child runs on one pair; a whole pyramid is an experiment of several (submit it on its own).
                    throw new SweepSpaceException("base.lapgan.level", $"configuration {c + 1} is a whole LAPGAN pyramid (level null), which runs as one experiment per level; sweep one level (\"lapgan\": {{\"level\": 0}}) or search \"lapgan.level\": [2, 1, 0] in the space");
                }

                children.Add(new SweepChildPlan(c + 1, s + 1, overrides, spec));
            }
        }

        return children;
    }

    /// <summary>ASHA's rungs: checkpoint rounds g x eta^i before the last round, g the grace period (default the checkpoint interval; the rungs need checkpoints there).</summary>
    public static IReadOnlyList<int> Rungs(ExperimentSpec spec, int eta, int? gracePeriod = null)
    {
        var rungs = new List<int>();
        for (long round = gracePeriod ?? spec.CheckpointInterval; round < spec.Rounds; round *= eta)
        {
            rungs.Add((int)round);
        }

        return rungs;
    }

    private static void Check(SweepOptions options, SearchSpace space)
    {
        if (string.IsNullOrWhiteSpace(options.Metric))
        {
            throw new SweepSpaceException("--metric", "name the metric to rank by: a round metric such as loss/g, or an evaluation figure such as modes.modesCaptured");
        }

        if (!options.IsRoundMetric && !Training.Runs.EvaluationLog.IsFigure(options.Metric))
        {
            throw new SweepSpaceException("--metric", $"'{options.Metric}' is neither a round metric (a name with a '/', such as loss/g) nor a figure of evaluation.json (such as modes.highQualityFraction, parzenValidation.meanLogLikelihood, semiSupervised.unlabelledTrainError)");
        }

        if (options.Seeds is < 1 or > 100)
        {
            throw new SweepSpaceException("--seeds", $"must be 1 to 100; got {options.Seeds}");
        }

        if (options.Budget is < 1)
        {
            throw new SweepSpaceException("--budget", $"must be at least 1; got {options.Budget}");
        }

        if (options.Algorithm == SweepAlgorithm.Random && options.Budget is null)
        {
            throw new SweepSpaceException("--budget", "random search needs --budget N, the number of configurations to draw");
        }

        if (options.Algorithm == SweepAlgorithm.Asha)
        {
            if (options.Eta < 2)
            {
                throw new SweepSpaceException("--eta", $"must be at least 2; got {options.Eta}");
            }

            if (space.Parameters.FirstOrDefault(p => p.Path is "rounds" or "checkpointInterval") is { } p)
            {
                throw new SweepSpaceException($"space.parameters.{p.Path}", "ASHA's rungs come from the base experiment's rounds and checkpointInterval: set them there, not in the space");
            }
        }
    }

    private static void CheckGracePeriod(SweepOptions options, ExperimentSpec baseSpec)
    {
        if (options.GracePeriod is not { } grace)
        {
            return;
        }

        if (options.Algorithm != SweepAlgorithm.Asha)
        {
            throw new SweepSpaceException("--grace-period", "is ASHA's first rung; add --algorithm asha or leave it out");
        }

        if (grace < 1 || grace % baseSpec.CheckpointInterval != 0 || grace >= baseSpec.Rounds)
        {
            throw new SweepSpaceException("--grace-period",
                $"must be a checkpoint round before the last (a multiple of checkpointInterval {baseSpec.CheckpointInterval}, below rounds {baseSpec.Rounds}); got {grace}");
        }
    }

    private static void CheckPbt(SweepOptions options, SearchSpace space, ExperimentSpec baseSpec)
    {
        var pbt = options.Pbt ?? SweepOptions.DefaultPbt(baseSpec.CheckpointInterval);

        if (space.Parameters.FirstOrDefault(p => !Pbt.Explorable.Contains(p.Path)) is { } fixedField)
        {
            throw new SweepSpaceException($"space.parameters.{fixedField.Path}",
                $"PBT explores only the learning rates ({string.Join(", ", Pbt.Explorable)}), which a copied checkpoint's optimizer takes from the spec; set '{fixedField.Path}' in the base experiment");
        }

        if (pbt.Ready < 1 || pbt.Ready % baseSpec.CheckpointInterval != 0)
        {
            throw new SweepSpaceException("--ready", $"must be a positive multiple of the base experiment's checkpointInterval ({baseSpec.CheckpointInterval}): members are ready at checkpoints; got {pbt.Ready}");
        }

        if (pbt.Ready >= baseSpec.Rounds)
        {
            throw new SweepSpaceException("--ready", $"must be below the base experiment's rounds ({baseSpec.Rounds}), or no generation is ever decided; got {pbt.Ready}");
        }

        if (!(pbt.Quantile > 0 && pbt.Quantile <= 0.5))
        {
            throw new SweepSpaceException("--quantile", $"must be in (0, 0.5] (the bottom and top parts may not overlap); got {pbt.Quantile.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!(pbt.PerturbDown > 0 && pbt.PerturbUp > 0 && double.IsFinite(pbt.PerturbDown) && double.IsFinite(pbt.PerturbUp)))
        {
            throw new SweepSpaceException("--perturb", "give two positive factors, down and up, e.g. --perturb 0.8,1.2");
        }

        if (!(pbt.ResampleProbability >= 0 && pbt.ResampleProbability <= 1))
        {
            throw new SweepSpaceException("--resample", $"must be a probability in [0, 1]; got {pbt.ResampleProbability.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static List<List<KeyValuePair<string, JsonNode?>>> Configurations(SearchSpace space, SweepOptions options)
    {
        var random = options.Algorithm == SweepAlgorithm.Random || (options.Algorithm is SweepAlgorithm.Asha or SweepAlgorithm.Pbt && options.Budget is not null);
        if (random)
        {
            // One Random for the whole sweep, drawn parameter by parameter: the same space and seed give the same children.
            var rng = new Random(space.Seed);
            return Enumerable.Range(0, options.Budget!.Value)
                .Select(_ => space.Parameters.Select(p => new KeyValuePair<string, JsonNode?>(p.Path, p.Draw(rng))).ToList())
                .ToList();
        }

        var grids = space.Parameters.Select(p => (p.Path, Values: p.GridValues()
            ?? throw new SweepSpaceException($"space.parameters.{p.Path}", "a grid needs discrete values: give a list, a range with a step or a logUniform with a count (or use --algorithm random --budget N)"))).ToList();
        var size = grids.Aggregate(1L, (n, g) => n * g.Values.Count);
        if (options.Budget is { } budget && size > budget)
        {
            throw new SweepSpaceException("--budget", $"the grid has {size} configurations, more than --budget {budget}; search fewer values or raise the budget");
        }

        if (size > SweepOptions.MaxChildren)
        {
            throw new SweepSpaceException("space.parameters", $"the grid has {size} configurations, more than {SweepOptions.MaxChildren}; search fewer values");
        }

        var configs = new List<List<KeyValuePair<string, JsonNode?>>> { new() };
        foreach (var (path, values) in grids)
        {
            configs = configs.SelectMany(c => values.Select(v => new List<KeyValuePair<string, JsonNode?>>(c) { new(path, v) })).ToList();
        }

        return configs;
    }

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length; i++)
        {
            if (!node.ContainsKey(parts[i]))
            {
                var at = string.Join('.', parts[..i]);
                throw new SweepSpaceException($"space.parameters.{path}",
                    $"'{parts[i]}' is not an experiment field{(i == 0 ? string.Empty : $" of '{at}'")}; fields here: {string.Join(", ", node.Select(kv => kv.Key))}");
            }

            if (i == parts.Length - 1)
            {
                node[parts[i]] = value;
            }
            else if (node[parts[i]] is JsonObject child)
            {
                node = child;
            }
            else
            {
                throw new SweepSpaceException($"space.parameters.{path}", $"'{string.Join('.', parts[..(i + 1)])}' has no fields inside; search it as a whole");
            }
        }
    }

    /// <summary>A number as the tables print it.</summary>
    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
