using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The cluster's coordinator, run as a cluster singleton on the coordinator role. It owns the experiment
/// queue, assigns experiments to free generator/discriminator pairs, grants rounds up to each checkpoint
/// boundary (the pair exchanges batches and gradients directly), collects both halves at the boundary and
/// stores them durably with their SHA-256, and journals every state change so that a restarted (or
/// failed-over) coordinator carries on: running experiments resume from their last checkpoint.
/// </summary>
public sealed class CoordinatorActor : ReceivePersistentActor
{
    public const string PersistenceIdValue = "gancluster-coordinator";

    private sealed class Worker(IActorRef actor, WorkerRole role, string node)
    {
        public IActorRef Actor { get; } = actor;

        public WorkerRole Role { get; } = role;

        public string Node { get; } = node;

        public string? Experiment { get; set; }
    }

    private sealed class Run(string id, ExperimentSpec spec, Worker generator, Worker discriminator)
    {
        public string Id { get; } = id;

        public ExperimentSpec Spec { get; } = spec;

        public Worker Generator { get; } = generator;

        public Worker Discriminator { get; } = discriminator;

        public int NextRound { get; set; }

        public bool GeneratorReady { get; set; }

        public bool DiscriminatorReady { get; set; }

        public int GrantedTo { get; set; }

        public List<RoundMetrics> Pending { get; } = [];

        public HalfCheckpoint? GeneratorHalf { get; set; }

        public HalfCheckpoint? DiscriminatorHalf { get; set; }

        public Stopwatch SinceLog { get; } = Stopwatch.StartNew();

        public int LastLoggedRound { get; set; }
    }

    private sealed record CheckpointLoaded(string Id, int Round, byte[]? Generator, string? GeneratorSha, byte[]? Discriminator, string? DiscriminatorSha, IReadOnlyList<string> Skipped) : INoSerializationVerificationNeeded;

    private sealed record CheckpointSaved(string Id, int Round, string GeneratorSha, string DiscriminatorSha) : INoSerializationVerificationNeeded;

    private sealed record StoreFailed(string Id, string Operation, Exception Error) : INoSerializationVerificationNeeded;

    private readonly ICheckpointStore _store;
    private readonly CoordinatorSettings _settings;
    private readonly IActorRef _bulk;
    private readonly ChunkReceiver _chunks;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ExperimentMonitoring _monitoring;
    private readonly IActorRef _quality;
    private readonly CheckpointDownloads _downloads;

    // Round summaries go straight to Serilog: they carry more named properties than Akka's adapter takes.
    private static readonly Serilog.ILogger RoundLog = Serilog.Log.ForContext<CoordinatorActor>();
    private readonly Dictionary<IActorRef, Worker> _workers = [];
    private readonly Dictionary<string, Run> _runs = [];
    private CoordinatorState _state = CoordinatorState.Empty;
    private bool _started;

