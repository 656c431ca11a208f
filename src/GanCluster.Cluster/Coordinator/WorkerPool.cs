using System.Collections.Immutable;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>A worker in the pool: its role, its node, and the experiment it serves (null when free).</summary>
public sealed record PooledWorker<TWorker>(TWorker Worker, WorkerRole Role, string Node, string? Experiment) where TWorker : notnull;

/// <summary>A free generator and a free discriminator matched to a waiting experiment.</summary>
public sealed record Pairing<TWorker>(string Experiment, PooledWorker<TWorker> Generator, PooledWorker<TWorker> Discriminator) where TWorker : notnull;

/// <summary>
/// The coordinator's worker pool, pure and immutable: who joined (in join order), who serves which experiment, and
/// which free generator/discriminator pairs go to which waiting experiments. Generic in the worker's handle so that it
/// is tested without actors (the coordinator uses <c>IActorRef</c>).
/// </summary>
public sealed class WorkerPool<TWorker> where TWorker : notnull
{
    public static readonly WorkerPool<TWorker> Empty = new(ImmutableList<PooledWorker<TWorker>>.Empty);

    private readonly ImmutableList<PooledWorker<TWorker>> _workers;

    private WorkerPool(ImmutableList<PooledWorker<TWorker>> workers)
    {
        _workers = workers;
    }

    public IReadOnlyList<PooledWorker<TWorker>> Workers => _workers;

    public PooledWorker<TWorker>? Find(TWorker worker) => _workers.FirstOrDefault(w => w.Worker.Equals(worker));

    public bool Contains(TWorker worker) => Find(worker) is not null;

    public int Count(WorkerRole role) => _workers.Count(w => w.Role == role);

    /// <summary>The workers serving <paramref name="experiment"/> (none, one after a loss, or the pair).</summary>
    public IReadOnlyList<PooledWorker<TWorker>> Serving(string experiment) => _workers.Where(w => w.Experiment == experiment).ToList();

    /// <summary>Adds a free worker; a worker that registers again keeps its place and its experiment.</summary>
    public WorkerPool<TWorker> Join(TWorker worker, WorkerRole role, string node) =>
        Contains(worker) ? this : new(_workers.Add(new PooledWorker<TWorker>(worker, role, node, null)));

    /// <summary>Removes a worker; <paramref name="left"/> says what it was serving (null when it was not in the pool).</summary>
    public WorkerPool<TWorker> Leave(TWorker worker, out PooledWorker<TWorker>? left)
    {
        left = Find(worker);
        return left is null ? this : new(_workers.Remove(left));
    }

    /// <summary>
    /// Matches waiting experiments, in queue order, to free pairs (the first free generator and discriminator by join
    /// order); experiments the pool already serves are skipped. Stops at the first experiment no pair is left for.
    /// </summary>
    public IReadOnlyList<Pairing<TWorker>> Pair(IEnumerable<string> queue)
    {
        var pairings = new List<Pairing<TWorker>>();
        var pool = this;
        foreach (var experiment in queue)
        {
            if (pool._workers.Any(w => w.Experiment == experiment))
            {
                continue;
            }

            var generator = pool._workers.FirstOrDefault(w => w.Role == WorkerRole.Generator && w.Experiment is null);
            var discriminator = pool._workers.FirstOrDefault(w => w.Role == WorkerRole.Discriminator && w.Experiment is null);
            if (generator is null || discriminator is null)
            {
                break;
            }

            pairings.Add(new Pairing<TWorker>(experiment, generator with { Experiment = experiment }, discriminator with { Experiment = experiment }));
            pool = pool.Assign(experiment, generator.Worker, discriminator.Worker);
        }

        return pairings;
    }

    /// <summary>Marks both workers as serving <paramref name="experiment"/>.</summary>
    public WorkerPool<TWorker> Assign(string experiment, TWorker generator, TWorker discriminator) =>
        new(_workers.Select(w => w.Worker.Equals(generator) || w.Worker.Equals(discriminator) ? w with { Experiment = experiment } : w).ToImmutableList());

    /// <summary>Frees whoever serves <paramref name="experiment"/>.</summary>
    public WorkerPool<TWorker> Release(string experiment) =>
        new(_workers.Select(w => w.Experiment == experiment ? w with { Experiment = null } : w).ToImmutableList());
}
