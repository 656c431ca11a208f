using System.Globalization;
using System.Text.Json.Nodes;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>A PBT member at a generation: its metric (null: unknown) and its explored hyperparameters by path.</summary>
public sealed record PbtMember(string Id, double? Value, IReadOnlyDictionary<string, double> Hyperparameters);

/// <summary>What a member does next: go on from its own checkpoint, or copy <paramref name="Source"/>'s; with these hyperparameters.</summary>
public sealed record PbtChoice(string Member, string? Source, IReadOnlyDictionary<string, double> Hyperparameters);

/// <summary>
/// Population-based training's rule (Jaderberg et al. 2017, "Population Based Training of Neural Networks"), in its
/// truncation-selection form, pure: at a generation every member is ranked by its metric (best first for the sweep's mode;
/// unknown or non-finite values last; ties by member order); the bottom <see cref="Cut"/> members each EXPLOIT a
/// member of the top as many (copy its checkpoint and hyperparameters) and EXPLORE (each explored hyperparameter is
/// resampled from the space with the resample probability, else multiplied by the down or up factor with even odds,
/// then kept within the space's bounds). The draws come from one <see cref="Random"/> seeded by the sweep's seed and the
/// generation, in member order: the same metrics give the same decisions, on replay and after a coordinator restart.
/// </summary>
public static class Pbt
{
    /// <summary>The space fields PBT may explore: the ones a restored optimizer takes from the spec (OptimizerFactory.ApplyLearningRate).</summary>
    public static readonly IReadOnlyList<string> Explorable = ["generatorOptimizer.learningRate", "discriminatorOptimizer.learningRate"];

    /// <summary>Members ranked best first (see the class summary).</summary>
    public static IReadOnlyList<PbtMember> Rank(IReadOnlyList<PbtMember> members, SweepMode mode) => members
        .Select((m, order) => (Member: m, Order: order, Known: m.Value is { } v && double.IsFinite(v)))
        .OrderBy(m => m.Known ? 0 : 1)
        .ThenBy(m => !m.Known ? 0 : mode == SweepMode.Max ? -m.Member.Value!.Value : m.Member.Value!.Value)
        .ThenBy(m => m.Order)
        .Select(m => m.Member)
        .ToList();

    /// <summary>
    /// How many members exploit (and how many may be copied) among <paramref name="count"/>: <c>ceil(count x quantile)</c>, at
    /// most half, so the two parts never overlap (Ray Tune's rule: a small population still exploits).
    /// </summary>
    public static int Cut(int count, double quantile) => Math.Min((int)Math.Ceiling(count * quantile - 1e-9), count / 2);

    /// <summary>The choice of every member (in <paramref name="members"/>' order) at <paramref name="generation"/>.</summary>
    public static IReadOnlyList<PbtChoice> Decide(IReadOnlyList<PbtMember> members, SweepMode mode, PbtSettings settings, SearchSpace space, int generation)
    {
        var ranked = Rank(members, mode);
        var cut = Cut(members.Count, settings.Quantile);
        var top = ranked.Take(cut).ToList();
        var bottom = ranked.Skip(members.Count - cut).Select(m => m.Id).ToHashSet();
        var random = new Random(unchecked((settings.Seed * 1_000_003) + generation));
        return members.Select(member =>
        {
            if (!bottom.Contains(member.Id))
            {
                return new PbtChoice(member.Id, null, member.Hyperparameters);
            }

            var source = top[random.Next(top.Count)];
            var explored = new Dictionary<string, double>();
            foreach (var (path, value) in source.Hyperparameters)
            {
                var parameter = space.Parameters.FirstOrDefault(p => p.Path == path);
                explored[path] = parameter is null ? value : Explore(parameter, value, settings, random);
            }

            return new PbtChoice(member.Id, source.Id, explored);
        }).ToList();
    }

    /// <summary>The explored value of one hyperparameter (two draws always, so the sequence does not depend on the branch).</summary>
    public static double Explore(SpaceParameter parameter, double value, PbtSettings settings, Random random)
    {
        var resample = random.NextDouble() < settings.ResampleProbability;
        var up = random.NextDouble() < 0.5;
        var next = resample && parameter.Draw(random) is JsonValue drawn && drawn.TryGetValue<double>(out var d) ? d : value * (up ? settings.PerturbUp : settings.PerturbDown);
        var (low, high) = Bounds(parameter);
        return Math.Clamp(next, low, high);
    }

    /// <summary>The smallest and largest value the space allows for the parameter.</summary>
    public static (double Low, double High) Bounds(SpaceParameter parameter)
    {
        if (parameter.Values is { } values)
        {
            var numbers = values.Select(v => v is JsonValue j && j.TryGetValue<double>(out var x) ? x : double.NaN).Where(double.IsFinite).ToList();
            return numbers.Count == 0 ? (double.MinValue, double.MaxValue) : (numbers.Min(), numbers.Max());
        }

        return (parameter.Min ?? double.MinValue, parameter.Max ?? double.MaxValue);
    }

    /// <summary>The explored hyperparameters of a spec (the space's explorable paths), read from its JSON.</summary>
    public static IReadOnlyDictionary<string, double> Read(string specJson, SearchSpace space)
    {
        var root = JsonNode.Parse(specJson)!;
        var values = new Dictionary<string, double>();
        foreach (var parameter in space.Parameters.Where(p => Explorable.Contains(p.Path)))
        {
            JsonNode? node = root;
            foreach (var part in parameter.Path.Split('.'))
            {
                node = node?[part];
            }

            if (node is JsonValue v && v.TryGetValue<double>(out var x))
            {
                values[parameter.Path] = x;
            }
        }

        return values;
    }

    /// <summary>The spec with these hyperparameters set.</summary>
    public static string Write(string specJson, IReadOnlyDictionary<string, double> hyperparameters) => Set(JsonNode.Parse(specJson)!.AsObject(), hyperparameters).ToJsonString();

    private static JsonObject Set(JsonObject root, IReadOnlyDictionary<string, double> hyperparameters)
    {
        foreach (var (path, value) in hyperparameters)
        {
            var parts = path.Split('.');
            var node = root;
            foreach (var part in parts[..^1])
            {
                node = node[part]!.AsObject();
            }

            node[parts[^1]] = value;
        }

        return root;
    }

    /// <summary>
    /// An exploiter's next spec: its own with the explored hyperparameters and the source's seed. The seed travels with the
    /// copied checkpoint (as its random streams and batch position already do), so the data and batch order the copy goes
    /// on with are the source's and a member's whole trajectory is one seed's (<see cref="PbtReplay"/>).
    /// </summary>
    public static string Exploit(string memberSpecJson, string sourceSpecJson, IReadOnlyDictionary<string, double> hyperparameters)
    {
        var root = Set(JsonNode.Parse(memberSpecJson)!.AsObject(), hyperparameters);
        root["seed"] = JsonNode.Parse(sourceSpecJson)!["seed"]?.DeepClone();
        return root.ToJsonString();
    }

    /// <summary>"path=value, ..." with round-trip values (lineage and replay read them back exactly).</summary>
    public static string Describe(IReadOnlyDictionary<string, double> hyperparameters) =>
        string.Join(", ", hyperparameters.Select(kv => $"{kv.Key}={kv.Value.ToString("R", CultureInfo.InvariantCulture)}"));
}
