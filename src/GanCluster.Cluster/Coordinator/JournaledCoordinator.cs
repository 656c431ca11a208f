using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The coordinator's journal mechanics, apart from its routing (<see cref="CoordinatorActor"/>): recovery (snapshot,
/// events, damaged entries, the new incarnation), <see cref="Execute"/> (decide with the pure
/// <see cref="CoordinatorDecisions"/>, journal, apply with <see cref="CoordinatorState.Apply"/>, reply), snapshots, and
/// telling the <see cref="CoordinatorGuardian"/> when the journal fails so that it restarts the coordinator after a backoff.
/// </summary>
public abstract class JournaledCoordinator : ReceivePersistentActor
{
    public const string PersistenceIdValue = "gancluster-coordinator";

    private readonly int _snapshotEvery;

    protected JournaledCoordinator(int snapshotEvery)
    {
        _snapshotEvery = snapshotEvery;

        // A snapshot summarizes every experiment: one that cannot be read fails recovery rather than start from nothing.
        Recover<SnapshotOffer>(offer => State = offer.Snapshot as CoordinatorState
            ?? throw new InvalidOperationException($"the snapshot at journal entry {offer.Metadata.SequenceNr} cannot be read ({offer.Snapshot})"));
        Recover<UnreadableEvent>(e =>
        {
            var located = e with { SequenceNr = LastSequenceNr };
            Log.Error(CoordinatorLogEvents.JournalDamaged, located.SequenceNr, located.Manifest, located.ExperimentId ?? "(none)", located.Error);
            State = State.Apply(located);
        });
        Recover<ICoordinatorEvent>(e => State = State.Apply(e));
        // Persisting here holds every command back until the new incarnation is journaled (Akka.NET 1.3.6 and later).
        Recover<RecoveryCompleted>(_ => Persist(new CoordinatorStarted(State.Incarnation + 1, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            Log.Info(CoordinatorLogEvents.Started, e.Incarnation, State.Experiments.Count, State.Runnable().Count());
            Context.Parent.Tell(CoordinatorGuardian.Started.Instance);
            OnStarted();
        }));
    }

    public override string PersistenceId => PersistenceIdValue;

    /// <summary>The state as journaled: changed only by <see cref="Apply"/>.</summary>
    protected CoordinatorState State { get; private set; } = CoordinatorState.Empty;

    /// <summary>The run of experiment <paramref name="id"/> ended (its ending event is journaled): stop it.</summary>
    protected abstract void OnRunEnded(string id);

    /// <summary>Recovery is over and the new incarnation journaled: work that the journal says was under way may be asked for again.</summary>
    protected virtual void OnStarted()
    {
    }

    /// <summary>After a command's events are journaled and its reply sent: the queue may have changed.</summary>
    protected abstract void OnJournaled();

    /// <summary>Rounds received but not journaled yet for a run that is about to end; journaled before its ending event.</summary>
    protected abstract IEnumerable<ICoordinatorEvent> PendingBeforeEnd(string id);

    /// <summary>Decides, journals the events (rounds pending for an ending run first), applies them, then replies.</summary>
    protected void Execute(CoordinatorCommand command, IActorRef? replyTo = null, Action<IReadOnlyList<ICoordinatorEvent>>? then = null)
    {
        var decision = CoordinatorDecisions.Decide(State, command);
        var events = decision.Events.SelectMany(e => CoordinatorDecisions.EndsRun(e) is { } id ? [.. PendingBeforeEnd(id), e] : new[] { e }).ToList();
        if (events.Count == 0)
        {
            Reply();
            return;
        }

        var left = events.Count;
        PersistAll(events, e =>
        {
            Apply(e);
            Log.Journaled(e, State);
            if (CoordinatorDecisions.EndsRun(e) is { } id)
            {
                OnRunEnded(id);
            }

            if (--left == 0)
            {
                Reply();
                OnJournaled();
            }
        });

        void Reply()
        {
            if (decision.Reply is { } reply)
            {
                replyTo?.Tell(reply);
            }

            then?.Invoke(events);
        }
    }

    /// <summary>Applies a journaled event, and saves a snapshot every <c>snapshotEvery</c> events.</summary>
    protected void Apply(ICoordinatorEvent e)
    {
        State = State.Apply(e);
        if (LastSequenceNr % _snapshotEvery == 0 && LastSequenceNr > 0)
        {
            SaveSnapshot(State);
        }
    }

    // Akka stops a persistent actor whose journal failed; the guardian starts a new one after a backoff.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new CoordinatorGuardian.Failing($"could not journal {@event.GetType().Name}: {cause.GetBaseException().Message}"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Context.Parent.Tell(new CoordinatorGuardian.Failing($"could not read the journal: {reason.GetBaseException().Message}"));
        base.OnRecoveryFailure(reason, message);
    }
}
