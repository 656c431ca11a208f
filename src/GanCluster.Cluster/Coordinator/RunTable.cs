using Akka.Actor;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>One running experiment as the coordinator holds it: its runner child, pair and the rounds not yet journaled.</summary>
public sealed record CoordinatorRun(IActorRef Runner, ExperimentSpec Spec, string GeneratorNode, string DiscriminatorNode)
{
    public required PendingRounds Pending { get; set; }
}

/// <summary>
/// The coordinator's running experiments (no Akka messaging here): which runner drives which experiment, and the
/// rounds each has reported but not yet journaled.
/// </summary>
public sealed class RunTable
{
    private readonly Dictionary<string, CoordinatorRun> _runs = [];

    public bool Contains(string id) => _runs.ContainsKey(id);

    public bool TryGet(string id, out CoordinatorRun run) => _runs.TryGetValue(id, out run!);

    public void Add(string id, CoordinatorRun run) => _runs[id] = run;

    public bool Remove(string id, out CoordinatorRun run) => _runs.Remove(id, out run!);

    /// <summary>The runner a worker's message goes to: readiness, rounds and checkpoint halves of a running experiment; else null.</summary>
    public IActorRef? RunnerFor(IWorkerProtocol message) => message switch
    {
        ExperimentReady m => Runner(m.Id),
        RoundCompleted m => Runner(m.Id),
        HalfCheckpoint m => Runner(m.Id),
        _ => null,
    };

    /// <summary>True when <paramref name="sender"/> is the runner of the experiment's current run (not an earlier one).</summary>
    public bool IsCurrent(string id, IActorRef sender, out CoordinatorRun run) => _runs.TryGetValue(id, out run!) && run.Runner.Equals(sender);

    /// <summary>Rounds reported and not yet journaled (status queries show them).</summary>
    public IReadOnlyList<RoundMetrics> Pending(string id) => _runs.TryGetValue(id, out var run) ? run.Pending.Rounds : [];

    /// <summary>The pending rounds of a run as a journal event (none when nothing is pending).</summary>
    public IEnumerable<ICoordinatorEvent> Flush(string id)
    {
        if (!_runs.TryGetValue(id, out var run))
        {
            return [];
        }

        (run.Pending, var recorded) = run.Pending.Record();
        return recorded is null ? [] : [recorded];
    }

    private IActorRef? Runner(ExperimentId id) => _runs.TryGetValue(id.Value, out var run) ? run.Runner : null;
}
