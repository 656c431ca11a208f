using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Logs;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The cluster's coordinator, a cluster singleton (child of <see cref="CoordinatorGuardian"/>). It routes messages to
/// the pure <see cref="CoordinatorDecisions"/> (journaled by its base, <see cref="JournaledCoordinator"/>) and keeps the
/// <see cref="RunTable"/> (worker pool, runs). Children: an <see cref="ExperimentRunner"/> per running experiment
/// (checkpoints, grants), the <see cref="ExperimentMonitor"/> (run folders, alarms), the <see cref="QualityActor"/> and
/// the <see cref="SampleGridStore"/>. Queries are answered by the pure <see cref="CoordinatorQueries"/>. See docs/ARCHITECTURE.md.
/// </summary>
public sealed class CoordinatorActor : JournaledCoordinator
{
    private readonly ICheckpointStore _store;
    private readonly CoordinatorSettings _settings;
    private readonly Outbox _outbox;
    private readonly ChunkReceiver _chunks;
    private readonly IActorRef _monitor;
    private readonly IActorRef _quality;
    private readonly IActorRef _grids;
    private readonly CheckpointDownloads _downloads;
    private readonly RunTable _runs = new();
    private int _runnerCount;

    public CoordinatorActor(ICheckpointStore store, CoordinatorSettings settings, IActorRef bulkSender) : base(settings.SnapshotEvery)
    {
        _store = store;
        _settings = settings;
        _outbox = new Outbox(bulkSender, settings.ChunkSize);
        _chunks = new ChunkReceiver(Context.System);
        _monitor = Context.ActorOf(ExperimentMonitor.Props(settings.Monitoring, settings.LogEvery), "monitor");
        _quality = Context.ActorOf(QualityActor.Props(store, settings.Quality, settings.Monitoring.Directory), "quality");
        _grids = Context.ActorOf(SampleGridStore.Props(store), "samples");
        _downloads = new CheckpointDownloads(store);

        CommandAny(Handle);
    }

    protected override void PostStop()
    {
        GanClusterMetrics.PublishCoordinator(null);
        base.PostStop();
    }

