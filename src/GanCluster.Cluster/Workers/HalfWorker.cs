using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;
using GanCluster.Training.Core;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// The life cycle of a worker's half, the same for both roles: an assignment loads it on the torch thread (a repeated
/// assignment replaces an earlier load, whose half is discarded), a stop or a failure drops it, and a failure is
/// reported to the coordinator. Subclasses run the round schedule on <see cref="Half"/>.
/// </summary>
public abstract class HalfWorker<THalf> : WorkerBase
    where THalf : class, IDisposable
{
    // Carries the assignment that asked for it: a repeated assignment of the same experiment must not take the half of an earlier one.
    private sealed record HalfReady(Assignment For, THalf Half, int NextRound) : INoSerializationVerificationNeeded;

    /// <summary>Work on the torch thread failed; <see cref="For"/> is the assignment whose load failed (null: work on the current half).</summary>
    protected sealed record TorchFailed(ExperimentId Id, int Round, Exception Error) : INoSerializationVerificationNeeded
    {
        public Assignment? For { get; init; }
    }

    /// <summary>Messages for the coordinator made on the torch thread, each with its payload size (which decides chunking).</summary>
    protected sealed record ForCoordinator(IReadOnlyList<(IWorkerProtocol Message, long Bytes)> Messages) : INoSerializationVerificationNeeded;

    protected HalfWorker(WorkerRole role, WorkerSettings settings) : base(role, settings)
    {
        Receive<AssignExperiment>(OnAssign);
        Receive<HalfReady>(OnHalfReady);
        Receive<StopExperiment>(OnStop);
        Receive<TakeCheckpoint>(OnTakeCheckpoint);
        Receive<ForCoordinator>(f =>
        {
            foreach (var (message, bytes) in f.Messages)
            {
                Outbox.Send(Settings.Coordinator, message, bytes, Self);
            }
        });
        Receive<TorchFailed>(OnTorchFailed);
        Receive<Status.Failure>(f => Log.Error(f.Cause, "Unexpected failure in the {0} worker", Role));
    }

    /// <summary>The loaded half of the current assignment; null while loading or idle.</summary>
    protected THalf? Half { get; private set; }

    /// <summary>True while work of the schedule is under way.</summary>
    protected abstract bool Busy { get; }

    protected override string StateName => Current is null ? "idle" : Busy ? "training" : Half is null ? "loading" : "ready";

    /// <summary>Builds the half of an assignment, restoring <paramref name="state"/> when given. Runs on the torch thread: touch no actor state.</summary>
    protected abstract THalf Load(Assignment assignment, HalfState? state);

    /// <summary>The half of the current assignment is loaded and continues at <paramref name="nextRound"/>.</summary>
    protected abstract void Loaded(Assignment assignment, int nextRound);

    /// <summary>The half was dropped: forget the progress of the schedule.</summary>
    protected abstract void Dropped();

    /// <summary>Why a checkpoint of <paramref name="round"/> cannot be taken now, or null when the half is at that round's boundary.</summary>
    protected abstract string? NotAtBoundary(int round);

    /// <summary>The messages of a checkpoint of <paramref name="half"/> at <paramref name="round"/>. Runs on the torch thread: touch no actor state.</summary>
    protected abstract IReadOnlyList<(IWorkerProtocol Message, long Bytes)> Checkpoint(THalf half, Assignment assignment, int round);

    /// <summary>True when a coordinator command is for this incarnation, the current experiment and a loaded half; logs and drops it otherwise.</summary>
    protected bool IsForCurrentHalf(long incarnation, ExperimentId id, object message) =>
        FromCurrentCoordinator(incarnation, message) && IsCurrent(id, message) && Half is not null;

    /// <summary>Runs <paramref name="work"/> on the torch thread and pipes its result to this actor, or a <see cref="TorchFailed"/>.</summary>
    protected void OnTorch<T>(Func<T> work, ExperimentId id, int round) =>
        Torch.Run(() => (object)work()!).PipeTo(Self, failure: e => new TorchFailed(id, round, e));

    private void OnAssign(AssignExperiment assign)
    {
        if (!TryBeginAssignment(assign, DropHalf, out var assignment))
        {
            return;
        }

        var id = assign.Id;
        Log.Info("Experiment {0}: loading the {1} half (next round {2}, peer {3})", id.Value, Role.ToString().ToLowerInvariant(), assign.NextRound, assign.Peer.Path);
        Torch.Run(() => Load(assignment, VerifiedHalfState(assign)))
            .PipeTo(Self, success: half => new HalfReady(assignment, half, assign.NextRound), failure: e => new TorchFailed(id, assign.NextRound - 1, e) { For = assignment });
    }

    private void OnHalfReady(HalfReady ready)
    {
        if (IsReplaced(ready.For, ready.For.Id, $"a {Role} half"))
        {
            Dispose(ready.Half);
            return;
        }

        Half = ready.Half;
        Loaded(ready.For, ready.NextRound);
    }

    private void OnTorchFailed(TorchFailed failed)
    {
        if (IsReplaced(failed.For, failed.Id, $"the failed load ({failed.Error.Message})"))
        {
            return;
        }

        if (Current?.Id == failed.Id)
        {
            ReportFailure(failed.Id, failed.Round, failed.Error);
            DropHalf();
        }
    }

    private void OnTakeCheckpoint(TakeCheckpoint take)
    {
        if (!IsForCurrentHalf(take.Incarnation, take.Id, take))
        {
            return;
        }

        if (NotAtBoundary(take.Round) is { } reason)
        {
            Log.Warning("Dropped TakeCheckpoint for round {0}: the {1} {2}", take.Round, Role.ToString().ToLowerInvariant(), reason);
            return;
        }

        var (half, assignment) = (Half!, Current!);
        OnTorch(() => new ForCoordinator(Checkpoint(half, assignment, take.Round)), take.Id, take.Round);
    }

    private void OnStop(StopExperiment stop)
    {
        if (!FromCurrentCoordinator(stop.Incarnation, stop) || !IsCurrent(stop.Id, stop))
        {
            return;
        }

        DropHalf();
        Settings.Coordinator.Tell(new ExperimentStopped(stop.Id, Role), Self);
    }

    private void DropHalf()
    {
        var half = Half;
        Half = null;
        Current = null;
        Dropped();
        if (half is not null)
        {
            Dispose(half);
        }
    }

    // On the torch thread, behind any work still queued for the half.
    private void Dispose(THalf half) => Torch.Run(() =>
    {
        half.Dispose();
        return true;
    });

    protected override void PostStop()
    {
        DropHalf();
        base.PostStop();
    }
}
