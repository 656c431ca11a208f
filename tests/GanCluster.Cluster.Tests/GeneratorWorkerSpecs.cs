using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Transfer;
using GanCluster.Cluster.Workers;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Tests;

public sealed class GeneratorWorkerSpecs : TestKit
{
    private static readonly ExperimentId Id = new("exp-g0000001");

    public GeneratorWorkerSpecs() : base(SpecConfig.Hocon())
    {
    }

    private (IActorRef Worker, Akka.TestKit.TestProbe Coordinator, Akka.TestKit.TestProbe Peer) StartAssigned(ExperimentSpec spec)
    {
        var coordinator = CreateTestProbe();
        var peer = CreateTestProbe();
        var worker = Sys.ActorOf(GeneratorWorker.Props(new WorkerSettings(coordinator.Ref, Sys.ActorOf(BulkSender.Props(1 << 20)), SpecConfig.Wire, "test-node", 1 << 20)));
        Assert.Equal(WorkerRole.Generator, coordinator.ExpectMsg<RegisterWorker>().Role);
        worker.Tell(new WorkerRegistered(1), coordinator.Ref);
        worker.Tell(new AssignExperiment(1, Id, SpecJson.Serialize(spec, indented: false), WorkerRole.Generator, peer.Ref, 1, null, null), coordinator.Ref);
        coordinator.FishForMessage(m => m is ExperimentReady, TimeSpan.FromSeconds(20));
        return (worker, coordinator, peer);
    }

    [Fact]
    public void A_granted_round_runs_k_discriminator_exchanges_then_the_generator_step_and_is_reported()
    {
        var (worker, coordinator, peer) = StartAssigned(SpecConfig.ToySpec(k: 2));
        worker.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);

        for (var step = 0; step < 2; step++)
        {
            var fake = peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
            Assert.Equal((1, Phase.Discriminator, step), (fake.Round, fake.Phase, fake.Step));
            Assert.Equal(new long[] { 8, 2 }, fake.Samples.Shape);
            worker.Tell(new DiscriminatorStepDone(Id, 1, step, new Dictionary<string, double> { ["loss/d"] = 1.0 + step, ["d/real"] = 0.6, ["d/fake"] = 0.4 }, 1.0), peer.Ref);
        }

        var forUpdate = peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
        Assert.Equal(Phase.Generator, forUpdate.Phase);
        var gradient = new TensorPayload(TensorDType.Float32, forUpdate.Samples.Shape, new byte[forUpdate.Samples.Data.Length]);
        worker.Tell(new GeneratorFeedback(Id, 1, new Dictionary<string, double> { ["loss/g"] = 0.7 }, gradient, 1.0), peer.Ref);

