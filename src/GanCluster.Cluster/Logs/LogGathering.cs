using Akka.Actor;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Logs;

/// <summary>Which nodes one logs request asks, with how many bytes each, and which nodes it reports as unavailable, pure.</summary>
/// <param name="Ask">Members that are up: each one's log reader is asked.</param>
/// <param name="Unavailable">A sentence per node that served the experiment and is not up.</param>
/// <param name="MaxBytesPerNode">Each node's share of one reply's budget.</param>
public sealed record LogPlan(IReadOnlyList<string> Ask, IReadOnlyList<string> Unavailable, int MaxBytesPerNode)
{
    /// <param name="upMembers">Addresses of the members that are up.</param>
    /// <param name="served">The nodes that served the experiment's last run, by role (generator, discriminator).</param>
    /// <param name="replyBudget">Bytes of log lines one reply may carry (below the frame size).</param>
    public static LogPlan For(IReadOnlyList<string> upMembers, IReadOnlyList<(string Role, string Address)> served, int replyBudget)
    {
        var unavailable = served
            .Where(s => !upMembers.Contains(s.Address))
            .Select(s => $"{s.Address} ({s.Role} of the last run) is not in the cluster: its lines are on that machine, in the node's log folder")
            .ToList();
        return new LogPlan(upMembers, unavailable, Math.Max(4096, replyBudget / Math.Max(1, upMembers.Count)));
    }
}

/// <summary>
/// Answers one <see cref="GetExperimentLogs"/>: asks the log reader of every member in the plan, waits for each answer
/// or the deadline, and replies once with the lines of all that answered and a sentence for each that did not.
/// </summary>
public sealed class LogGathering : ReceiveActor, IWithTimers
{
    private sealed class Deadline
    {
        public static readonly Deadline Instance = new();
    }

    /// <summary>How long a member that is up may take to answer before it is reported as silent.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, NodeLogLines> _answers = [];
    private readonly GetExperimentLogs _request;
    private readonly LogPlan _plan;
    private readonly IActorRef _replyTo;
    private readonly TimeSpan _timeout;

    public LogGathering(GetExperimentLogs request, LogPlan plan, IActorRef replyTo, TimeSpan timeout)
    {
        (_request, _plan, _replyTo, _timeout) = (request, plan, replyTo, timeout);
        Receive<NodeLogLines>(answer =>
        {
            _answers[answer.Address] = answer;
            if (plan.Ask.All(_answers.ContainsKey))
            {
                Finish();
            }
        });
        Receive<Deadline>(_ => Finish());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        foreach (var address in _plan.Ask)
        {
            var after = _request.After.FirstOrDefault(c => c.Address == address);
            Context.ActorSelection(address + LogReader.Path).Tell(new ReadExperimentLogs(_request.Id, _request.Since, after, _plan.MaxBytesPerNode));
        }

        if (_plan.Ask.Count == 0)
        {
            Finish();
        }
        else
        {
            Timers.StartSingleTimer(Deadline.Instance, Deadline.Instance, _timeout);
        }
    }

    private void Finish()
    {
        var silent = _plan.Ask.Where(a => !_answers.ContainsKey(a)).Select(a => $"{a} did not answer within {_timeout.TotalSeconds:F0} s");
        _replyTo.Tell(new ExperimentLogs(_request.Id, _plan.Ask.Where(_answers.ContainsKey).Select(a => _answers[a]).ToList(), [.. _plan.Unavailable, .. silent]));
        Context.Stop(Self);
    }

    /// <summary>The addresses of the cluster's members that are up: the nodes a logs request asks.</summary>
    public static List<string> UpMembers(ActorSystem system) =>
        [.. Akka.Cluster.Cluster.Get(system).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).Select(m => m.Address.ToString())];

    public static Props Props(GetExperimentLogs request, LogPlan plan, IActorRef replyTo, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new LogGathering(request, plan, replyTo, timeout));
}