    public static Props Props(ICheckpointStore store, CoordinatorSettings settings, IActorRef bulkSender) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(store, settings, bulkSender));

    private void Handle(object message)
    {
        switch (message)
        {
            // clients
            case SubmitExperiment m when Refused(m.Wire, Sender): break;
            case SubmitExperiment m: Execute(new Command.Submit(m.SpecJson, m.Priority, ExperimentId.New().Value, DateTimeOffset.UtcNow, m.Key), Sender); break;
            case var query when CoordinatorQueries.IsQuery(query): Answer(query); break;
            case CancelExperiment m: Execute(new Command.Cancel(m.Id.Value, m.Key), Sender); break;
            case SubmitSweep m when Refused(m.Wire, Sender): break;
            case SubmitSweep m: Execute(new Command.SubmitSweep(m.BaseSpecJson, m.SpaceJson, m.Metric, m.Mode, m.Algorithm, m.Seeds, m.Budget, m.Eta, m.Priority, SweepId.New().Value, DateTimeOffset.UtcNow, m.Key, m.Pbt, m.GracePeriod), Sender); break;
            case CancelSweep m: Execute(new Command.CancelSweep(m.Id.Value), Sender); break;
            case ResumeSweep m: Execute(new Command.ResumeSweep(m.Id.Value), Sender); break;
            case ResumeExperiment m: Execute(new Command.Resume(m.Id.Value, m.GeneratorLearningRate, m.DiscriminatorLearningRate, m.Rounds, m.Key), Sender); break;
            case GetAlarms { Id: { } id } m when State.Find(id.Value) is null: Sender.Tell(new UnknownExperiment(id)); break;
            case GetAlarms m: _monitor.Forward(m); break;
            case GetQuality m: _quality.Forward(m); break;

            // workers
            case RegisterWorker m: OnRegister(m); break;
            case Terminated m: OnWorkerLeft(m.ActorRef); break;
            case WorkerFailure m when _runs.Contains(m.Id.Value): Execute(new Command.WorkerFailed(m.Id.Value, m.Role, m.Round, m.Reason, m.Diverged)); break;
            case IWorkerProtocol m when _runs.RunnerFor(m) is { } runner: runner.Forward(m); break;
            case WorkerMetrics m when _runs.Contains(m.Id.Value): _monitor.Tell(m); break;
            case SampleGridImage m when State.Find(m.Id.Value) is not null: _monitor.Tell(m); _grids.Tell(m); break;
            case MessageChunk m when _chunks.TryAccept(m, Sender, out var whole) && whole is not null: Self.Forward(whole); break;

            // children and piped results
            case ExperimentRunner.Loaded m when IsCurrent(m.Id, out var run): OnLoaded(run, m); break;
            case ExperimentRunner.Accepted m when IsCurrent(m.Id, out var run): OnRound(run, m); break;
            case ExperimentRunner.Saved m: OnSaved(m); break;
            case ExperimentRunner.Failed m when IsCurrent(m.Id, out _): Execute(new Command.StoreFailed(m.Id, m.Operation, m.Message)); break;
            case QualityActor.Figure m: OnFigure(m); break;
            case SampleGridStore.Stored { Error: null } m: Persist(m.Event, Apply); break;
            case SampleGridStore.Stored m when _runs.Contains(m.Event.Id): Execute(new Command.StoreFailed(m.Event.Id, "store a sample grid", m.Error!.Message)); break;
            case ExperimentStopped or ExperimentRunner.Loaded or ExperimentRunner.Accepted or ExperimentRunner.Failed or SampleGridStore.Stored or MessageChunk or SampleGridImage: break;
            case WorkerFailure or ExperimentReady or RoundCompleted or HalfCheckpoint or WorkerMetrics: break; // no run (any more)
            default: Unhandled(message); break;
        }
    }

    // For the node's /metrics (GanClusterMetrics): the queue and the pool, after a journaled decision or a pool change
    // (not after every message: round traffic changes neither, and counting walks every experiment).
    private void PublishCounts()
    {
        int queued = 0, running = 0, paused = 0;
        foreach (var record in State.Experiments.Values)
        {
            queued += record.State == ExperimentState.Queued ? 1 : 0;
            running += record.State == ExperimentState.Running ? 1 : 0;
            paused += record.State == ExperimentState.Paused ? 1 : 0;
        }

        GanClusterMetrics.PublishCoordinator(new GanClusterMetrics.CoordinatorCounts(queued, running, paused, _runs.Count(WorkerRole.Generator), _runs.Count(WorkerRole.Discriminator)));
    }

    protected override void OnRunEnded(string id) => StopRun(id);

    protected override void OnJournaled()
    {
        TryAssign();
        PublishCounts();
    }

    protected override IEnumerable<ICoordinatorEvent> PendingBeforeEnd(string id) => _runs.Flush(id);

    // ---- workers and runs -----------------------------------------------------------------------

    private void OnRegister(RegisterWorker register)
    {
        if (Refused(register.Wire, register.Worker))
        {
            Log.Error("Refused the {0} worker on {1}: wire settings differ", register.Role, register.NodeAddress);
            return;
        }

        if (_runs.Join(register.Worker, register.Role, register.NodeAddress, register.Device))
        {
            Context.Watch(register.Worker);
            Log.Info(CoordinatorLogEvents.WorkerJoined, register.Role, register.NodeAddress, _runs.Count(WorkerRole.Generator), _runs.Count(WorkerRole.Discriminator), register.Device);
        }

        register.Worker.Tell(new WorkerRegistered(State.Incarnation));
        TryAssign();
        PublishCounts();
    }

    private void OnWorkerLeft(IActorRef actor)
    {
        if (_runs.Leave(actor, out var running) is { } worker)
        {
            Log.Warning("The {0} worker on {1} left the cluster", worker.Role, worker.Node);
            PublishCounts();
            if (running is not null)
            {
                Execute(new Command.WorkerLeft(running, worker.Role, worker.Node));
            }
        }
    }

    /// <summary>Pairs waiting experiments with free workers; each pairing starts a runner, which loads the checkpoint.</summary>
    private void TryAssign()
    {
        foreach (var (id, generator, discriminator) in _runs.Pair(CoordinatorDecisions.Queue(State)))
        {
            var record = State.Find(id)!;
            var spec = SpecJson.Parse(record.SpecJson);
            var setup = new ExperimentRunner.Setup(id, record.SpecJson, State.Incarnation, record.Checkpoints, generator.Worker,
                discriminator.Worker, _store, _outbox, new RunProgress(id, spec.Rounds, spec.CheckpointInterval), record.ExploitFrom,
                Sweeps.SweepDecisions.DecidedAt(State, id));
            var runner = Context.ActorOf(ExperimentRunner.Props(setup), $"run-{id}-{++_runnerCount}");
            _runs.Add(id, new CoordinatorRun(runner, spec, generator.Node, discriminator.Node) { Pending = new PendingRounds(id) });
        }
    }

    private void OnLoaded(CoordinatorRun run, ExperimentRunner.Loaded loaded)
    {
        var nextRound = loaded.Round + 1;
        Execute(new Command.RunStarted(loaded.Id, run.GeneratorNode, run.DiscriminatorNode, nextRound, loaded.Copied), then: _ =>
        {
            _monitor.Tell(new ExperimentMonitor.RunStarted(loaded.Id, nextRound, run.Spec, run.GeneratorNode, run.DiscriminatorNode));
            run.Runner.Tell(new ExperimentRunner.Assign(nextRound));
        });
    }

    /// <summary>A round the runner accepted: shown, journaled in batches (at least at each boundary), or the end of a diverged run.</summary>
    private void OnRound(CoordinatorRun run, ExperimentRunner.Accepted accepted)
    {
        var record = _runs.Accept(run, accepted.Metrics, accepted.Outcome, _settings.RecordEvery);
        _monitor.Tell(new ExperimentMonitor.Round(accepted.Id, accepted.Metrics, accepted.Boundary));
        if (accepted.Outcome == RoundOutcome.Diverged)
        {
            Execute(new Command.RoundDiverged(accepted.Id, accepted.Metrics));
        }
        else if (record.Count > 0)
        {
            PersistAll(record, Apply);
        }
    }

    private void OnSaved(ExperimentRunner.Saved saved)
    {
        var runner = Sender;
        var current = IsCurrent(saved.Id, out _) && saved.Continues;
        Execute(new Command.CheckpointSaved(saved.Id, saved.Round, saved.GeneratorSha256, saved.DiscriminatorSha256, current, _settings.CheckpointRetention), then: events =>
        {
            // The runner deletes what the journal no longer lists, grants the next rounds if the run goes on, and stops
            // (if finished) only after its store work.
            runner.Tell(new ExperimentRunner.Recorded(saved.Round, events.OfType<CheckpointsPruned>().SelectMany(p => p.Rounds).ToList()));
            if (State.Find(saved.Id) is { } record)
            {
                // A sweep child paused at this checkpoint waits for its figure: the evaluation answers the coordinator.
                _quality.Tell(new QualityActor.EvaluateCheckpoint(saved.Id, saved.Round, record.SpecJson, record.WaitingForFigure == saved.Round ? Self : null));
            }
        });
    }

    /// <summary>A checkpoint's evaluation that a sweep child waits for: the sweep's metric read from it, then the sweep's decision.</summary>
    private void OnFigure(QualityActor.Figure figure)
    {
        var sweep = State.Find(figure.Id)?.SweepId is { } sweepId ? State.FindSweep(sweepId) : null;
        var value = figure.EvaluationJson is { } json && sweep is not null ? Sweeps.SweepRanking.EvaluationFigure(json, sweep.Metric) : null;
        var error = figure.Error ?? (value is null && sweep is not null ? $"its evaluation has no finite '{sweep.Metric}'" : null);
        Execute(new Command.CheckpointEvaluated(figure.Id, figure.Round, value, error));
    }

    /// <summary>After a restart: the sweep children that were waiting for a checkpoint's figure ask for it again (evaluation is deterministic).</summary>
    protected override void OnStarted()
    {
        foreach (var record in State.Experiments.Values.Where(x => x is { WaitingForFigure: not null, IsFinished: false }))
        {
            Log.Info(CoordinatorLogEvents.FigureAskedAgain, record.Id, record.SweepId, record.WaitingForFigure);
            _quality.Tell(new QualityActor.EvaluateCheckpoint(record.Id, record.WaitingForFigure!.Value, record.SpecJson, Self));
        }
    }

    /// <summary>Forgets the run, frees its workers and tells them to stop (they drop the half); the runner finishes its store work.</summary>
    private void StopRun(string id)
    {
        if (_runs.Stop(id, out var workers) is { } run)
        {
            workers.ToList().ForEach(worker => worker.Tell(new StopExperiment(State.Incarnation, new ExperimentId(id))));
            run.Runner.Tell(ExperimentRunner.Finish.Instance);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private bool IsCurrent(string id, out CoordinatorRun run) => _runs.IsCurrent(id, Sender, out run);

    private void Answer(object query)
    {
        switch (CoordinatorQueries.Answer(State, _runs.Pending, query, _runs.DeviceOf))
        {
            case Download download: _downloads.Serve(download, Sender); break;
            case LogRequest logs: Context.ActorOf(LogGathering.Props(logs.Request, LogPlan.For(LogGathering.UpMembers(Context.System), logs.Served, _settings.ChunkSize), Sender, LogGathering.Timeout)); break;
            case var reply: Sender.Tell(reply); break;
        }
    }

    private bool Refused(WireSettings wire, IActorRef sender)
    {
        if (CoordinatorDecisions.WireMismatch(_settings.Wire, wire) is not { } mismatch)
        {
            return false;
        }

        sender.Tell(new WireMismatch(mismatch));
        return true;
    }
}