        var completed = coordinator.FishForMessage<RoundCompleted>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(1, completed.Metrics.Round);
        Assert.Equal(1.5, completed.Metrics.DLoss, 6);
        Assert.Equal(0.7, completed.Metrics.GLoss, 6);
        Assert.True(completed.Metrics.ExchangeBytes >= 3 * forUpdate.Samples.Data.Length);
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // only one round was granted
    }

    [Fact]
    public void A_term_the_discriminator_adds_is_averaged_into_the_round_and_reported_by_name()
    {
        var (worker, coordinator, peer) = StartAssigned(SpecConfig.ToySpec(k: 2));
        worker.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);

        for (var step = 0; step < 2; step++)
        {
            peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
            var terms = new Dictionary<string, double> { ["loss/d"] = 1.0, ["d/real"] = 0.6, ["d/fake"] = 0.4, ["loss/d_r1"] = 0.1 * (step + 1) };
            worker.Tell(new DiscriminatorStepDone(Id, 1, step, terms, 1.0), peer.Ref);
        }

        var forUpdate = peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
        var gradient = new TensorPayload(TensorDType.Float32, forUpdate.Samples.Shape, new byte[forUpdate.Samples.Data.Length]);
        worker.Tell(new GeneratorFeedback(Id, 1, new Dictionary<string, double> { ["loss/g"] = 0.7, ["loss/g_info"] = 0.2 }, gradient, 1.0), peer.Ref);

        var completed = coordinator.FishForMessage<RoundCompleted>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(0.15, completed.Metrics.Terms["loss/d_r1"], 12);
        Assert.Equal(0.2, completed.Metrics.Terms["loss/g_info"], 12);
        Assert.Equal(2, completed.Metrics.Terms.Count);
    }

    [Fact]
    public void A_sample_grid_is_rendered_at_the_sample_interval_between_checkpoints()
    {
        var (worker, coordinator, peer) = StartAssigned(SpecConfig.ToySpec(k: 1) with { SampleInterval = 1 });
        worker.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);

        peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
        worker.Tell(new DiscriminatorStepDone(Id, 1, 0, new Dictionary<string, double> { ["loss/d"] = 1.0 }, 1.0), peer.Ref);
        var forUpdate = peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
        var gradient = new TensorPayload(TensorDType.Float32, forUpdate.Samples.Shape, new byte[forUpdate.Samples.Data.Length]);
        worker.Tell(new GeneratorFeedback(Id, 1, new Dictionary<string, double> { ["loss/g"] = 0.7 }, gradient, 1.0), peer.Ref);

        coordinator.FishForMessage<RoundCompleted>(_ => true, TimeSpan.FromSeconds(10));
        var grid = coordinator.FishForMessage<SampleGridImage>(_ => true, TimeSpan.FromSeconds(20));
        Assert.Equal(1, grid.Round);
        Assert.Equal(0x89, grid.Png[0]);
    }

    [Fact]
    public void Every_batch_of_a_round_is_sent_without_waiting_for_acknowledgements()
    {
        // G's weights do not change before the generator step, so the D-phase and G-phase batches go out back to back.
        var (worker, coordinator, peer) = StartAssigned(SpecConfig.ToySpec(k: 2));
        worker.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);

        var batches = Enumerable.Range(0, 3).Select(_ => peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10))).ToList();

        Assert.Equal([(Phase.Discriminator, 0), (Phase.Discriminator, 1), (Phase.Generator, 2)], batches.Select(b => (b.Phase, b.Step)));
        Assert.All(batches, b => Assert.Equal(1, b.Round));
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Stale_acknowledgements_and_feedback_are_dropped()
    {
        var (worker, coordinator, peer) = StartAssigned(SpecConfig.ToySpec(k: 1));
        worker.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);
        peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10));
        Assert.Equal(Phase.Generator, peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10)).Phase);

        var gradient = new TensorPayload(TensorDType.Float32, [8, 2], new byte[64]);
        worker.Tell(new GeneratorFeedback(Id, 1, new Dictionary<string, double> { ["loss/g"] = 0.7 }, gradient, 1.0), peer.Ref);      // feedback before the D step
        worker.Tell(new DiscriminatorStepDone(Id, 0, 0, new Dictionary<string, double> { ["loss/d"] = 1.0, ["d/real"] = 0.5, ["d/fake"] = 0.5 }, 1.0), peer.Ref);      // an old round
        worker.Tell(new DiscriminatorStepDone(new ExperimentId("exp-other"), 1, 0, new Dictionary<string, double> { ["loss/d"] = 1.0, ["d/real"] = 0.5, ["d/fake"] = 0.5 }, 1.0), peer.Ref);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        worker.Tell(new DiscriminatorStepDone(Id, 1, 0, new Dictionary<string, double> { ["loss/d"] = 1.0, ["d/real"] = 0.5, ["d/fake"] = 0.5 }, 1.0), peer.Ref);
        worker.Tell(new GeneratorFeedback(Id, 1, new Dictionary<string, double> { ["loss/g"] = 0.7 }, gradient, 1.0), peer.Ref);
        var completed = coordinator.FishForMessage<RoundCompleted>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal((1, 1.0, 0.7), (completed.Metrics.Round, completed.Metrics.DLoss, completed.Metrics.GLoss));
    }

    [Fact]
    public void Rounds_granted_by_an_older_coordinator_incarnation_are_dropped()
    {
        var (worker, coordinator, peer) = StartAssigned(SpecConfig.ToySpec());
        worker.Tell(new WorkerRegistered(2), coordinator.Ref);
        worker.Tell(new RunRounds(1, Id, 1, 2), coordinator.Ref);
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_checkpoint_at_the_round_boundary_sends_the_half_and_a_sample_grid()
    {
        var (worker, coordinator, _) = StartAssigned(SpecConfig.ToySpec());
        worker.Tell(new TakeCheckpoint(1, Id, 0), coordinator.Ref);
        var grid = coordinator.FishForMessage<SampleGridImage>(_ => true, TimeSpan.FromSeconds(10));
        var half = coordinator.FishForMessage<HalfCheckpoint>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(WorkerRole.Generator, half.Role);
        Assert.Equal(0, half.Round);
        Assert.Equal(0x89, grid.Png[0]);
    }
}
