using System.CommandLine;
using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster sweep</c> (queue a search over a base experiment), <c>sweep status</c> (the ranked table, <c>--plot</c>),
/// <c>sweep cancel</c>, <c>sweep resume</c>, <c>sweep lineage</c> and <c>sweep replay</c> (PBT). The expansion is checked here first with the coordinator's own rules, so bad input never
/// reaches the cluster; the coordinator expands again and journals the sweep with every child in one entry.
/// </summary>
internal static class SweepCommands
{
    private static readonly Option<bool> Json = new("--json") { Description = "Print the ranked table as one JSON object." };

    public static Command Create()
    {
        var experiment = new Argument<string>("base") { Description = $"The base experiment: a JSON file or a preset ({string.Join(", ", Presets.Names)})." };
        var space = new Option<string>("--space") { Description = "The search space, a JSON file (README, Sweeps).", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "Children per configuration (seeds base, base+1, ...).", DefaultValueFactory = _ => 1 };
        var metric = new Option<string>("--metric")
        {
            Description = "The metric to rank by, and that ASHA and PBT decide on: a round metric (loss/g, loss/d, d/real, d/fake) or a figure of the checkpoints' evaluation (modes.highQualityFraction, parzenValidation.meanLogLikelihood, semiSupervised.unlabelledTrainError).",
            DefaultValueFactory = _ => "loss/g",
        };
        var mode = new Option<string>("--mode") { Description = "max or min: which end of the metric is better.", DefaultValueFactory = _ => "min" };
        var algorithm = new Option<string>("--algorithm")
        {
            Description = "grid, random (needs --budget), asha (early stopping at checkpoint rungs) or pbt (population-based training).", DefaultValueFactory = _ => "grid",
        };
        var population = new Option<int?>("--population") { Description = "PBT: members drawn at random from the space (default: the space's grid x --seeds)." };
        var ready = new Option<int?>("--ready") { Description = "PBT: a member is ready every this many rounds, a multiple of checkpointInterval (default: checkpointInterval)." };
        var quantile = new Option<double?>("--quantile") { Description = "PBT: the bottom part that exploits the top part, in (0, 0.5] (default 0.25)." };
        var perturb = new Option<string?>("--perturb") { Description = "PBT: the explore factors down,up (default 0.8,1.2)." };
        var resample = new Option<double?>("--resample") { Description = "PBT: the probability of resampling a learning rate from the space instead (default 0.25)." };
        var budget = new Option<int?>("--budget") { Description = "Configurations to draw (random, asha); a ceiling for the grid." };
        var eta = new Option<int>("--eta") { Description = "ASHA's reduction factor: about 1/eta of the children at a rung go on.", DefaultValueFactory = _ => 3 };
        var grace = new Option<int?>("--grace-period")
        {
            Description = "ASHA: the first rung, a checkpoint round (default: the first checkpoint); later rungs at grace x eta, grace x eta^2, ...",
        };
        var priority = new Option<int>("--priority") { Description = "Priority of every child.", DefaultValueFactory = _ => 0 };
        var command = new Command("sweep", "Queue a hyperparameter sweep over a base experiment; prints the sweep id and its experiments.")
        {
            experiment, space, seeds, metric, mode, algorithm, budget, eta, grace, population, ready, quantile, perturb, resample, priority, ClientCommands.Key, ClientCommands.Contact,
            ClientCommands.Timeout,
        };
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Cancel());
        command.Subcommands.Add(Resume());
        command.Subcommands.Add(SweepLineage.Create());
        command.Subcommands.Add(SweepReplay.Create());
        command.SetAction((parse, _) => ClientCommands.Run(parse, async client =>
        {
            string baseJson, spaceJson;
            int? draws;
            PbtOptions? pbt;
            try
            {
                var spec = Presets.Resolve(parse.GetValue(experiment)!);
                SpecValidator.ThrowIfInvalid(spec);
                baseJson = SpecJson.Serialize(spec, indented: false);
                var spacePath = parse.GetValue(space)!;
                if (!File.Exists(spacePath))
                {
                    throw new SweepSpaceException("--space", $"'{spacePath}' is not a file; give the search space's JSON file");
                }

                spaceJson = File.ReadAllText(spacePath);
                (draws, pbt) = PbtOptionsOf(parse, spec, parse.GetValue(algorithm)!, parse.GetValue(budget), population, ready, quantile, perturb, resample);
                var options = SweepDecisions.Options(parse.GetValue(metric)!, parse.GetValue(mode)!, parse.GetValue(algorithm)!, parse.GetValue(seeds), draws, parse.GetValue(eta), pbt, parse.GetValue(grace));
                SweepDecisions.Expand(baseJson, spaceJson, options, parse.GetValue(priority), SweepId.New().Value, DateTimeOffset.UtcNow);
            }
            catch (SpecValidationException e)
            {
                e.Errors.ToList().ForEach(error => Console.Error.WriteLine($"invalid base experiment: {error.Field}: {error.Message}"));
                return 2;
            }
            catch (SweepSpaceException e)
            {
                Console.Error.WriteLine($"invalid sweep: {e.Field}: {e.Message}");
                return 2;
            }

            if (ClientCommands.KeyOf(parse) is not { } key)
            {
                return 2;
            }

            var reply = await ClientCommands.AskKeyed(client, parse, key, "sweep", wire => new SubmitSweep(baseJson, spaceJson, parse.GetValue(metric)!, parse.GetValue(mode)!,
                parse.GetValue(algorithm)!, parse.GetValue(seeds), draws, parse.GetValue(eta), parse.GetValue(priority), wire, key, pbt, parse.GetValue(grace))).ConfigureAwait(false);
            if (reply is not SweepAccepted accepted)
            {
                return ClientCommands.Refusal(reply, "sweep rejected by the coordinator");
            }

            Console.WriteLine(accepted.Id.Value);
            accepted.Children.ToList().ForEach(c => Console.WriteLine($"  {c.Value}"));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// PBT's options, or null for the other algorithms (which refuse them, naming the option); <c>--population</c> is the
    /// number of random draws (the budget). Throws <see cref="SweepSpaceException"/>.
    /// </summary>
    private static (int? Draws, PbtOptions? Pbt) PbtOptionsOf(ParseResult parse, ExperimentSpec spec, string algorithm, int? budget, Option<int?> population, Option<int?> ready,
        Option<double?> quantile, Option<string?> perturb, Option<double?> resample)
    {
        var given = new Option[] { population, ready, quantile, perturb, resample }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
        if (!string.Equals(algorithm.Trim(), "pbt", StringComparison.OrdinalIgnoreCase))
        {
            return given is null ? (budget, null) : throw new SweepSpaceException(given.Name, "is an option of population-based training; add --algorithm pbt or leave it out");
        }

        if (budget is not null && parse.GetValue(population) is not null)
        {
            throw new SweepSpaceException("--budget", "PBT's population is --population N (random draws); leave --budget out");
        }

        var defaults = SweepOptions.DefaultPbt(spec.CheckpointInterval);
        var (down, up) = (defaults.PerturbDown, defaults.PerturbUp);
        if (parse.GetValue(perturb) is { } factors)
        {
            var parts = factors.Split(',');
            if (parts.Length != 2 || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out down)
                || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out up))
            {
                throw new SweepSpaceException("--perturb", $"'{factors}' is not two factors; give down,up, e.g. --perturb 0.8,1.2");
            }
        }

        return (parse.GetValue(population) ?? budget, new PbtOptions(parse.GetValue(ready) ?? defaults.Ready, parse.GetValue(quantile) ?? defaults.Quantile, down, up,
            parse.GetValue(resample) ?? defaults.ResampleProbability));
    }

    /// <summary>Asks for a sweep and ranks it; the metric comes from the rounds, or from each child's latest evaluation.</summary>
    internal static async Task<(SweepStatusReply Status, IReadOnlyList<SweepRow> Rows)?> Ranked(CoordinatorClient client, SweepId id, TimeSpan timeout)
    {
        var reply = await client.AskAsync(new GetSweepStatus(id), timeout).ConfigureAwait(false);
        if (reply is not SweepStatusReply status)
        {
            _ = reply is UnknownSweep ? ClientCommands.UnknownSweepId(id) : ClientCommands.Unexpected(reply);
            return null;
        }

        Func<SweepChildStatus, double?> metricOf = c => c.Metric;
        if (!SweepDecisions.IsRoundMetric(status.Metric))
        {
            var quality = await client.AskAsync(new GetQuality(null), timeout).ConfigureAwait(false) is QualityList q ? q.Experiments : [];
            var figures = quality.ToDictionary(x => x.Id, x => SweepRanking.EvaluationFigure(x.EvaluationJson, status.Metric));
            metricOf = c => figures.GetValueOrDefault(c.Id);
        }

        return (status, SweepRanking.Rank(status, metricOf));
    }

    private static Command Status()
    {
        var id = new Argument<string>("id") { Description = "The sweep id printed by 'gancluster sweep'." };
        var plot = new Option<string?>("--plot") { Description = "Also draw the round metric over rounds, one line per experiment, into this PNG file." };
        var command = new Command("status", "Show a sweep's configurations ranked by its metric (mean +- sd over seeds), rounds and state.")
        {
            id, Json, plot, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction((parse, _) => ClientCommands.Run(parse, async client =>
        {
            // Parsed before connecting: a malformed id is the user's to fix, whatever the cluster's state.
            var sweep = new SweepId(parse.GetValue(id)!.Trim());
            if (parse.GetValue(plot) is { } png && Path.GetDirectoryName(Path.GetFullPath(png)) is { } folder && !Directory.Exists(folder))
            {
                Console.Error.WriteLine($"invalid --plot: the folder '{folder}' does not exist; give a PNG path in an existing folder");
                return 2;
            }

            if (await Ranked(client(), sweep, ClientCommands.TimeoutOf(parse)).ConfigureAwait(false) is not { } ranked)
            {
                return 4;
            }

            if (parse.GetValue(plot) is { } file)
            {
                var curves = await client().AskAsync(new GetSweepCurves(sweep), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
                if (curves is not SweepCurvesReply reply)
                {
                    return ClientCommands.Refusal(curves, "no plot");
                }

                SweepPlot.SavePng(reply, $"sweep {sweep.Value} ({ranked.Status.Name}, {ranked.Status.Algorithm})", file);
                Console.Error.WriteLine($"wrote {file}");
            }

            if (parse.GetValue(Json))
            {
                Console.WriteLine(SweepRanking.ToJson(ranked.Status, ranked.Rows));
            }
            else
            {
                SweepRanking.ToText(ranked.Status, ranked.Rows).ToList().ForEach(Console.WriteLine);
            }

            return 0;
        }));
        return command;
    }

    private static Command Resume()
    {
        var id = new Argument<string>("id") { Description = "The sweep id." };
        var command = new Command("resume", "Queue again every experiment of a sweep that was cancelled before it completed, from its last checkpoint.")
        {
            id, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction((parse, _) => ClientCommands.Run(parse, async client =>
        {
            var sweep = new SweepId(parse.GetValue(id)!.Trim());
            var reply = await client().AskAsync(new ResumeSweep(sweep), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
            switch (reply)
            {
                case SweepResumeAccepted accepted:
                    Console.WriteLine($"{accepted.Id.Value}: {accepted.Resumed} experiments queued again");
                    return 0;
                case UnknownSweep unknown:
                    return ClientCommands.UnknownSweepId(unknown.Id);
                default:
                    return ClientCommands.Unexpected(reply);
            }
        }));
        return command;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("id") { Description = "The sweep id." };
        var command = new Command("cancel", "Cancel every queued or running experiment of a sweep.") { id, ClientCommands.Contact, ClientCommands.Timeout };
        command.SetAction((parse, _) => ClientCommands.Run(parse, async client =>
        {
            var sweep = new SweepId(parse.GetValue(id)!.Trim());
            var reply = await client().AskAsync(new CancelSweep(sweep), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
            switch (reply)
            {
                case SweepCancelAccepted accepted:
                    Console.WriteLine($"{accepted.Id.Value}: {accepted.Cancelled} experiments cancelled");
                    return 0;
                case UnknownSweep unknown:
                    return ClientCommands.UnknownSweepId(unknown.Id);
                default:
                    return ClientCommands.Unexpected(reply);
            }
        }));
        return command;
    }
}
