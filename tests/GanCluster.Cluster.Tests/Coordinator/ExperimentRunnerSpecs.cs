using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.TestSupport;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>
/// The run's pair goes on while a checkpoint is stored and journaled (the pool's utilisation), except where a sweep
/// decides; stores keep round order. A real SQLite checkpoint store behind a gate the test opens.
/// </summary>
public sealed class ExperimentRunnerSpecs : TestKit, IDisposable
{
    private const string Id = "exp-runner01";

    /// <summary>Holds every save until the test opens the gate.</summary>
    private sealed class GatedStore(ICheckpointStore inner) : ICheckpointStore
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<int> Saved { get; } = [];

        public async Task SaveAsync(CheckpointBlob blob)
        {
            await Gate.Task.ConfigureAwait(false);
            await inner.SaveAsync(blob).ConfigureAwait(false);
            lock (Saved)
            {
                Saved.Add(blob.Round);
            }
        }

        public Task<CheckpointBlob?> LoadAsync(string experimentId, int round, string role) => inner.LoadAsync(experimentId, round, role);

        public Task<IReadOnlyList<CheckpointInfo>> ListAsync(string experimentId) => inner.ListAsync(experimentId);

        public Task DeleteAsync(string experimentId, int round) => inner.DeleteAsync(experimentId, round);
    }

    private readonly string _folder = Directory.CreateTempSubdirectory("gancluster-runner-").FullName;

    private static RoundMetrics Metrics(int round) => new(round, 1.2, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);

    private static HalfCheckpoint Half(WorkerRole role, int round)
    {
        var data = new byte[] { (byte)role, (byte)round, 1, 2, 3 };
        var blob = CheckpointBlob.Create(Id, round, role == WorkerRole.Generator ? CheckpointRoles.Generator : CheckpointRoles.Discriminator, data);
        return new HalfCheckpoint(new ExperimentId(Id), role, round, blob.Sha256, data);
    }

    /// <summary>A runner of a 30-round run with checkpoints every 10, started and granted rounds 1-10.</summary>
    private (IActorRef Runner, Akka.TestKit.TestProbe Generator, Akka.TestKit.TestProbe Discriminator, GatedStore Store) Start(Func<int, bool>? decidedAt)
    {
        var store = new GatedStore(new SqliteCheckpointStore(Path.Combine(_folder, $"checkpoints-{Guid.NewGuid():N}.db")));
        var (generator, discriminator) = (CreateTestProbe(), CreateTestProbe());
        var setup = new ExperimentRunner.Setup(Id, "{}", 1, [], generator.Ref, discriminator.Ref, store, new Outbox(ActorRefs.Nobody, 1 << 20),
            new RunProgress(Id, 30, 10), DecidedAt: decidedAt);
        var runner = ChildActorOf(ExperimentRunner.Props(setup));
        Assert.Equal(0, ExpectMsg<ExperimentRunner.Loaded>().Round);
        runner.Tell(new ExperimentRunner.Assign(1));
        generator.ExpectMsg<AssignExperiment>();
        discriminator.ExpectMsg<AssignExperiment>();
        runner.Tell(new ExperimentReady(new ExperimentId(Id), WorkerRole.Generator, 1));
        runner.Tell(new ExperimentReady(new ExperimentId(Id), WorkerRole.Discriminator, 1));
        Assert.Equal((1, 10), generator.ExpectMsg<RunRounds>() is var grant ? (grant.FromRound, grant.ToRound) : default);
        return (runner, generator, discriminator, store);
    }

    /// <summary>Reports rounds from..to; the last is a boundary: both probes are asked for their halves, which they give.</summary>
    private void RunTo(IActorRef runner, Akka.TestKit.TestProbe generator, Akka.TestKit.TestProbe discriminator, int from, int to)
    {
        for (var round = from; round <= to; round++)
        {
            runner.Tell(new RoundCompleted(new ExperimentId(Id), Metrics(round)));
            Assert.Equal(round, ExpectMsg<ExperimentRunner.Accepted>().Metrics.Round);
        }

        Assert.Equal(to, generator.ExpectMsg<TakeCheckpoint>().Round);
        Assert.Equal(to, discriminator.ExpectMsg<TakeCheckpoint>().Round);
        runner.Tell(Half(WorkerRole.Generator, to));
        runner.Tell(Half(WorkerRole.Discriminator, to));
    }

    [Fact]
    public void The_pair_goes_on_while_its_checkpoint_is_stored_and_checkpoints_are_journaled_in_round_order()
    {
        var (runner, generator, discriminator, store) = Start(decidedAt: null);
        RunTo(runner, generator, discriminator, 1, 10);

        // Both halves are in hand and the store has not even finished: the next rounds are granted already.
        Assert.Equal((11, 20), generator.ExpectMsg<RunRounds>() is var grant ? (grant.FromRound, grant.ToRound) : default);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        RunTo(runner, generator, discriminator, 11, 20);
        Assert.Equal(21, generator.ExpectMsg<RunRounds>().FromRound);

        store.Gate.SetResult();
        Assert.Equal(10, ExpectMsg<ExperimentRunner.Saved>().Round);
        Assert.Equal(20, ExpectMsg<ExperimentRunner.Saved>().Round);
        Assert.Equal([10, 10, 20, 20], store.Saved);

        // The journal's answers grant nothing more: the rounds were granted once.
        runner.Tell(new ExperimentRunner.Recorded(10, []));
        runner.Tell(new ExperimentRunner.Recorded(20, []));
        generator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void At_a_round_where_a_sweep_decides_the_pair_waits_for_the_journal()
    {
        var (runner, generator, discriminator, store) = Start(decidedAt: round => round == 10);
        RunTo(runner, generator, discriminator, 1, 10);
        generator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        store.Gate.SetResult();
        Assert.True(ExpectMsg<ExperimentRunner.Saved>().Continues);
        generator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        runner.Tell(new ExperimentRunner.Recorded(10, []));
        Assert.Equal((11, 20), generator.ExpectMsg<RunRounds>() is var grant ? (grant.FromRound, grant.ToRound) : default);
    }

    [Fact]
    public void The_last_checkpoint_grants_nothing()
    {
        var (runner, generator, discriminator, store) = Start(decidedAt: null);
        RunTo(runner, generator, discriminator, 1, 10);
        Assert.Equal(11, generator.ExpectMsg<RunRounds>().FromRound);
        RunTo(runner, generator, discriminator, 11, 20);
        Assert.Equal(21, generator.ExpectMsg<RunRounds>().FromRound);
        RunTo(runner, generator, discriminator, 21, 30);
        generator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        store.Gate.SetResult();
        Assert.Equal([10, 20, 30], [ExpectMsg<ExperimentRunner.Saved>().Round, ExpectMsg<ExperimentRunner.Saved>().Round, ExpectMsg<ExperimentRunner.Saved>().Round]);
        runner.Tell(new ExperimentRunner.Recorded(30, []));
        generator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    public new void Dispose()
    {
        base.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