    public CoordinatorActor(ICheckpointStore store, CoordinatorSettings settings, IActorRef bulkSender)
    {
        _store = store;
        _settings = settings;
        _bulk = bulkSender;
        _chunks = new ChunkReceiver(Context.System);
        _monitoring = new ExperimentMonitoring(settings.Monitoring, (e, folder) => RoundLog.Warning(e, "Could not write the metrics files in {Folder}", folder));

        // Checkpoint evaluation and downloads live apart from the coordinator: it only tells and forwards.
        _quality = Context.ActorOf(QualityActor.Props(store, settings.Quality, settings.Monitoring.Directory), "quality");
        _downloads = new CheckpointDownloads(store);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is CoordinatorState snapshot)
            {
                _state = snapshot;
            }
        });
        Recover<ICoordinatorEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Self.Tell(StartIncarnation.Instance));

        Command<StartIncarnation>(_ => Persist(new CoordinatorStarted(_state.Incarnation + 1, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            _started = true;
            _log.Info("Coordinator incarnation {0} started with {1} experiments ({2} waiting for workers)",
                e.Incarnation, _state.Experiments.Count, _state.Runnable().Count());
            Stash.UnstashAll();
        }));
        CommandAny(message =>
        {
            if (!_started)
            {
                Stash.Stash();
                return;
            }

            Handle(message);
        });
    }

    public override string PersistenceId => PersistenceIdValue;

    public static Props Props(ICheckpointStore store, CoordinatorSettings settings, IActorRef bulkSender) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(store, settings, bulkSender));

    private sealed class StartIncarnation : INoSerializationVerificationNeeded
    {
        public static readonly StartIncarnation Instance = new();
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case SubmitExperiment m: OnSubmit(m); break;
            case ListExperiments: Sender.Tell(new ExperimentList(_state.Experiments.Values.OrderBy(e => e.Sequence).Select(Summarize).ToList())); break;
            case GetExperimentStatus m: OnStatus(m); break;
            case CancelExperiment m: OnCancel(m); break;
            case ResumeExperiment m: OnResume(m); break;
            case GetSamples m: OnGetSamples(m); break;
            case RegisterWorker m: OnRegister(m); break;
            case ExperimentReady m: OnReady(m); break;
            case RoundCompleted m: OnRoundCompleted(m); break;
            case HalfCheckpoint m: OnHalfCheckpoint(m); break;
            case SampleGridImage m: OnSampleGrid(m); break;
            case WorkerFailure m: OnWorkerFailure(m); break;
            case ExperimentStopped: break;
            case SampleGridStored m: Persist(m, Apply); break;
            case CheckpointLoaded m: OnCheckpointLoaded(m); break;
            case CheckpointSaved m: OnCheckpointSaved(m); break;
            case StoreFailed m: OnStoreFailed(m); break;
            case Terminated m: OnWorkerTerminated(m.ActorRef); break;
            case MessageChunk m: OnChunk(m); break;
            case WorkerMetrics m: OnWorkerMetrics(m); break;
            case GetAlarms m: OnGetAlarms(m); break;
            case GetQuality m: _quality.Forward(m); break;
            case GetLatestCheckpoint m: OnGetLatestCheckpoint(m); break;
            case GetCheckpointPart m: _downloads.Serve(m, Sender); break;
            default: Unhandled(message); break;
        }
    }

    // ---- clients ----------------------------------------------------------------------------------

    private void OnSubmit(SubmitExperiment submit)
    {
        if (!WireMatches(submit.Wire, out var mismatch))
        {
            Sender.Tell(new WireMismatch(mismatch));
            return;
        }

        ExperimentSpec spec;
        try
        {
            // Validated again on arrival: a client of another version may not know every rule.
            spec = SpecJson.Parse(submit.SpecJson);
        }
        catch (SpecValidationException e)
        {
            var first = e.Errors[0];
            _log.Warning("Rejected an experiment: {0}", e.Message);
            Sender.Tell(new ExperimentRejected(first.Field, string.Join("; ", e.Errors.Select(x => x.ToString()))));
            return;
        }

        var id = ExperimentId.New();
        var replyTo = Sender;
        Persist(new ExperimentSubmitted(id.Value, SpecJson.Serialize(spec, indented: false), spec.Name, submit.Priority, spec.Rounds, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            _log.Info("Experiment {0} ({1}) submitted: {2} rounds, priority {3}", e.Id, e.Name, e.RoundsTotal, e.Priority);
            replyTo.Tell(new ExperimentAccepted(id));
            TryAssign();
        });
    }

    private void OnStatus(GetExperimentStatus query)
    {
        var record = _state.Find(query.Id.Value);
        if (record is null)
        {
            Sender.Tell(new UnknownExperiment(query.Id));
            return;
        }

        var history = History(record);
        Sender.Tell(new ExperimentStatusReply(Summarize(record), history.TakeLast(20).ToList()));
    }

    private void OnCancel(CancelExperiment cancel)
    {
        var record = _state.Find(cancel.Id.Value);
        if (record is null)
        {
            Sender.Tell(new UnknownExperiment(cancel.Id));
            return;
        }

        var replyTo = Sender;
        if (record.IsFinished)
        {
            replyTo.Tell(new CancelAccepted(cancel.Id));
            return;
        }

        FlushRounds(record.Id);
        Persist(new ExperimentCancelled(record.Id), e =>
        {
            Apply(e);
            _log.Info("Experiment {0} cancelled", e.Id);
            StopRun(e.Id);
            replyTo.Tell(new CancelAccepted(cancel.Id));
            TryAssign();
        });
    }

    private void OnResume(ResumeExperiment resume)
    {
        var record = _state.Find(resume.Id.Value);
        if (record is null)
        {
            Sender.Tell(new UnknownExperiment(resume.Id));
            return;
        }

        var spec = SpecJson.Parse(record.SpecJson);
        spec = spec with
        {
            Rounds = resume.Rounds ?? spec.Rounds,
            GeneratorOptimizer = spec.GeneratorOptimizer with { LearningRate = resume.GeneratorLearningRate ?? spec.GeneratorOptimizer.LearningRate },
            DiscriminatorOptimizer = spec.DiscriminatorOptimizer with { LearningRate = resume.DiscriminatorLearningRate ?? spec.DiscriminatorOptimizer.LearningRate },
        };
        var problem = record.State switch
        {
            ExperimentState.Queued or ExperimentState.Running => ("state", $"the experiment is {record.State.ToString().ToLowerInvariant()}; only a diverged, failed, cancelled, paused or completed one can be resumed"),
            ExperimentState.Completed when spec.Rounds <= record.RoundsTotal => ("rounds", $"the experiment completed its {record.RoundsTotal} rounds; give more rounds to continue it"),
            _ => SpecValidator.Validate(spec).FirstOrDefault() is { } error ? (error.Field, error.Message) : default((string, string)?),
        };
        if (problem is { } p)
        {
            Sender.Tell(new ExperimentRejected(p.Item1, p.Item2));
            return;
        }

        var replyTo = Sender;
        Persist(new ExperimentResumed(record.Id, SpecJson.Serialize(spec, indented: false), spec.Rounds), e =>
        {
            Apply(e);
            _log.Info("Experiment {0} resumed by the user from its last checkpoint (round {1}): generator lr {2}, discriminator lr {3}, {4} rounds",
                e.Id, record.LastCheckpointRound?.ToString() ?? "none", spec.GeneratorOptimizer.LearningRate, spec.DiscriminatorOptimizer.LearningRate, spec.Rounds);
            replyTo.Tell(new ExperimentAccepted(resume.Id));
            TryAssign();
        });
    }

    private void OnGetSamples(GetSamples query)
    {
        var record = _state.Find(query.Id.Value);
        if (record is null)
        {
            Sender.Tell(new UnknownExperiment(query.Id));
            return;
        }

        if (record.LatestSampleRound is not { } round)
        {
            Sender.Tell(new NoSamplesYet(query.Id));
            return;
        }

        var replyTo = Sender;
        _store.LoadAsync(record.Id, round, CheckpointRoles.Samples).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && t.Result is { } blob)
            {
                replyTo.Tell(new SamplesReply(query.Id, round, "png", blob.Data));
            }
            else
            {
                replyTo.Tell(new NoSamplesYet(query.Id));
            }
        }, TaskScheduler.Default);
    }

    private void OnGetLatestCheckpoint(GetLatestCheckpoint query)
    {
        switch (_state.Find(query.Id.Value))
        {
            case null:
                Sender.Tell(new UnknownExperiment(query.Id));
                break;
            case { LastCheckpointRound: { } round } record:
                _downloads.Describe(query.Id, round, record.SpecJson, Sender);
                break;
            default:
                Sender.Tell(new NoCheckpointYet(query.Id));
                break;
        }
    }

    // ---- workers ----------------------------------------------------------------------------------

    private void OnRegister(RegisterWorker register)
    {
        if (!WireMatches(register.Wire, out var mismatch))
        {
            _log.Error("Refused the {0} worker on {1}: {2}", register.Role, register.NodeAddress, mismatch);
            register.Worker.Tell(new WireMismatch(mismatch));
            return;
        }

        if (!_workers.ContainsKey(register.Worker))
        {
            _workers[register.Worker] = new Worker(register.Worker, register.Role, register.NodeAddress);
            Context.Watch(register.Worker);
            _log.Info("The {0} worker on {1} joined the pool ({2} generators, {3} discriminators)",
                register.Role, register.NodeAddress, Count(WorkerRole.Generator), Count(WorkerRole.Discriminator));
        }

        register.Worker.Tell(new WorkerRegistered(_state.Incarnation));
        TryAssign();
    }

    private void OnWorkerTerminated(IActorRef actor)
    {
        if (!_workers.Remove(actor, out var worker))
        {
            return;
        }

        _log.Warning("The {0} worker on {1} left the cluster", worker.Role, worker.Node);
        if (worker.Experiment is { } id && _runs.ContainsKey(id))
        {
            var reason = $"the {worker.Role.ToString().ToLowerInvariant()} node {worker.Node} left; resumes from the last checkpoint when a node of that role joins";
            FlushRounds(id);
            Persist(new ExperimentPaused(id, reason), e =>
            {
                Apply(e);
                _log.Warning("Experiment {0} paused: {1}", e.Id, e.Reason);
                StopRun(e.Id);
                TryAssign();
            });
        }
    }

    private void OnWorkerFailure(WorkerFailure failure)
    {
        var id = failure.Id.Value;
        if (!_runs.ContainsKey(id))
        {
            return;
        }

        FlushRounds(id);
        Persist(new ExperimentFailed(id, $"{failure.Role} at round {failure.Round}: {failure.Reason}", failure.Diverged), e =>
        {
            Apply(e);
            _log.Error("Experiment {0} failed: {1}", e.Id, e.Reason);
            StopRun(e.Id);
            TryAssign();
        });
    }

    // ---- scheduling -------------------------------------------------------------------------------

    private void TryAssign()
    {
        foreach (var record in _state.Runnable().ToList())
        {
            if (_runs.ContainsKey(record.Id))
            {
                continue;
            }

            var generator = _workers.Values.FirstOrDefault(w => w.Role == WorkerRole.Generator && w.Experiment is null);
            var discriminator = _workers.Values.FirstOrDefault(w => w.Role == WorkerRole.Discriminator && w.Experiment is null);
            if (generator is null || discriminator is null)
            {
                return;
            }

            var spec = SpecJson.Parse(record.SpecJson);
            generator.Experiment = record.Id;
            discriminator.Experiment = record.Id;
            _runs[record.Id] = new Run(record.Id, spec, generator, discriminator);
            LoadLatestCheckpoint(record);
        }
    }

    /// <summary>The newest checkpoint whose both halves verify; damaged ones are skipped with a warning.</summary>
    private void LoadLatestCheckpoint(ExperimentRecord record)
    {
        var id = record.Id;
        var candidates = record.Checkpoints.Reverse().ToList();
        Task.Run(async () =>
        {
            var skipped = new List<string>();
            foreach (var checkpoint in candidates)
            {
                try
                {
                    var g = await _store.LoadAsync(id, checkpoint.Round, CheckpointRoles.Generator).ConfigureAwait(false);
                    var d = await _store.LoadAsync(id, checkpoint.Round, CheckpointRoles.Discriminator).ConfigureAwait(false);
                    if (g is null || d is null)
                    {
                        skipped.Add($"checkpoint of round {checkpoint.Round} is missing a half");
                        continue;
                    }

                    if (g.Sha256 != checkpoint.GeneratorSha256 || d.Sha256 != checkpoint.DiscriminatorSha256)
                    {
                        skipped.Add($"checkpoint of round {checkpoint.Round} does not match the SHA-256 in the journal");
                        continue;
                    }

                    return new CheckpointLoaded(id, checkpoint.Round, g.Data, g.Sha256, d.Data, d.Sha256, skipped);
                }
                catch (Exception e) when (e is CorruptCheckpointException or InvalidDataException)
                {
                    skipped.Add($"checkpoint of round {checkpoint.Round}: {e.Message}");
                }
            }

            return new CheckpointLoaded(id, 0, null, null, null, null, skipped);
        }).PipeTo(Self, failure: e => new StoreFailed(id, "load a checkpoint", e));
    }

    private void OnCheckpointLoaded(CheckpointLoaded loaded)
    {
        if (!_runs.TryGetValue(loaded.Id, out var run))
        {
            return;
        }

        foreach (var skipped in loaded.Skipped)
        {
            _log.Warning("Experiment {0}: skipped a damaged checkpoint ({1}); falling back to an older one", loaded.Id, skipped);
        }

        run.NextRound = loaded.Round + 1;
        _monitoring.Started(loaded.Id, run.NextRound);
        Persist(new ExperimentAssigned(loaded.Id, run.Generator.Node, run.Discriminator.Node, run.NextRound), e =>
        {
            Apply(e);
            _log.Info("Experiment {0} assigned to generator {1} and discriminator {2}, starting at round {3}{4}",
                e.Id, e.GeneratorNode, e.DiscriminatorNode, e.NextRound, loaded.Round > 0 ? $" (from the checkpoint of round {loaded.Round})" : string.Empty);
            var id = new ExperimentId(e.Id);
            var specJson = _state.Find(e.Id)!.SpecJson;
            Send(run.Generator.Actor, new AssignExperiment(_state.Incarnation, id, specJson, WorkerRole.Generator, run.Discriminator.Actor, run.NextRound, loaded.Generator, loaded.GeneratorSha),
                loaded.Generator?.LongLength ?? 0);
            Send(run.Discriminator.Actor, new AssignExperiment(_state.Incarnation, id, specJson, WorkerRole.Discriminator, run.Generator.Actor, run.NextRound, loaded.Discriminator, loaded.DiscriminatorSha),
                loaded.Discriminator?.LongLength ?? 0);
        });
    }

    private void OnReady(ExperimentReady ready)
    {
        if (!_runs.TryGetValue(ready.Id.Value, out var run) || ready.NextRound != run.NextRound)
        {
            return;
        }

        if (ready.Role == WorkerRole.Generator)
        {
            run.GeneratorReady = true;
        }
        else
        {
            run.DiscriminatorReady = true;
        }

        if (run.GeneratorReady && run.DiscriminatorReady)
        {
            Grant(run);
        }
    }

    private void Grant(Run run)
    {
        run.GrantedTo = CoordinatorState.NextBoundary(run.NextRound, run.Spec.CheckpointInterval, run.Spec.Rounds);
        run.Generator.Actor.Tell(new RunRounds(_state.Incarnation, new ExperimentId(run.Id), run.NextRound, run.GrantedTo));
    }

    private void OnRoundCompleted(RoundCompleted completed)
    {
        if (!_runs.TryGetValue(completed.Id.Value, out var run) || completed.Metrics.Round != run.NextRound)
        {
            return;
        }

        var metrics = completed.Metrics;
        run.Pending.Add(metrics);
        run.NextRound = metrics.Round + 1;
        ReportAlarms(run.Id, _monitoring.Round(run.Id, metrics, 1000.0 / Math.Max(metrics.RoundMs, 1e-9), force: metrics.Round == run.GrantedTo));
        if (RoundMetricsMapping.IsDiverged(metrics))
        {
            OnDiverged(run, metrics);
            return;
        }

        if (metrics.Round - run.LastLoggedRound >= _settings.LogEvery || metrics.Round == run.GrantedTo)
        {
            LogRoundSummary(run, metrics);
        }

        if (run.Pending.Count >= _settings.RecordEvery)
        {
            FlushRounds(run.Id);
        }

        if (metrics.Round == run.GrantedTo)
        {
            FlushRounds(run.Id);
            var take = new TakeCheckpoint(_state.Incarnation, completed.Id, metrics.Round);
            run.Generator.Actor.Tell(take);
            run.Discriminator.Actor.Tell(take);
        }
    }

    private void OnDiverged(Run run, RoundMetrics metrics)
    {
        FlushRounds(run.Id, includeLast: false);
        var last = _state.Find(run.Id)!.LastCheckpointRound;
        var reason = $"diverged at round {metrics.Round} (loss/d {metrics.DLoss}, loss/g {metrics.GLoss}); the last good checkpoint is round {last?.ToString() ?? "none"}: "
                     + $"continue from there with 'gancluster resume {run.Id} --generator-lr <lower> --discriminator-lr <lower>'";
        Persist(new ExperimentFailed(run.Id, reason, Diverged: true), e =>
        {
            Apply(e);
            _log.Error("Experiment {0} {1}", e.Id, e.Reason);
            StopRun(e.Id);
            TryAssign();
        });
    }

    private void LogRoundSummary(Run run, RoundMetrics m)
    {
        var rounds = m.Round - run.LastLoggedRound;
        var stepsPerSecond = rounds / Math.Max(run.SinceLog.Elapsed.TotalSeconds, 1e-9);
        RoundLog.Information("Experiment {ExperimentId} round {Round}/{Rounds}: loss/d {DLoss:F4} loss/g {GLoss:F4} d/real {DReal:F3} d/fake {DFake:F3} "
                  + "{StepsPerSecond:F1} steps/s; phases g-forward {GForwardMs:F1} ms, d-step {DStepMs:F1} ms, feedback {FeedbackMs:F1} ms, g-update {GUpdateMs:F1} ms, round {RoundMs:F1} ms; "
                  + "generator {GeneratorNode}, discriminator {DiscriminatorNode}{Terms}",
            run.Id, m.Round, run.Spec.Rounds, m.DLoss, m.GLoss, m.DReal, m.DFake, stepsPerSecond,
            m.GeneratorForwardMs, m.DiscriminatorStepMs, m.FeedbackMs, m.GeneratorUpdateMs, m.RoundMs, run.Generator.Node, run.Discriminator.Node, RoundMetricsMapping.ExtraTermsText(m));
        run.LastLoggedRound = m.Round;
        run.SinceLog.Restart();
    }

    // ---- monitoring -------------------------------------------------------------------------------

    private void OnWorkerMetrics(WorkerMetrics metrics)
    {
        if (_runs.ContainsKey(metrics.Id.Value))
        {
            ReportAlarms(metrics.Id.Value, _monitoring.WorkerMetrics(metrics.Id.Value, metrics.Round, metrics.Values));
        }
    }

    private void OnGetAlarms(GetAlarms query)
    {
        if (query.Id is { } id && _state.Find(id.Value) is null)
        {
            Sender.Tell(new UnknownExperiment(id));
            return;
        }

        var alarms = query.Id is { } one ? _monitoring.Alarms(one.Value).Select(a => (Id: one.Value, Alarm: a)) : _monitoring.AllAlarms();
        Sender.Tell(new AlarmList(alarms.Select(x => new ExperimentAlarm(new ExperimentId(x.Id), x.Alarm.Kind, x.Alarm.Round, x.Alarm.Message)).ToList()));
    }

    private static void ReportAlarms(string id, IReadOnlyList<Training.Monitoring.Alarm> raised)
    {
        foreach (var alarm in raised)
        {
            RoundLog.Warning("Experiment {ExperimentId} alarm {Alarm} at round {Round}: {AlarmMessage}", id, alarm.Kind, alarm.Round, alarm.Message);
        }
    }

    protected override void PostStop()
    {
        // Queued metrics lines reach the disk before the coordinator goes (a hand-over or a shutdown).
        _monitoring.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        base.PostStop();
    }

    // ---- checkpoints ------------------------------------------------------------------------------

    private void OnChunk(MessageChunk chunk)
    {
        if (_chunks.TryAccept(chunk, Sender, out var message) && message is not null)
        {
            Self.Forward(message);
        }
    }

    private void OnHalfCheckpoint(HalfCheckpoint half)
    {
        if (!_runs.TryGetValue(half.Id.Value, out var run) || half.Round != run.GrantedTo)
        {
            return;
        }

        if (half.Role == WorkerRole.Generator)
        {
            run.GeneratorHalf = half;
        }
        else
        {
            run.DiscriminatorHalf = half;
        }

        if (run.GeneratorHalf is not { } g || run.DiscriminatorHalf is not { } d)
        {
            return;
        }

        run.GeneratorHalf = null;
        run.DiscriminatorHalf = null;
        var id = run.Id;
        var round = half.Round;
        Task.Run(async () =>
        {
            // Both halves go to the store before the journal records the checkpoint: a crash in between
            // leaves an unreferenced row, never a journal entry pointing at a missing or partial checkpoint.
            await _store.SaveAsync(new CheckpointBlob(id, round, CheckpointRoles.Generator, g.State, g.Sha256)).ConfigureAwait(false);
            await _store.SaveAsync(new CheckpointBlob(id, round, CheckpointRoles.Discriminator, d.State, d.Sha256)).ConfigureAwait(false);
            return new CheckpointSaved(id, round, g.Sha256, d.Sha256);
        }).PipeTo(Self, failure: e => new StoreFailed(id, $"store the checkpoint of round {round}", e));
    }

    private void OnCheckpointSaved(CheckpointSaved saved)
    {
        Persist(new CheckpointStored(saved.Id, saved.Round, saved.GeneratorSha, saved.DiscriminatorSha), e =>
        {
            Apply(e);
            _log.Info("Experiment {0} checkpointed at round {1} (generator {2}, discriminator {3})", e.Id, e.Round, e.GeneratorSha256[..12], e.DiscriminatorSha256[..12]);
            var record = _state.Find(e.Id)!;
            _quality.Tell(new QualityActor.EvaluateCheckpoint(e.Id, e.Round, record.SpecJson));
            var prunable = CoordinatorState.Prunable(record, _settings.CheckpointRetention);
            if (prunable.Count > 0)
            {
                Persist(new CheckpointsPruned(e.Id, prunable), pruned =>
                {
                    Apply(pruned);
                    foreach (var round in pruned.Rounds)
                    {
                        _store.DeleteAsync(pruned.Id, round);
                    }
                });
            }

            // The checkpoint is valid either way, but only the run that asked for it continues from it: a save that
            // finishes after its run was paused and reassigned must not grant or complete the new run.
            if (!_runs.TryGetValue(e.Id, out var run) || run.GrantedTo != e.Round || run.NextRound != e.Round + 1)
            {
                return;
            }

            if (e.Round >= record.RoundsTotal)
            {
                Persist(new ExperimentCompleted(e.Id), done =>
                {
                    Apply(done);
                    _log.Info("Experiment {0} completed: {1} rounds", done.Id, record.RoundsTotal);
                    StopRun(done.Id);
                    TryAssign();
                });
            }
            else
            {
                Grant(run);
            }
        });
    }

    private void OnSampleGrid(SampleGridImage grid)
    {
        var id = grid.Id.Value;
        if (_state.Find(id) is null)
        {
            return;
        }

        _monitoring.SampleGrid(id, grid.Round, grid.Png);
        Task.Run(async () =>
        {
            await _store.SaveAsync(new CheckpointBlob(id, grid.Round, CheckpointRoles.Samples, grid.Png, CheckpointBlob.Hash(grid.Png))).ConfigureAwait(false);
            return new SampleGridStored(id, grid.Round);
        }).PipeTo(Self, success: stored => stored, failure: e => new StoreFailed(id, "store a sample grid", e));
    }

    private void OnStoreFailed(StoreFailed failed)
    {
        _log.Error(failed.Error, "Experiment {0}: could not {1}", failed.Id, failed.Operation);
        if (_runs.ContainsKey(failed.Id))
        {
            Persist(new ExperimentPaused(failed.Id, $"could not {failed.Operation}: {failed.Error.Message}"), e =>
            {
                Apply(e);
                StopRun(e.Id);
            });
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void Apply(ICoordinatorEvent e)
    {
        _state = _state.Apply(e);
        if (LastSequenceNr % _settings.SnapshotEvery == 0 && LastSequenceNr > 0)
        {
            SaveSnapshot(_state);
        }
    }

    private void FlushRounds(string id, bool includeLast = true)
    {
        if (!_runs.TryGetValue(id, out var run) || run.Pending.Count == 0)
        {
            return;
        }

        var rounds = includeLast ? run.Pending.ToList() : run.Pending.Where(m => !RoundMetricsMapping.IsDiverged(m)).ToList();
        run.Pending.Clear();
        if (rounds.Count > 0)
        {
            Persist(new RoundsRecorded(id, rounds), Apply);
        }
    }

    /// <summary>Forgets the run, frees its workers and tells them to stop (they drop the half).</summary>
    private void StopRun(string id)
    {
        if (!_runs.Remove(id, out var run))
        {
            return;
        }

        foreach (var worker in new[] { run.Generator, run.Discriminator })
        {
            worker.Experiment = null;
            if (_workers.ContainsKey(worker.Actor))
            {
                worker.Actor.Tell(new StopExperiment(_state.Incarnation, new ExperimentId(id)));
            }
        }
    }

    private void Send(IActorRef destination, object message, long payloadBytes)
    {
        if (payloadBytes + 1024 <= _settings.ChunkSize)
        {
            destination.Tell(message);
        }
        else
        {
            _bulk.Tell(new BulkSend(destination, message));
        }
    }

    private IReadOnlyList<RoundMetrics> History(ExperimentRecord record) =>
        _runs.TryGetValue(record.Id, out var run) ? [.. record.History, .. run.Pending] : record.History;

    private ExperimentSummary Summarize(ExperimentRecord record)
    {
        var history = History(record);
        var last = history.Count > 0 ? history[^1] : null;
        var recent = history.TakeLast(20).ToList();
        double? speed = recent.Count > 0 ? 1000.0 / Math.Max(recent.Average(m => m.RoundMs), 1e-9) : null;
        return new ExperimentSummary(new ExperimentId(record.Id), record.Name, record.State, last?.Round ?? record.RoundsDone, record.RoundsTotal, record.Reason,
            last?.DLoss, last?.GLoss, last?.DReal, last?.DFake, speed, record.SubmittedAt, record.GeneratorNode, record.DiscriminatorNode, record.LastCheckpointRound, record.Priority);
    }

    private bool WireMatches(WireSettings other, out string mismatch)
    {
        mismatch = string.Empty;
        if (other == _settings.Wire)
        {
            return true;
        }

        mismatch = $"wire settings differ: this coordinator uses protocol {_settings.Wire.ProtocolVersion} with maximum-frame-size {_settings.Wire.MaximumFrameSize} bytes; "
                   + $"the sender uses protocol {other.ProtocolVersion} with {other.MaximumFrameSize} bytes. Use the same GanCluster version and cluster-config everywhere.";
        return false;
    }

    private int Count(WorkerRole role) => _workers.Values.Count(w => w.Role == role);
}
