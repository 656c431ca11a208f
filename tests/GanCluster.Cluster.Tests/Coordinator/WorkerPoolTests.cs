using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>The worker pool without actors: workers are strings.</summary>
public sealed class WorkerPoolTests
{
    private static WorkerPool<string> Pool(params (string Name, WorkerRole Role)[] workers) =>
        workers.Aggregate(WorkerPool<string>.Empty, (pool, w) => pool.Join(w.Name, w.Role, $"{w.Name}-node"));

    [Fact]
    public void Waiting_experiments_get_free_pairs_in_queue_order_and_join_order_until_pairs_run_out()
    {
        var pool = Pool(("g1", WorkerRole.Generator), ("d1", WorkerRole.Discriminator), ("g2", WorkerRole.Generator), ("d2", WorkerRole.Discriminator));

        var pairings = pool.Pair(["exp-high", "exp-low", "exp-third"]);

        Assert.Equal([("exp-high", "g1", "d1"), ("exp-low", "g2", "d2")], pairings.Select(p => (p.Experiment, p.Generator.Worker, p.Discriminator.Worker)));
    }

    [Fact]
    public void An_experiment_already_served_is_skipped_and_served_workers_are_not_free()
    {
        var pool = Pool(("g1", WorkerRole.Generator), ("d1", WorkerRole.Discriminator), ("g2", WorkerRole.Generator)).Assign("exp-a", "g1", "d1");

        Assert.Empty(pool.Pair(["exp-a", "exp-b"]));
        Assert.Equal(["g1", "d1"], pool.Serving("exp-a").Select(w => w.Worker));

        var joined = pool.Join("d2", WorkerRole.Discriminator, "d2-node");
        Assert.Equal([("exp-b", "g2", "d2")], joined.Pair(["exp-a", "exp-b"]).Select(p => (p.Experiment, p.Generator.Worker, p.Discriminator.Worker)));
    }

    [Fact]
    public void A_leaving_worker_reports_what_it_served_and_its_partner_is_freed_on_release()
    {
        var pool = Pool(("g1", WorkerRole.Generator), ("d1", WorkerRole.Discriminator)).Assign("exp-a", "g1", "d1");

        pool = pool.Leave("d1", out var left);

        Assert.Equal(("exp-a", WorkerRole.Discriminator, "d1-node"), (left!.Experiment, left.Role, left.Node));
        Assert.Equal(["g1"], pool.Serving("exp-a").Select(w => w.Worker));
        pool = pool.Release("exp-a");
        Assert.Null(pool.Find("g1")!.Experiment);
        Assert.Equal((1, 0), (pool.Count(WorkerRole.Generator), pool.Count(WorkerRole.Discriminator)));
        pool.Leave("nobody", out var nobody);
        Assert.Null(nobody);
    }

    [Fact]
    public void A_worker_that_registers_again_keeps_its_place_and_its_experiment()
    {
        var pool = Pool(("g1", WorkerRole.Generator), ("d1", WorkerRole.Discriminator)).Assign("exp-a", "g1", "d1");

        var again = pool.Join("g1", WorkerRole.Generator, "g1-node");

        Assert.Same(pool, again);
        Assert.Equal("exp-a", again.Find("g1")!.Experiment);
    }
}
