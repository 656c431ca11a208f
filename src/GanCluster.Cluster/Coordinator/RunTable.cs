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
/// The coordinator's workers and running experiments, kept consistent with each other (no Akka messaging here): the
/// pure <see cref="WorkerPool{TWorker}"/> of registered workers and who serves what, which runner drives which
/// experiment, and the rounds each has reported but not yet journaled.
/// </summary>
public sealed class RunTable
{
    private readonly Dictionary<string, CoordinatorRun> _runs = [];
    private WorkerPool<IActorRef> _pool = WorkerPool<IActorRef>.Empty;
    private readonly Dictionary<string, string> _devices = [];

    /// <summary>Workers of a role in the pool.</summary>
    public int Count(WorkerRole role) => _pool.Count(role);

    public bool Contains(string id) => _runs.ContainsKey(id);

    /// <summary>
    /// Adds a registering worker to the pool; false when it is there already (it registers again every few seconds).
    /// Remembers what its node computes on (<paramref name="device"/>), for listings.
    /// </summary>
    public bool Join(IActorRef worker, WorkerRole role, string node, string device = "")
    {
        if (device.Length > 0)
        {
            _devices[node] = device;
        }

        if (_pool.Contains(worker))
        {
            return false;
        }

        _pool = _pool.Join(worker, role, node);
        return true;
    }

    /// <summary>What the worker node at <paramref name="node"/> computes on, as it last reported (null: never reported).</summary>
    public string? DeviceOf(string node) => _devices.GetValueOrDefault(node);

    /// <summary>Removes a worker that left; returns it (null when it was not in the pool) and the running experiment it served.</summary>
    public PooledWorker<IActorRef>? Leave(IActorRef worker, out string? running)
    {
        _pool = _pool.Leave(worker, out var left);
        running = left?.Experiment is { } id && Contains(id) ? id : null;
        return left;
    }

    /// <summary>Pairs the waiting experiments (in queue order) that do not run yet with free workers; both are marked busy.</summary>
    public IReadOnlyList<Pairing<IActorRef>> Pair(IEnumerable<string> queue)
    {
        var pairings = _pool.Pair(queue.Where(id => !Contains(id)));
        foreach (var pairing in pairings)
        {
            _pool = _pool.Assign(pairing.Experiment, pairing.Generator.Worker, pairing.Discriminator.Worker);
        }

        return pairings;
    }

    public void Add(string id, CoordinatorRun run) => _runs[id] = run;

    /// <summary>Forgets a run and frees its workers; returns the run and the workers that served it (to be told to stop).</summary>
    public CoordinatorRun? Stop(string id, out IReadOnlyList<IActorRef> workers)
    {
        workers = [];
        if (!_runs.Remove(id, out var run))
        {
            return null;
        }

        workers = _pool.Serving(id).Select(w => w.Worker).ToList();
        _pool = _pool.Release(id);
        return run;
    }

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

    /// <summary>
    /// Keeps a round its runner accepted as pending; returns the event that journals the pending rounds when it is time
    /// (at a checkpoint boundary, or once <paramref name="recordEvery"/> are pending), else nothing.
    /// </summary>
    public IReadOnlyList<ICoordinatorEvent> Accept(CoordinatorRun run, RoundMetrics metrics, RoundOutcome outcome, int recordEvery)
    {
        run.Pending = run.Pending.Add(metrics);
        return run.Pending.RecordsNow(outcome, recordEvery) ? Flush(run.Pending.Id).ToList() : [];
    }

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
