using System.Diagnostics;
using System.Globalization;
using Akka;
using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The coordinator's child that watches experiments: run folders (options.json, metrics.jsonl, TensorBoard, sample
/// grids, through <see cref="ExperimentMonitoring"/>), alarms, and the periodic round summary in the log. The
/// coordinator tells it what arrives, in arrival order, and forwards <see cref="GetAlarms"/> to it.
/// </summary>
public sealed class ExperimentMonitor : ReceiveActor
{
    /// <summary>A run (re)starts at NextRound on these nodes.</summary>
    public sealed record RunStarted(string Id, int NextRound, ExperimentSpec Spec, string GeneratorNode, string DiscriminatorNode) : INoSerializationVerificationNeeded;

    /// <summary>An accepted round; Boundary forces it into the metrics files.</summary>
    public sealed record Round(string Id, RoundMetrics Metrics, bool Boundary) : INoSerializationVerificationNeeded;

    private sealed class Run(RunStarted started)
    {
        public RunStarted Started { get; } = started;

        public Stopwatch SinceLog { get; } = Stopwatch.StartNew();

        public int LastLoggedRound { get; set; } = started.NextRound - 1;
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ExperimentMonitoring _monitoring;
    private readonly int _logEvery;
    private readonly Dictionary<string, Run> _runs = [];

    public ExperimentMonitor(MonitoringSettings settings, int logEvery)
    {
        _logEvery = logEvery;
        var log = _log;
        _monitoring = new ExperimentMonitoring(settings, (e, folder) => log.Warning(e, "Could not write the metrics files in {Folder}", folder));
        Receive<RunStarted>(OnStarted);
        Receive<Round>(OnRound);
        Receive<WorkerMetrics>(m => Report(m.Id.Value, _monitoring.WorkerMetrics(m.Id.Value, m.Round, m.Values)));
        Receive<SampleGridImage>(m => _monitoring.SampleGrid(m.Id.Value, m.Round, m.Png));
        Receive<GetAlarms>(OnGetAlarms);
    }

    public static Props Props(MonitoringSettings settings, int logEvery) => Akka.Actor.Props.Create(() => new ExperimentMonitor(settings, logEvery));

    protected override void PreStart()
    {
        // Queued metrics lines reach the disk before the ActorSystem goes (a hand-over or a shutdown), without
        // blocking this actor's stop: the shutdown phase awaits the writer instead.
        var monitoring = _monitoring;
        CoordinatedShutdown.Get(Context.System).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, $"flush-experiment-metrics-{Guid.NewGuid():N}",
            async () =>
            {
                await monitoring.DisposeAsync().ConfigureAwait(false);
                return Done.Instance;
            });
    }

    protected override void PostStop()
    {
        // Completes the writer's queue; what is queued is still written, on the writer's task.
        _ = _monitoring.DisposeAsync().AsTask();
        base.PostStop();
    }

    private void OnStarted(RunStarted started)
    {
        _runs[started.Id] = new Run(started);
        _monitoring.Started(started.Id, started.NextRound);
        _monitoring.Options(started.Id, started.Spec);
    }

    private void OnRound(Round round)
    {
        var m = round.Metrics;
        Report(round.Id, _monitoring.Round(round.Id, m, 1000.0 / Math.Max(m.RoundMs, 1e-9), force: round.Boundary));
        if (_runs.TryGetValue(round.Id, out var run) && (m.Round - run.LastLoggedRound >= _logEvery || round.Boundary))
        {
            var rounds = m.Round - run.LastLoggedRound;
            var stepsPerSecond = rounds / Math.Max(run.SinceLog.Elapsed.TotalSeconds, 1e-9);
            // Akka's adapter takes at most six arguments: the losses, phases and nodes go in as preformatted text.
            var losses = string.Create(CultureInfo.InvariantCulture, $"loss/d {m.DLoss:F4} loss/g {m.GLoss:F4} d/real {m.DReal:F3} d/fake {m.DFake:F3}")
                         + RoundMetricsMapping.ExtraTermsText(m);
            var phases = string.Create(CultureInfo.InvariantCulture,
                $"g-forward {m.GeneratorForwardMs:F1} ms, d-step {m.DiscriminatorStepMs:F1} ms, feedback {m.FeedbackMs:F1} ms, g-update {m.GeneratorUpdateMs:F1} ms, round {m.RoundMs:F1} ms");
            var phasesAndPair = $"{phases}; generator {run.Started.GeneratorNode}, discriminator {run.Started.DiscriminatorNode}";
            _log.Info("Experiment {ExperimentId} round {Round}/{Rounds}: {Losses} {StepsPerSecond} steps/s; phases {Phases}",
                round.Id, m.Round, run.Started.Spec.Rounds, losses, Math.Round(stepsPerSecond, 1), phasesAndPair);
            run.LastLoggedRound = m.Round;
            run.SinceLog.Restart();
        }
    }

    private void OnGetAlarms(GetAlarms query)
    {
        var alarms = query.Id is { } one ? _monitoring.Alarms(one.Value).Select(a => (Id: one.Value, Alarm: a)) : _monitoring.AllAlarms();
        Sender.Tell(new AlarmList(alarms.Select(x => new ExperimentAlarm(new ExperimentId(x.Id), x.Alarm.Kind, x.Alarm.Round, x.Alarm.Message)).ToList()));
    }

    private void Report(string id, IReadOnlyList<Training.Monitoring.Alarm> raised)
    {
        foreach (var alarm in raised)
        {
            _log.Warning("Experiment {ExperimentId} alarm {Alarm} at round {Round}: {AlarmMessage}", id, alarm.Kind, alarm.Round, alarm.Message);
        }
    }
}
