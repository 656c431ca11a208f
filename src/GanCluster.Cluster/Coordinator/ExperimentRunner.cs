using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using GanCluster.Training.Core;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// One running experiment's work with its pair and the checkpoint store, a child of the coordinator: it loads the
/// newest checkpoint whose halves verify, hands the halves to the workers, grants rounds by its pure
/// <see cref="RunProgress"/> (the coordinator forwards the pair's readiness and rounds), reports each accepted round,
/// collects both halves at a boundary and stores them, and deletes pruned checkpoints. Once both halves of a checkpoint
/// are in hand the pair goes on with the next rounds while they are stored and journaled, except at a round where a
/// sweep decides about the run (<see cref="Setup.DecidedAt"/>: an ASHA rung, a PBT ready round), which waits for the
/// journal. Stores run one after another, in round order. Every store call runs as a task piped back to Self; when
/// told to finish it stops only after its store work completed and was reported, so nothing is left unawaited.
/// The coordinator decides and journals; the runner reports what happened.
/// </summary>
public sealed class ExperimentRunner : ReceiveActor
{
    /// <summary>Everything a run needs from the coordinator.</summary>
    public sealed record Setup(
        string Id, string SpecJson, long Incarnation, IReadOnlyList<CheckpointRef> Checkpoints,
        IActorRef Generator, IActorRef Discriminator, ICheckpointStore Store, Outbox Outbox, RunProgress Schedule, CheckpointSource? Exploit = null,
        Func<int, bool>? DecidedAt = null);

    // ---- from the coordinator ----

    /// <summary>The assignment is journaled: send both halves to the workers.</summary>
    public sealed record Assign(int NextRound) : INoSerializationVerificationNeeded;

    /// <summary>A saved checkpoint is journaled; delete these older rounds from the store (and go on, if the run does).</summary>
    public sealed record Recorded(int Round, IReadOnlyList<int> Prune) : INoSerializationVerificationNeeded;

    /// <summary>The run is over: stop once the store work in flight is done.</summary>
    public sealed class Finish : INoSerializationVerificationNeeded
    {
        public static readonly Finish Instance = new();
    }

    // ---- to the coordinator ----

    /// <summary>The checkpoint to continue from is loaded (round 0: none, start from scratch); <paramref name="Copied"/>: a PBT exploit's copy.</summary>
    public sealed record Loaded(string Id, int Round, CheckpointSource? Copied = null) : INoSerializationVerificationNeeded;

    /// <summary>A round the pair ran in order (<paramref name="Boundary"/>: the last granted one); journal it.</summary>
    public sealed record Accepted(string Id, RoundMetrics Metrics, RoundOutcome Outcome, bool Boundary) : INoSerializationVerificationNeeded;

    /// <summary>Both halves of a checkpoint are in the store (not yet journaled); <paramref name="Continues"/>: the run goes on from it.</summary>
    public sealed record Saved(string Id, int Round, string GeneratorSha256, string DiscriminatorSha256, bool Continues) : INoSerializationVerificationNeeded;

    /// <summary>The store failed; the run cannot go on.</summary>
    public sealed record Failed(string Id, string Operation, string Message) : INoSerializationVerificationNeeded;

    // ---- piped to Self ----

    private sealed record HalvesLoaded(RunStartCheckpoint Checkpoint) : INoSerializationVerificationNeeded;

    private sealed record HalvesStored(Saved Saved) : INoSerializationVerificationNeeded;

    private sealed record Pruned(IReadOnlyList<int> Rounds, Exception? Error) : INoSerializationVerificationNeeded;

    private sealed record StoreError(string Operation, Exception Error) : INoSerializationVerificationNeeded;

    private readonly Setup _setup;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private RunStartCheckpoint? _loaded;
    private RunProgress _schedule;
    private int _collecting;
    private long _checkpointStarted;
    private HalfCheckpoint? _generatorHalf;
    private HalfCheckpoint? _discriminatorHalf;
    private int _inFlight;
    private bool _finishing;
    private Task _storing = Task.CompletedTask;

