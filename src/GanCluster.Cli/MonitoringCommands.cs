using System.CommandLine;
using GanCluster.Protocol;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Output;
using Spectre.Console;

namespace GanCluster.Cli;

/// <summary><c>curves</c> (a loss-curve PNG from a run's metrics.jsonl) and <c>watch</c> (live progress of a cluster experiment).</summary>
internal static class MonitoringCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Curves();
        yield return Watch();
        yield return LogsCommand.Create();
    }

    private static Command Curves()
    {
        var source = new Argument<string>("run") { Description = "A run folder (train --local's, or <data>/experiments/<id> on a coordinator) or a metrics.jsonl file." };
        var output = new Option<string?>("--out") { Description = "Output PNG (default <run folder>/curves.png)." };
        var width = new Option<int>("--width") { Description = "Width in pixels.", DefaultValueFactory = _ => LossCurves.DefaultWidth };
        var height = new Option<int>("--height") { Description = "Height in pixels.", DefaultValueFactory = _ => LossCurves.DefaultHeight };
        var command = new Command("curves", "Draw the loss curves (loss/d, loss/g, d/real, d/fake) of a run as PNG.") { source, output, width, height };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(source)!;
            try
            {
                var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
                var rows = MetricsLog.Read(path);
                var file = parse.GetValue(output) ?? Path.Combine(folder, "curves.png");
                LossCurves.SavePng(rows, file, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), parse.GetValue(width), parse.GetValue(height));
                Console.WriteLine(Path.GetFullPath(file));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"gancluster curves: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command Watch()
    {
        var id = new Argument<string>("id") { Description = "The experiment id printed by submit." };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes.", DefaultValueFactory = _ => 2 };
        var plain = new Option<bool>("--plain") { Description = "Plain lines even on a terminal (the default when stdout is redirected)." };
        var command = new Command("watch", "Follow an experiment live until it ends: progress, ETA, steps/s, losses, state, nodes and alarms.")
        {
            id, interval, plain, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction((parse, cancellation) => ClientCommands.Run(parse, async client =>
        {
            var experiment = new ExperimentId(parse.GetValue(id)!.Trim());
            var every = TimeSpan.FromSeconds(Math.Max(0.2, parse.GetValue(interval)));
            async Task<(ProgressSnapshot? Snapshot, ExperimentState State, int? Exit)> Poll()
            {
                var reply = await client().AskAsync(new GetExperimentStatus(experiment), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
                if (reply is UnknownExperiment unknown)
                {
                    return (null, default, ClientCommands.UnknownId(unknown.Id));
                }

                if (reply is not ExperimentStatusReply status)
                {
                    return (null, default, ClientCommands.Unexpected(reply));
                }

                var alarms = await client().AskAsync(new GetAlarms(experiment), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false) as AlarmList;
                var quality = await ClientCommands.QualityOf(client(), experiment, ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
                return (Snapshot(status.Summary, alarms) with { Quality = quality }, status.Summary.State, null);
            }

            var first = await Poll().ConfigureAwait(false);
            if (first.Exit is { } failed)
            {
                return failed;
            }

            var current = first;
            if (parse.GetValue(plain) || Console.IsOutputRedirected)
            {
                string? last = null;
                while (true)
                {
                    var line = ProgressView.Line(current.Snapshot!);
                    if (line != last)
                    {
                        Console.WriteLine(line);
                        last = line;
                    }

                    if (IsFinished(current.State) || cancellation.IsCancellationRequested)
                    {
                        return ExitCode(current.State);
                    }

                    await Task.Delay(every, cancellation).ConfigureAwait(false);
                    current = await Poll().ConfigureAwait(false);
                    if (current.Exit is { } code)
                    {
                        return code;
                    }
                }
            }

            var exit = 0;
            await AnsiConsole.Live(ProgressView.Panel(current.Snapshot!)).StartAsync(async live =>
            {
                while (!IsFinished(current.State) && !cancellation.IsCancellationRequested)
                {
                    await Task.Delay(every, cancellation).ConfigureAwait(false);
                    current = await Poll().ConfigureAwait(false);
                    if (current.Exit is { } code)
                    {
                        exit = code;
                        return;
                    }

                    live.UpdateTarget(ProgressView.Panel(current.Snapshot!));
                }
            }).ConfigureAwait(false);
            return exit != 0 ? exit : ExitCode(current.State);
        }));
        return command;
    }

    /// <summary>What watch shows for a status reply and the experiment's alarms.</summary>
    internal static ProgressSnapshot Snapshot(ExperimentSummary s, AlarmList? alarms) => new(
        $"{s.Name} ({s.Id.Value})",
        s.State.ToString().ToLowerInvariant() + (s.Reason is null ? string.Empty : $" ({s.Reason})"),
        s.RoundsDone,
        s.RoundsTotal,
        s.State == ExperimentState.Running ? s.StepsPerSecond : null,
        s.LastDLoss,
        s.LastGLoss,
        s.LastDReal,
        s.LastDFake,
        s.GeneratorNode is null ? null : $"generator {s.GeneratorNode}, discriminator {s.DiscriminatorNode}",
        alarms?.Alarms.Select(a => $"{a.Kind} at round {a.Round}: {a.Message}").ToList() ?? []);

    internal static bool IsFinished(ExperimentState state) => state is ExperimentState.Completed or ExperimentState.Failed or ExperimentState.Cancelled or ExperimentState.Diverged;

    private static int ExitCode(ExperimentState state) => state == ExperimentState.Completed ? 0 : IsFinished(state) ? 1 : 0;
}
