using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace GanCluster.Cluster.Membership;

/// <summary>
/// Runs on worker-only nodes. When the cluster has had no coordinator-role member for
/// <c>gancluster.node.rejoin-after</c>, it shuts this node's ActorSystem down with <see cref="RejoinReason"/>, and
/// the node command starts a fresh one that joins the seed nodes again.
/// </summary>
/// <remarks>
/// Why: the coordinator is the cluster's first seed. When its only node crashes and is restarted, it finds no other
/// seed and founds a new cluster, while the workers stay members of the old one (which downed the crashed
/// coordinator) and would wait there forever. An Akka node cannot join another cluster without a new ActorSystem.
/// </remarks>
public sealed class CoordinatorPresenceWatch : ReceiveActor, IWithTimers
{
    private const string TimerKey = "rejoin";

    private sealed class Rejoin
    {
        public static readonly Rejoin Instance = new();
    }

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _coordinators = [];
    private readonly TimeSpan _rejoinAfter;
    private bool _selfUp;

    public CoordinatorPresenceWatch(TimeSpan rejoinAfter)
    {
        _rejoinAfter = rejoinAfter;
        Receive<ClusterEvent.IMemberEvent>(OnMemberEvent);
        Receive<Rejoin>(_ =>
        {
            if (_coordinators.Count > 0)
            {
                return;
            }

            _log.Warning("No coordinator node has been in the cluster for {0}; leaving and joining the seed nodes again", _rejoinAfter);
            CoordinatedShutdown.Get(Context.System).Run(RejoinReason.Instance);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan rejoinAfter) => Akka.Actor.Props.Create(() => new CoordinatorPresenceWatch(rejoinAfter));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnMemberEvent(ClusterEvent.IMemberEvent e)
    {
        var member = e.Member;
        if (member.Address.Equals(_cluster.SelfAddress) && member.Status == MemberStatus.Up)
        {
            _selfUp = true;
        }

        if (member.HasRole("coordinator"))
        {
            if (e is ClusterEvent.MemberRemoved || member.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed)
            {
                _coordinators.Remove(member.Address);
            }
            else
            {
                _coordinators.Add(member.Address);
            }
        }

        // Only a node that has been up counts the absence: before that it is still joining the seeds.
        if (_selfUp && _coordinators.Count == 0)
        {
            if (!Timers.IsTimerActive(TimerKey))
            {
                _log.Warning("The cluster has no coordinator node; this node rejoins the seed nodes unless one appears within {0}", _rejoinAfter);
                Timers.StartSingleTimer(TimerKey, Rejoin.Instance, _rejoinAfter);
            }
        }
        else
        {
            Timers.Cancel(TimerKey);
        }
    }
}

/// <summary>The shutdown reason of a node that leaves to join the seed nodes again (see <see cref="CoordinatorPresenceWatch"/>).</summary>
public sealed class RejoinReason : CoordinatedShutdown.Reason
{
    public static readonly RejoinReason Instance = new();

    private RejoinReason()
    {
    }

    public override int ExitCode => 0;
}