    public ExperimentRunner(Setup setup)
    {
        _setup = setup;
        _schedule = setup.Schedule;
        Receive<HalvesLoaded>(OnLoaded);
        Receive<Assign>(OnAssign);
        Receive<ExperimentReady>(ready => Grant(_schedule.Ready(ready.Role, ready.NextRound)));
        Receive<RoundCompleted>(OnRound);
        Receive<HalfCheckpoint>(OnHalf);
        // Still in flight until the coordinator journaled it and said what to prune (Recorded).
        Receive<HalvesStored>(stored =>
        {
            GanClusterMetrics.CheckpointDuration.Record(GanClusterMetrics.SecondsSince(_checkpointStarted));
            Context.Parent.Tell(stored.Saved);
        });
        Receive<Recorded>(OnRecorded);
        Receive<Pruned>(pruned => Done(() =>
        {
            if (pruned.Error is { } e)
            {
                _log.Warning("Experiment {ExperimentId}: could not delete the pruned checkpoints of rounds {Rounds}: {Error}", _setup.Id, string.Join(", ", pruned.Rounds), e.Message);
            }
        }));
        Receive<StoreError>(failed => Done(() => Context.Parent.Tell(new Failed(_setup.Id, failed.Operation, failed.Error.Message))));
        Receive<Finish>(_ =>
        {
            _finishing = true;
            StopWhenIdle();
        });
    }

    public static Props Props(Setup setup) => Akka.Actor.Props.Create(() => new ExperimentRunner(setup));

    protected override void PreStart() => Start(
        async () => new HalvesLoaded(_setup.Exploit is { } exploit
            ? await RunStartCheckpoint.CopyAsync(_setup.Store, _setup.Id, exploit).ConfigureAwait(false)
            : await RunStartCheckpoint.LoadAsync(_setup.Store, _setup.Id, _setup.Checkpoints).ConfigureAwait(false)),
        _setup.Exploit is { } from ? $"copy the checkpoint of {from.Id} at round {from.Round}" : "load a checkpoint",
        loaded => loaded);

    protected override void PostStop() => _stopping.Cancel();

    private void OnLoaded(HalvesLoaded halves) => Done(() =>
    {
        var loaded = halves.Checkpoint;
        foreach (var skipped in loaded.Skipped)
        {
            _log.Warning("Experiment {0}: skipped a damaged checkpoint ({1}); falling back to an older one", _setup.Id, skipped);
        }

        if (loaded.Orphans.Count > 0)
        {
            _log.Info("Experiment {0}: deleted the stored checkpoints of rounds {1}, which the journal never recorded", _setup.Id, string.Join(", ", loaded.Orphans));
        }

        _loaded = loaded;
        Context.Parent.Tell(new Loaded(_setup.Id, loaded.Round, _setup.Exploit));
    });

    private void OnAssign(Assign assign)
    {
        var id = new ExperimentId(_setup.Id);
        var (g, d) = (_loaded?.Generator, _loaded?.Discriminator);
        _setup.Outbox.Send(_setup.Generator, new AssignExperiment(_setup.Incarnation, id, _setup.SpecJson, WorkerRole.Generator, _setup.Discriminator, assign.NextRound, g?.Data, g?.Sha256), g?.Data.LongLength ?? 0, Self);
        _setup.Outbox.Send(_setup.Discriminator, new AssignExperiment(_setup.Incarnation, id, _setup.SpecJson, WorkerRole.Discriminator, _setup.Generator, assign.NextRound, d?.Data, d?.Sha256), d?.Data.LongLength ?? 0, Self);
        _loaded = null; // the halves now live on the workers
        _schedule = _schedule.Start(assign.NextRound);
    }

    private void Grant((RunProgress Schedule, (int From, int To)? Grant) next)
    {
        _schedule = next.Schedule;
        if (next.Grant is { } grant && !_finishing)
        {
            _setup.Generator.Tell(new RunRounds(_setup.Incarnation, new ExperimentId(_setup.Id), grant.From, grant.To));
        }
    }

