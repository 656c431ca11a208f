using System.CommandLine;
using System.Globalization;
using GanCluster.Cluster;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cli;

/// <summary>The cluster client: submit, list, status, cancel, samples. Results on stdout, errors on stderr.</summary>
internal static class ClientCommands
{
    internal static readonly Option<string?> Contact = new("--contact")
    {
        Description = "A coordinator node host:port, comma-separated for several (env GANCLUSTER_CONTACT; default 127.0.0.1:4053).",
    };

    internal static readonly Option<string?> Key = new("--key")
    {
        Description = "Idempotency key of this request (default: a fresh one). Repeating a request with its key returns the first answer instead of doing it twice.",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object per experiment (JSON lines) instead of text." };

    internal static readonly Option<int> Timeout = new("--timeout") { Description = "Seconds to wait for the cluster.", DefaultValueFactory = _ => 20 };

    public static IEnumerable<Command> Create()
    {
        yield return Submit();
        yield return List();
        yield return Status();
        yield return Cancel();
        yield return Resume();
        yield return Samples();
    }

    private static Command Submit()
    {
        var experiment = new Argument<string>("experiment") { Description = $"An experiment JSON file or a preset ({string.Join(", ", Presets.Names)})." };
        var rounds = new Option<int?>("--rounds") { Description = "Override the number of rounds (of every level of a LAPGAN pyramid)." };
        var seed = new Option<long?>("--seed") { Description = "Override the seed." };
        var name = new Option<string?>("--name") { Description = "Override the name." };
        var checkpointInterval = new Option<int?>("--checkpoint-interval") { Description = "Override the checkpoint interval in rounds." };
        var priority = new Option<int>("--priority") { Description = "Higher runs first; equal priorities run in submission order.", DefaultValueFactory = _ => 0 };
        var command = new Command("submit", "Submit an experiment to the cluster; prints its id (a LAPGAN pyramid: its parent's id and one experiment per level).") { experiment, rounds, seed, name, checkpointInterval, priority, Key, Contact, Timeout };
        command.SetAction((parse, _) => Run(parse, async client =>
        {
            ExperimentSpec spec;
            try
            {
                spec = Presets.Resolve(parse.GetValue(experiment)!);
                spec = parse.GetValue(rounds) is { } roundsOverride ? spec.WithRounds(roundsOverride) : spec;
                spec = spec with
                {
                    Seed = parse.GetValue(seed) ?? spec.Seed,
                    Name = parse.GetValue(name) ?? spec.Name,
                    CheckpointInterval = parse.GetValue(checkpointInterval) ?? spec.CheckpointInterval,
                };
                SpecValidator.ThrowIfInvalid(spec);
            }
            catch (SpecValidationException e)
            {
                // Validated before sending: a rejected spec never reaches the queue.
                foreach (var error in e.Errors)
                {
                    Console.Error.WriteLine($"invalid experiment: {error.Field}: {error.Message}");
                }

                return 2;
            }

            if (KeyOf(parse) is not { } key)
            {
                return 2;
            }

            var reply = await AskKeyed(client, parse, key, "submission", wire => new SubmitExperiment(SpecJson.Serialize(spec, indented: false), parse.GetValue(priority), wire, key)).ConfigureAwait(false);
            switch (reply)
            {
                case ExperimentAccepted accepted:
                    Console.WriteLine(accepted.Id.Value);
                    return 0;
                case SweepAccepted levels:
                    // A whole LAPGAN pyramid: the parent's id, then its levels' experiments (coarsest first), as 'sweep' prints them.
                    Console.WriteLine(levels.Id.Value);
                    levels.Children.ToList().ForEach(c => Console.WriteLine($"  {c.Value}"));
                    return 0;
                default:
                    return Refusal(reply, "rejected by the coordinator");
            }
        }));
        return command;
    }

    private static Command List()
    {
        var sweep = new Option<string?>("--sweep") { Description = "Only the experiments of this sweep (see also 'gancluster sweep status')." };
        var command = new Command("list", "List every experiment with its state and latest metrics.") { sweep, Json, Contact, Timeout };
        command.SetAction((parse, _) => Run(parse, async client =>
        {
            // Parsed before connecting: a malformed id is the user's to fix, whatever the cluster's state.
            SweepId? only = parse.GetValue(sweep) is { } sweepId ? new SweepId(sweepId.Trim()) : null;
            var reply = await client().AskAsync(ListExperiments.Instance, TimeoutOf(parse)).ConfigureAwait(false);
            if (reply is not ExperimentList list)
            {
                return Unexpected(reply);
            }

            if (only is { } id)
            {
                switch (await client().AskAsync(new GetSweepStatus(id), TimeoutOf(parse)).ConfigureAwait(false))
                {
                    case SweepStatusReply status:
                        var children = status.Children.Select(c => c.Id).ToHashSet();
                        list = new ExperimentList(list.Experiments.Where(e => children.Contains(e.Id)).ToList());
                        break;
                    case UnknownSweep:
                        return UnknownSweepId(id);
                    case var other:
                        return Unexpected(other);
                }
            }

            // Alarms come from a second query so that the list's wire format stays that of protocol 1.
            var alarms = await client().AskAsync(new GetAlarms(null), TimeoutOf(parse)).ConfigureAwait(false) is AlarmList a ? a.Alarms : [];
            var quality = await client().AskAsync(new GetQuality(null), TimeoutOf(parse)).ConfigureAwait(false) is QualityList q ? q.Experiments : [];
            if (parse.GetValue(Json))
            {
                list.Experiments.ToList().ForEach(e => Console.WriteLine(ExperimentJson.Summary(e, quality.FirstOrDefault(x => x.Id == e.Id), alarms)));
                return 0;
            }

            Console.WriteLine($"{"ID",-14} {"NAME",-20} {"STATE",-10} {"ROUNDS",-13} {"LOSS/D",8} {"LOSS/G",8} {"STEPS/S",8}  QUALITY / REASON / ALARMS");
            foreach (var e in list.Experiments)
            {
                var flags = string.Join(", ", alarms.Where(x => x.Id == e.Id).Select(x => $"ALARM {x.Kind}"));
                var figure = quality.FirstOrDefault(x => x.Id == e.Id) is { } latest ? $"round {latest.Round}: {latest.Headline}" : null;
                var notes = string.Join("; ", new[] { figure, e.Reason, flags.Length > 0 ? flags : null }.Where(x => x is not null));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{e.Id.Value,-14} {Truncate(e.Name, 20),-20} {e.State.ToString().ToLowerInvariant(),-10} {$"{e.RoundsDone}/{e.RoundsTotal}",-13} {Format(e.LastDLoss),8} {Format(e.LastGLoss),8} {Format(e.StepsPerSecond, "F1"),8}  {notes}"));
            }

            return 0;
        }));
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("id") { Description = "The experiment id printed by submit." };
        var command = new Command("status", "Show an experiment's state, nodes, checkpoints and recent rounds.") { id, Json, Contact, Timeout };
        command.SetAction((parse, _) => Run(parse, async client =>
        {
            var reply = await client().AskAsync(new GetExperimentStatus(ParseId(parse.GetValue(id)!)), TimeoutOf(parse)).ConfigureAwait(false);
            if (reply is UnknownExperiment unknown)
            {
                return UnknownId(unknown.Id);
            }

            if (reply is not ExperimentStatusReply status)
            {
                return Unexpected(reply);
            }

            var s = status.Summary;
            if (parse.GetValue(Json))
            {
                var latest = await client().AskAsync(new GetQuality(s.Id), TimeoutOf(parse)).ConfigureAwait(false) is QualityList { Experiments: [var first, ..] } ? first : null;
                var raised = await client().AskAsync(new GetAlarms(s.Id), TimeoutOf(parse)).ConfigureAwait(false) is AlarmList r ? r.Alarms : [];
                Console.WriteLine(ExperimentJson.Status(status, latest, raised));
                return 0;
            }

            Console.WriteLine($"id:            {s.Id.Value}");
            Console.WriteLine($"name:          {s.Name}");
            Console.WriteLine($"state:         {s.State.ToString().ToLowerInvariant()}{(s.Reason is null ? string.Empty : $" ({s.Reason})")}");
            Console.WriteLine($"rounds:        {s.RoundsDone}/{s.RoundsTotal}");
            Console.WriteLine($"checkpoint:    {(s.LastCheckpointRound is { } c ? $"round {c}" : "none yet")}");
            Console.WriteLine($"generator:     {s.GeneratorNode ?? "-"}{(s.GeneratorDevice is { } gd ? $" ({gd})" : string.Empty)}");
            Console.WriteLine($"discriminator: {s.DiscriminatorNode ?? "-"}{(s.DiscriminatorDevice is { } dd ? $" ({dd})" : string.Empty)}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latest:        loss/d {Format(s.LastDLoss)} loss/g {Format(s.LastGLoss)} d/real {Format(s.LastDReal)} d/fake {Format(s.LastDFake)} steps/s {Format(s.StepsPerSecond, "F1")}"));
            Console.WriteLine($"quality:       {await QualityOf(client(), s.Id, TimeoutOf(parse)).ConfigureAwait(false) ?? "not evaluated yet"}");
            var alarms = await client().AskAsync(new GetAlarms(s.Id), TimeoutOf(parse)).ConfigureAwait(false) is AlarmList a ? a.Alarms : [];
            Console.WriteLine($"alarms:        {(alarms.Count == 0 ? "none" : string.Join(Environment.NewLine + "               ", alarms.Select(x => $"{x.Kind} at round {x.Round}: {x.Message}")))}");
            if (status.RecentRounds.Count > 0)
            {
                Console.WriteLine("round    loss/d   loss/g   d/real   d/fake  round-ms");
                foreach (var m in status.RecentRounds)
                {
                    // Terms an objective adds (e.g. loss/d_r1) follow the fixed columns by name.
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m.Round,-6} {m.DLoss,8:F4} {m.GLoss,8:F4} {m.DReal,8:F3} {m.DFake,8:F3} {m.RoundMs,9:F1}")
                        + Cluster.RoundMetricsMapping.ExtraTermsText(m));
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("id") { Description = "The experiment id." };
        var command = new Command("cancel", "Cancel a queued or running experiment.") { id, Key, Contact, Timeout };
        command.SetAction((parse, _) => Run(parse, async client =>
        {
            var experiment = ParseId(parse.GetValue(id)!);
            if (KeyOf(parse) is not { } key)
            {
                return 2;
            }

            var reply = await AskKeyed(client, parse, key, "cancellation", _ => new CancelExperiment(experiment, key)).ConfigureAwait(false);
            switch (reply)
            {
                case CancelAccepted { AlreadyEnded: { } ended } accepted:
                    Console.WriteLine($"{accepted.Id.Value} had already {Ended(ended)}; nothing to cancel");
                    return 0;
                case CancelAccepted accepted:
                    Console.WriteLine($"{accepted.Id.Value} cancelled");
                    return 0;
                default:
                    return Refusal(reply, "cannot cancel");
            }
        }));
        return command;
    }

    private static Command Resume()
    {
        var id = new Argument<string>("id") { Description = "The experiment id." };
        var generatorLr = new Option<double?>("--generator-lr") { Description = "New learning rate of the generator's optimizer." };
        var discriminatorLr = new Option<double?>("--discriminator-lr") { Description = "New learning rate of the discriminator's optimizer." };
        var rounds = new Option<int?>("--rounds") { Description = "New total number of rounds (to continue a completed experiment)." };
        var command = new Command("resume", "Continue a diverged, failed, cancelled, paused or completed experiment from its last good checkpoint.")
        {
            id, generatorLr, discriminatorLr, rounds, Key, Contact, Timeout,
        };
        command.SetAction((parse, _) => Run(parse, async client =>
        {
            var experiment = ParseId(parse.GetValue(id)!);
            if (KeyOf(parse) is not { } key)
            {
                return 2;
            }

            var reply = await AskKeyed(client, parse, key, "resumption",
                _ => new ResumeExperiment(experiment, parse.GetValue(generatorLr), parse.GetValue(discriminatorLr), parse.GetValue(rounds), key)).ConfigureAwait(false);
            switch (reply)
            {
                case ExperimentAccepted accepted:
                    Console.WriteLine($"{accepted.Id.Value} queued to resume from its last checkpoint");
                    return 0;
                default:
                    return Refusal(reply, "cannot resume");
            }
        }));
        return command;
    }

    private static Command Samples()
    {
        var id = new Argument<string>("id") { Description = "The experiment id." };
        var output = new Option<string?>("--out") { Description = "Output file (default <id>-round-N.png)." };
        var command = new Command("samples", "Download the latest sample grid (PNG) of an experiment.") { id, output, Contact, Timeout };
        command.SetAction((parse, _) => Run(parse, async client =>
        {
            // Before contacting the cluster: a bad path must not cost a round trip (or the whole timeout).
            if (parse.GetValue(output) is { } requested && CliPaths.CheckOutputFile(requested, "--out") is { } problem)
            {
                Console.Error.WriteLine($"gancluster samples: {problem}");
                return 2;
            }

            var reply = await client().AskAsync(new GetSamples(ParseId(parse.GetValue(id)!)), TimeoutOf(parse)).ConfigureAwait(false);
            switch (reply)
            {
                case SamplesReply samples:
                    var path = parse.GetValue(output) ?? $"{samples.Id.Value}-round-{samples.Round}.{samples.Format}";
                    await File.WriteAllBytesAsync(path, samples.Data).ConfigureAwait(false);
                    Console.WriteLine(Path.GetFullPath(path));
                    return 0;
                case NoSamplesYet none:
                    Console.Error.WriteLine($"{none.Id.Value} has no sample grid yet: one is written at every checkpoint");
                    return 1;
                case UnknownExperiment unknown:
                    return UnknownId(unknown.Id);
                default:
                    return Unexpected(reply);
            }
        }));
        return command;
    }

    internal static async Task<int> Run(ParseResult parse, Func<Func<CoordinatorClient>, Task<int>> body)
    {
        CoordinatorClient? client = null;
        try
        {
            var contacts = (parse.GetValue(Contact) ?? Environment.GetEnvironmentVariable("GANCLUSTER_CONTACT") ?? "127.0.0.1:4053")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var contact in contacts)
            {
                NodeOptions.ParseSeeds(contact, "--contact");
            }

            var shared = ClusterConfigLoader.LoadShared(ClusterConfigLoader.LocateConfigDirectory(), includeSerialization: true);

            // The connection is opened lazily, so a spec rejected locally never touches the network.
            // Akka remoting is peer to peer: on another machine than the cluster, bind an address the cluster can reach.
            var bindHost = Environment.GetEnvironmentVariable("GANCLUSTER_CLIENT_HOSTNAME") ?? "127.0.0.1";
            var publicHost = Environment.GetEnvironmentVariable("GANCLUSTER_CLIENT_PUBLIC_HOSTNAME");
            var tls = Environment.GetEnvironmentVariable(NodeEnvironment.TlsCertificate);
            var tlsPassword = Environment.GetEnvironmentVariable(NodeEnvironment.TlsPasswordFile) is { Length: > 0 } passwordFile
                ? NodeOptions.ReadSecret(passwordFile, NodeEnvironment.TlsPasswordFile, "the certificate's password")
                : Environment.GetEnvironmentVariable(NodeEnvironment.TlsPassword);
            return await body(() =>
            {
                if (client is null)
                {
                    ContactProbe.ThrowIfAllRefused(contacts);
                    client = new CoordinatorClient(contacts, shared, bindHost: bindHost, publicHost: publicHost, tlsCertificate: tls, tlsPassword: tlsPassword);
                }

                return client;
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusterUnreachableException or NodeOptionsException or ArgumentException)
        {
            Console.Error.WriteLine($"gancluster: {e.Message}");
            return e is ClusterUnreachableException ? 3 : 2;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Writing a result (samples --out) failed.
            Console.Error.WriteLine($"gancluster: {e.Message}; check the path and its permissions");
            return 2;
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The latest evaluation of an experiment as "round N: headline", or null when none exists yet.</summary>
    internal static async Task<string?> QualityOf(CoordinatorClient client, ExperimentId id, TimeSpan timeout) =>
        await client.AskAsync(new GetQuality(id), timeout).ConfigureAwait(false) is QualityList { Experiments: [var latest, ..] }
            ? $"round {latest.Round}: {latest.Headline}"
            : null;

    private static ExperimentId ParseId(string value) => new(value.Trim());

    private static string Ended(ExperimentState state) => state switch
    {
        ExperimentState.Completed => "completed",
        ExperimentState.Cancelled => "been cancelled",
        ExperimentState.Diverged => "diverged ('gancluster resume' continues it from its last good checkpoint)",
        _ => "failed ('gancluster status' says why)",
    };

    /// <summary>The request's idempotency key: --key, or a fresh one; null (after saying why) when --key is malformed.</summary>
    internal static string? KeyOf(ParseResult parse)
    {
        var key = parse.GetValue(Key)?.Trim() ?? RequestKey.New();
        if (RequestKey.Problem(key) is { } problem)
        {
            Console.Error.WriteLine($"gancluster: --key: {problem}");
            return null;
        }

        return key;
    }

    /// <summary>
    /// Sends a keyed request. When no answer comes, the request may still have been carried out: the error then
    /// names the key, so a retry with --key gets the first answer instead of doing the work twice.
    /// </summary>
    internal static async Task<object> AskKeyed(Func<CoordinatorClient> client, ParseResult parse, string key, string what, Func<WireSettings, object> message)
    {
        var connected = client();
        try
        {
            return await connected.AskAsync(message(connected.Wire), TimeoutOf(parse)).ConfigureAwait(false);
        }
        catch (ClusterUnreachableException e) when (e.RequestSent)
        {
            throw new ClusterUnreachableException(
                $"{e.Message}. If the coordinator got the {what}, it is carried out: repeat the same command with --key {key} to get its answer without doing it twice");
        }
    }

    internal static TimeSpan TimeoutOf(ParseResult parse) => TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(Timeout)));

    /// <summary>The exit code and message for a reply that is not the success the command asked for.</summary>
    internal static int Refusal(object reply, string what) => reply switch
    {
        ExperimentRejected rejected => Rejected(what, rejected),
        UnknownExperiment unknown => UnknownId(unknown.Id),
        UnknownSweep unknown => UnknownSweepId(unknown.Id),
        _ => Unexpected(reply),
    };

    private static int Rejected(string what, ExperimentRejected rejected)
    {
        Console.Error.WriteLine($"{what}: {rejected.Field}: {rejected.Reason}");
        return 2;
    }

    internal static int UnknownId(ExperimentId id)
    {
        Console.Error.WriteLine($"unknown experiment '{id.Value}'; 'gancluster list' shows the experiments of this cluster");
        return 4;
    }

    internal static int UnknownSweepId(SweepId id)
    {
        Console.Error.WriteLine($"unknown sweep '{id.Value}'; 'gancluster sweep' prints the id of a sweep it queues");
        return 4;
    }

    internal static int Unexpected(object reply)
    {
        Console.Error.WriteLine($"unexpected reply from the cluster: {reply.GetType().Name}");
        return 1;
    }

    private static string Format(double? value, string format = "F4") => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "~";
}
