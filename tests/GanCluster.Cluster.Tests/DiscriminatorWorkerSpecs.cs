using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Transfer;
using GanCluster.Cluster.Workers;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Cluster.Tests;

public sealed class DiscriminatorWorkerSpecs : TestKit
{
    private static readonly ExperimentId Id = new("exp-d0000001");

    public DiscriminatorWorkerSpecs() : base(SpecConfig.Hocon())
    {
    }

    private (IActorRef Worker, Akka.TestKit.TestProbe Coordinator, Akka.TestKit.TestProbe Peer) StartAssigned(ExperimentSpec spec)
    {
        var coordinator = CreateTestProbe();
        var peer = CreateTestProbe();
        var bulk = Sys.ActorOf(BulkSender.Props(1 << 20));
        var worker = Sys.ActorOf(DiscriminatorWorker.Props(new WorkerSettings(coordinator.Ref, bulk, SpecConfig.Wire, "test-node", 1 << 20)));
        var register = coordinator.ExpectMsg<RegisterWorker>();
        Assert.Equal(WorkerRole.Discriminator, register.Role);
        worker.Tell(new WorkerRegistered(1), coordinator.Ref);
        worker.Tell(new AssignExperiment(1, Id, SpecJson.Serialize(spec, indented: false), WorkerRole.Discriminator, peer.Ref, 1, null, null), coordinator.Ref);
        coordinator.FishForMessage(m => m is ExperimentReady { NextRound: 1 }, TimeSpan.FromSeconds(20));
        return (worker, coordinator, peer);
    }

    private static FakeBatch Fake(int round, Phase phase, int step) =>
        new(Id, round, phase, step, TensorWire.ToPayload(randn(8, 2)), null);

