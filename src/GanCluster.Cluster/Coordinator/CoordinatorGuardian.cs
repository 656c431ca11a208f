using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>When to start the coordinator again after it stopped, pure: exponential from <paramref name="Min"/>, capped at <paramref name="Max"/>, with jitter.</summary>
public sealed record RestartBackoff(TimeSpan Min, TimeSpan Max, double RandomFactor)
{
    /// <summary>1 s, 2 s, 4 s ... up to 30 s, each up to 20% longer at random (Akka's BackoffSupervisor defaults in spirit).</summary>
    public static RestartBackoff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);

    /// <summary>The wait after <paramref name="failures"/> earlier failures in a row; <paramref name="jitter"/> in [0, 1) stretches it by up to <see cref="RandomFactor"/>.</summary>
    public TimeSpan Delay(int failures, double jitter)
    {
        var exponential = Min.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures, 0, 30));
        var capped = Math.Min(exponential, Max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (1 + (RandomFactor * Math.Clamp(jitter, 0, 1))));
    }
}

/// <summary>
/// The coordinator's parent inside the cluster singleton, with one job: keep a coordinator running. When the
/// coordinator stops (its journal failed: PostgreSQL down, a read-only or damaged data folder) it starts a new one
/// after an exponential backoff, which recovers from the journal like a restarted process would; meanwhile clients are
/// told what failed and when the next attempt is (<see cref="CoordinatorRecovering"/>) instead of waiting for a timeout,
/// and worker messages are dropped (workers register again periodically and resume from the last checkpoint).
/// </summary>
public sealed class CoordinatorGuardian : ReceiveActor, IWithTimers
{
    /// <summary>The coordinator to its parent, just before it stops because its journal failed.</summary>
    public sealed record Failing(string Reason);

    /// <summary>The coordinator to its parent: the new incarnation is journaled, so it is healthy again.</summary>
    public sealed class Started
    {
        public static readonly Started Instance = new();
    }

    private sealed class Restart
    {
        public static readonly Restart Instance = new();
    }

    private readonly Props _coordinatorProps;
    private readonly RestartBackoff _backoff;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Random _random = new();
    private IActorRef? _coordinator;
    private string _reason = "the coordinator is starting";
    private int _failures;
    private DateTime _retryAt;

    public CoordinatorGuardian(Props coordinatorProps, RestartBackoff backoff)
    {
        _coordinatorProps = coordinatorProps;
        _backoff = backoff;
        Receive<Failing>(failing =>
        {
            _reason = failing.Reason;
            _log.Error(CoordinatorLogEvents.CoordinatorFailed, failing.Reason);
        });
        Receive<Started>(_ => _failures = 0);
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ => OnStopped());
        Receive<Restart>(_ => StartCoordinator());
        ReceiveAny(Route);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Props coordinatorProps, RestartBackoff? backoff = null) =>
        Akka.Actor.Props.Create(() => new CoordinatorGuardian(coordinatorProps, backoff ?? RestartBackoff.Default));

    protected override void PreStart() => StartCoordinator();

    private void StartCoordinator() => _coordinator = Context.Watch(Context.ActorOf(_coordinatorProps, "coordinator"));

    private void OnStopped()
    {
        _coordinator = null;
        var delay = _backoff.Delay(_failures++, _random.NextDouble());
        _retryAt = DateTime.UtcNow + delay;
        _log.Warning(CoordinatorLogEvents.CoordinatorRestarting, _reason, delay.TotalSeconds, _failures);
        Timers.StartSingleTimer(Restart.Instance, Restart.Instance, delay);
    }

    private void Route(object message)
    {
        if (_coordinator is { } coordinator)
        {
            coordinator.Forward(message);
        }
        else if (message is ICoordinatorCommand)
        {
            var wait = Math.Max(0, (int)Math.Ceiling((_retryAt - DateTime.UtcNow).TotalSeconds));
            Sender.Tell(new CoordinatorRecovering(_reason, wait));
        }
    }
}