    /// <summary>A round from the generator: in order, it is reported; the last granted one also collects a checkpoint.</summary>
    private void OnRound(RoundCompleted completed)
    {
        (_schedule, var outcome) = _schedule.Round(completed.Metrics);
        if (outcome == RoundOutcome.Ignored || _finishing)
        {
            return;
        }

        var round = completed.Metrics.Round;
        Context.Parent.Tell(new Accepted(_setup.Id, completed.Metrics, outcome, round == _schedule.GrantedTo));
        GanClusterMetrics.RoundsAccepted.Add(1);
        if (outcome == RoundOutcome.Boundary)
        {
            (_collecting, _generatorHalf, _discriminatorHalf) = (round, null, null);
            _checkpointStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            var take = new TakeCheckpoint(_setup.Incarnation, completed.Id, round);
            _setup.Generator.Tell(take);
            _setup.Discriminator.Tell(take);
        }
    }

    private void OnHalf(HalfCheckpoint half)
    {
        if (_finishing || half.Round != _collecting)
        {
            return;
        }

        if (half.Role == WorkerRole.Generator)
        {
            _generatorHalf = half;
        }
        else
        {
            _discriminatorHalf = half;
        }

        if (_generatorHalf is not { } g || _discriminatorHalf is not { } d)
        {
            return;
        }

        (_generatorHalf, _discriminatorHalf, _collecting) = (null, null, 0);
        var (id, store, round, continues) = (_setup.Id, _setup.Store, half.Round, _schedule.Continues(half.Round));
        if (_schedule.HasRoundsAfter(round) && _setup.DecidedAt?.Invoke(round) != true)
        {
            // The state of both halves is captured: the pair trains on while it is stored. A coordinator that dies before
            // journaling it resumes from the checkpoint before, as it would have anyway.
            Grant(_schedule.GrantNext());
        }

        var previous = _storing;
        _storing = Start(async () =>
        {
            // In round order: a later checkpoint is never journaled before an earlier one.
            await previous.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            // Both halves go to the store before the journal records the checkpoint: a crash in between leaves an
            // unreferenced row, never a journal entry pointing at a missing or partial checkpoint.
            await store.SaveAsync(new CheckpointBlob(id, round, CheckpointRoles.Generator, g.State, g.Sha256)).ConfigureAwait(false);
            await store.SaveAsync(new CheckpointBlob(id, round, CheckpointRoles.Discriminator, d.State, d.Sha256)).ConfigureAwait(false);
            return new HalvesStored(new Saved(id, round, g.Sha256, d.Sha256, continues));
        }, $"store the checkpoint of round {round}", stored => stored);
    }

    private void OnRecorded(Recorded recorded)
    {
        _inFlight--;
        if (_schedule.HasRoundsAfter(recorded.Round))
        {
            Grant(_schedule.GrantNext());
        }

        if (recorded.Prune.Count == 0)
        {
            StopWhenIdle();
            return;
        }

        var (id, store, rounds) = (_setup.Id, _setup.Store, recorded.Prune);
        _inFlight++;
        Task.Run(async () =>
        {
            foreach (var round in rounds)
            {
                await store.DeleteAsync(id, round).ConfigureAwait(false);
            }

            return new Pruned(rounds, null);
        }).PipeTo(Self, failure: e => new Pruned(rounds, e));
    }

    /// <summary>Runs store work on the thread pool, piping its result (or a <see cref="StoreError"/>) to Self.</summary>
    private Task Start<T>(Func<Task<T>> work, string operation, Func<T, object> success)
    {
        _inFlight++;
        var task = Task.Run(work, _stopping.Token);
        task.PipeTo(Self, success: r => success(r), failure: e => new StoreError(operation, e));
        return task;
    }

    /// <summary>Store work finished: report it, unless the run ended meanwhile (then only what the coordinator must still journal).</summary>
    private void Done(Action report)
    {
        _inFlight--;
        report();
        StopWhenIdle();
    }

    private void StopWhenIdle()
    {
        if (_finishing && _inFlight == 0)
        {
            Context.Stop(Self);
        }
    }
}