    [Fact]
    public void Discriminator_steps_then_answers_generator_feedback_with_a_gradient_of_the_batch_shape()
    {
        var (worker, _, peer) = StartAssigned(SpecConfig.ToySpec(k: 2));

        worker.Tell(Fake(1, Phase.Discriminator, 0), peer.Ref);
        var first = peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10));
        Assert.Equal((1, 0), (first.Round, first.Step));
        Assert.True(double.IsFinite(first.Terms["loss/d"]));
        Assert.Equal(["loss/d", "d/real", "d/fake"], first.Terms.Keys);

        worker.Tell(Fake(1, Phase.Discriminator, 1), peer.Ref);
        Assert.Equal(1, peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)).Step);

        worker.Tell(Fake(1, Phase.Generator, 0), peer.Ref);
        var feedback = peer.ExpectMsg<GeneratorFeedback>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, feedback.Round);
        Assert.Equal(new long[] { 8, 2 }, feedback.Gradient.Shape);
    }

    [Fact]
    public void A_whole_round_sent_at_once_is_answered_in_order_and_trains_d_exactly_like_a_local_half()
    {
        var spec = SpecConfig.ToySpec(k: 2);
        var (worker, coordinator, peer) = StartAssigned(spec);
        var batches = new[] { Fake(1, Phase.Discriminator, 0), Fake(1, Phase.Discriminator, 1), Fake(1, Phase.Generator, 0) };

        // No acknowledgement is awaited between batches: they queue on the torch thread.
        foreach (var batch in batches)
        {
            worker.Tell(batch, peer.Ref);
        }

        Assert.Equal(0, peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)).Step);
        Assert.Equal(1, peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)).Step);
        var feedback = peer.ExpectMsg<GeneratorFeedback>(TimeSpan.FromSeconds(10));

        // The worker has already scored the next round's real batch; its checkpoint must not contain that.
        worker.Tell(new TakeCheckpoint(1, Id, 1), coordinator.Ref);
        var checkpoint = coordinator.FishForMessage<HalfCheckpoint>(_ => true, TimeSpan.FromSeconds(10));

        var (train, heldOut) = GanCluster.Training.Data.DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (train)
        using (var local = new GanCluster.Training.Core.DiscriminatorHalf(spec, CPU, train))
        {
            foreach (var batch in batches.Take(2))
            {
                using var samples = TensorWire.ToTensor(batch.Samples);
                local.Step(samples, null);
            }

            using var forUpdate = TensorWire.ToTensor(batches[2].Samples);
            using var expected = local.Feedback(forUpdate, null);
            Assert.Equal(expected.Loss, feedback.Terms["loss/g"]);
            Assert.Equal(local.SaveState().Data, checkpoint.State);
        }
    }

    [Fact]
    public void Stale_out_of_order_and_foreign_batches_are_dropped_not_applied()
    {
        var (worker, _, peer) = StartAssigned(SpecConfig.ToySpec(k: 2));

        worker.Tell(Fake(2, Phase.Discriminator, 0), peer.Ref);            // a future round
        worker.Tell(Fake(1, Phase.Discriminator, 1), peer.Ref);            // skips step 0
        worker.Tell(Fake(1, Phase.Generator, 0), peer.Ref);                // generator phase before the D steps
        worker.Tell(Fake(1, Phase.Discriminator, 0) with { Id = new ExperimentId("exp-other") }, peer.Ref);
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        worker.Tell(Fake(1, Phase.Discriminator, 0), peer.Ref);
        var first = peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10));
        Assert.Equal(0, first.Step);

        // A repeat of the step just applied (a generator whose exchange channel closed sends unanswered batches
        // again) is answered with the same acknowledgement and not applied twice: step 1 is still the next one.
        worker.Tell(Fake(1, Phase.Discriminator, 0), peer.Ref);
        Assert.Equal(first, peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)));
        worker.Tell(Fake(1, Phase.Discriminator, 1), peer.Ref);
        Assert.Equal(1, peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)).Step);
        worker.Tell(Fake(1, Phase.Generator, 0), peer.Ref);
        var feedback = peer.ExpectMsg<GeneratorFeedback>(TimeSpan.FromSeconds(10));
        worker.Tell(Fake(1, Phase.Generator, 0), peer.Ref);
        Assert.Equal(feedback, peer.ExpectMsg<GeneratorFeedback>(TimeSpan.FromSeconds(10)));
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_worker_answers_status_queries_while_it_trains()
    {
        var (worker, _, peer) = StartAssigned(SpecConfig.ToySpec(k: 1));
        worker.Tell(Fake(1, Phase.Discriminator, 0), peer.Ref);
        worker.Tell(GetWorkerStatus.Instance, TestActor);
        var status = ExpectMsg<WorkerStatus>(TimeSpan.FromSeconds(5));
        Assert.Equal(Id, status.Experiment);
        peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_missing_data_path_fails_the_experiment_with_that_reason()
    {
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(DiscriminatorWorker.Props(new WorkerSettings(coordinator.Ref, Sys.ActorOf(BulkSender.Props(1 << 20)), SpecConfig.Wire, "test-node", 1 << 20)));
        coordinator.ExpectMsg<RegisterWorker>();
        var spec = new ExperimentSpec { Model = ModelKind.Mlp, Dataset = DatasetKind.Mnist, DataPath = "/no/such/folder", BatchSize = 8, Device = "cpu" };
        worker.Tell(new AssignExperiment(1, Id, SpecJson.Serialize(spec, indented: false), WorkerRole.Discriminator, TestActor, 1, null, null), coordinator.Ref);
        var failure = coordinator.FishForMessage<WorkerFailure>(_ => true, TimeSpan.FromSeconds(20));
        Assert.Contains("/no/such/folder", failure.Reason);
        Assert.False(failure.Diverged);
    }

    [Fact]
    public void Commands_of_an_older_coordinator_incarnation_are_dropped()
    {
        var (worker, coordinator, _) = StartAssigned(SpecConfig.ToySpec());
        worker.Tell(new WorkerRegistered(5), coordinator.Ref);
        worker.Tell(new TakeCheckpoint(1, Id, 0), coordinator.Ref);
        var received = coordinator.ReceiveWhile(TimeSpan.FromMilliseconds(800), m => m);
        Assert.DoesNotContain(received, m => m is HalfCheckpoint);

        worker.Tell(new TakeCheckpoint(5, Id, 0), coordinator.Ref);
        var half = coordinator.FishForMessage<HalfCheckpoint>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(WorkerRole.Discriminator, half.Role);
        Assert.Equal(new GanCluster.Training.Core.HalfState(half.State).Sha256, half.Sha256);
    }

    [Fact]
    public void A_repeated_assignment_of_the_same_experiment_takes_only_the_half_it_asked_for()
    {
        var coordinator = CreateTestProbe();
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var worker = Sys.ActorOf(DiscriminatorWorker.Props(new WorkerSettings(coordinator.Ref, Sys.ActorOf(BulkSender.Props(1 << 20)), SpecConfig.Wire, "test-node", 1 << 20)));
        coordinator.ExpectMsg<RegisterWorker>();
        worker.Tell(new WorkerRegistered(1), coordinator.Ref);
        var spec = SpecJson.Serialize(SpecConfig.ToySpec(k: 1), indented: false);

        // The same experiment assigned twice before the first half has loaded (a coordinator that re-pairs it).
        worker.Tell(new AssignExperiment(1, Id, spec, WorkerRole.Discriminator, first.Ref, 1, null, null), coordinator.Ref);
        worker.Tell(new AssignExperiment(1, Id, spec, WorkerRole.Discriminator, second.Ref, 1, null, null), coordinator.Ref);
        coordinator.FishForMessage(m => m is ExperimentReady, TimeSpan.FromSeconds(20));

        worker.Tell(Fake(1, Phase.Discriminator, 0), second.Ref);
        Assert.Equal(0, second.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)).Step);
        worker.Tell(Fake(1, Phase.Generator, 0), second.Ref);
        Assert.Equal(1, second.ExpectMsg<GeneratorFeedback>(TimeSpan.FromSeconds(10)).Round);

        // Only the second assignment's half was taken: one ready report, no restart of the schedule at round 1.
        var later = coordinator.ReceiveWhile(TimeSpan.FromSeconds(1), m => m);
        Assert.DoesNotContain(later, m => m is ExperimentReady);
        worker.Tell(Fake(2, Phase.Discriminator, 0), second.Ref);
        Assert.Equal(2, second.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)).Round);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
