using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using GanCluster.TestSupport;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GanCluster.Cluster.Tests;

/// <summary>
/// The coordinator's protocol with probe workers, on a real journal and checkpoint store: SQLite files
/// (<see cref="SqliteCoordinatorSpecs"/>) and a private PostgreSQL server (<see cref="PostgresCoordinatorSpecs"/>).
/// </summary>
public abstract class CoordinatorSpecs : TestKit
{
    private readonly ICheckpointStore _store;

    protected CoordinatorSpecs(Config journal, ICheckpointStore store) : base(journal)
    {
        _store = store;
    }

    /// <summary>Overwrites a stored half's bytes in the database, behind the store's back, keeping its recorded SHA-256.</summary>
    protected abstract Task DamageStoredHalfAsync(string experimentId, int round, string role);

    private IActorRef StartCoordinator(string name = "coordinator") =>
        Sys.ActorOf(CoordinatorActor.Props(_store, new CoordinatorSettings(3, 50, 50, 200, SpecConfig.Wire, 1 << 20), Sys.ActorOf(BulkSender.Props(1 << 20))), name + Guid.NewGuid().ToString("N")[..6]);

    private sealed record Pair(TestProbe Generator, TestProbe Discriminator);

    private Pair RegisterPair(IActorRef coordinator)
    {
        var pair = new Pair(CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RegisterWorker(WorkerRole.Generator, pair.Generator.Ref, "gen-node", SpecConfig.Wire, GeneratorDevice), pair.Generator.Ref);
        pair.Generator.ExpectMsg<WorkerRegistered>(TimeSpan.FromSeconds(60)); // a journal recovery under load may take a while
        coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, pair.Discriminator.Ref, "disc-node", SpecConfig.Wire), pair.Discriminator.Ref);
        pair.Discriminator.ExpectMsg<WorkerRegistered>(TimeSpan.FromSeconds(60));
        return pair;
    }

    private ExperimentId Submit(IActorRef coordinator, ExperimentSpec spec, int priority = 0)
    {
        coordinator.Tell(new SubmitExperiment(SpecJson.Serialize(spec, indented: false), priority, SpecConfig.Wire), TestActor);
        return ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id;
    }

    private static (AssignExperiment Generator, AssignExperiment Discriminator) ExpectAssigned(Pair pair)
    {
        var g = pair.Generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        var d = pair.Discriminator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(pair.Discriminator.Ref, g.Peer);
        Assert.Equal(pair.Generator.Ref, d.Peer);
        return (g, d);
    }

    private static void Ready(IActorRef coordinator, Pair pair, ExperimentId id, int nextRound)
    {
        coordinator.Tell(new ExperimentReady(id, WorkerRole.Generator, nextRound), pair.Generator.Ref);
        coordinator.Tell(new ExperimentReady(id, WorkerRole.Discriminator, nextRound), pair.Discriminator.Ref);
    }

    private static RoundMetrics Metrics(int round, double dLoss = 1.2) => new(round, dLoss, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);

    private static void CompleteRounds(IActorRef coordinator, Pair pair, ExperimentId id, int from, int to)
    {
        for (var round = from; round <= to; round++)
        {
            coordinator.Tell(new RoundCompleted(id, Metrics(round)), pair.Generator.Ref);
        }
    }

    private static void AnswerCheckpoint(IActorRef coordinator, Pair pair, ExperimentId id, int round)
    {
        Assert.Equal(round, pair.Generator.FishForMessage<TakeCheckpoint>(_ => true, TimeSpan.FromSeconds(10)).Round);
        Assert.Equal(round, pair.Discriminator.FishForMessage<TakeCheckpoint>(_ => true, TimeSpan.FromSeconds(10)).Round);
        var g = new byte[] { 1, 2, 3, (byte)round };
        var d = new byte[] { 9, 8, 7, (byte)round };
        coordinator.Tell(new HalfCheckpoint(id, WorkerRole.Generator, round, CheckpointBlob.Hash(g), g), pair.Generator.Ref);
        coordinator.Tell(new HalfCheckpoint(id, WorkerRole.Discriminator, round, CheckpointBlob.Hash(d), d), pair.Discriminator.Ref);
    }

    /// <summary>
    /// Waits until the checkpoint of <paramref name="round"/> is journaled. The next rounds are granted as soon as both
    /// halves are in hand, before the checkpoint is stored, so a grant says nothing about the journal.
    /// </summary>
    private void AwaitJournaled(IActorRef coordinator, ExperimentId id, int round) =>
        AwaitAssert(() => Assert.Equal(round, Status(coordinator, id).LastCheckpointRound), TimeSpan.FromSeconds(10));

    private const string GeneratorDevice = "cuda: 1 GPU: 0 NVIDIA L4 (22.5 GiB)";

    private ExperimentSummary Status(IActorRef coordinator, ExperimentId id)
    {
        coordinator.Tell(new GetExperimentStatus(id), TestActor);
        return ExpectMsg<ExperimentStatusReply>(TimeSpan.FromSeconds(10)).Summary;
    }

    [Fact]
    public async Task An_experiment_runs_to_the_end_in_rounds_granted_up_to_each_checkpoint()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 4, checkpointInterval: 2));
        var (g, _) = ExpectAssigned(pair);
        Assert.Equal(1, g.NextRound);
        Assert.Null(g.HalfState);
        Ready(coordinator, pair, id, 1);

        var first = pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal((1, 2), (first.FromRound, first.ToRound));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);

        var second = pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal((3, 4), (second.FromRound, second.ToRound));
        CompleteRounds(coordinator, pair, id, 3, 4);
        AnswerCheckpoint(coordinator, pair, id, 4);

        pair.Generator.FishForMessage<StopExperiment>(_ => true, TimeSpan.FromSeconds(10));
        pair.Discriminator.FishForMessage<StopExperiment>(_ => true, TimeSpan.FromSeconds(10));
        var summary = Status(coordinator, id);
        Assert.Equal(ExperimentState.Completed, summary.State);
        Assert.Equal(4, summary.RoundsDone);
        Assert.Equal(4, summary.LastCheckpointRound);
        Assert.NotNull(await _store.LoadAsync(id.Value, 4, CheckpointRoles.Generator));

        // What each half's node computes on, as the workers reported it when they registered (the discriminator
        // reported nothing: an older worker, or one that could not tell).
        Assert.Equal(("gen-node", GeneratorDevice), (summary.GeneratorNode, summary.GeneratorDevice));
        Assert.Equal(("disc-node", null), (summary.DiscriminatorNode, summary.DiscriminatorDevice));
    }

    [Fact]
    public void An_invalid_spec_is_rejected_with_its_field_and_leaves_the_queue_untouched()
    {
        var coordinator = StartCoordinator();
        var valid = Submit(coordinator, SpecConfig.ToySpec());
        coordinator.Tell(new SubmitExperiment("""{ "model": "toy", "dataset": "ring8", "k": 0 }""", 0, SpecConfig.Wire), TestActor);
        var rejected = ExpectMsg<ExperimentRejected>(TimeSpan.FromSeconds(10));
        Assert.Equal("k", rejected.Field);
        coordinator.Tell(new SubmitExperiment("{ not json", 0, SpecConfig.Wire), TestActor);
        ExpectMsg<ExperimentRejected>();

        coordinator.Tell(ListExperiments.Instance, TestActor);
        var list = ExpectMsg<ExperimentList>();
        Assert.Equal([valid], list.Experiments.Select(e => e.Id));
        Assert.Equal(ExperimentState.Queued, list.Experiments[0].State);
    }

    [Fact]
    public void A_client_or_worker_with_other_wire_settings_is_refused()
    {
        var coordinator = StartCoordinator();
        var other = SpecConfig.Wire with { MaximumFrameSize = 128000 };
        coordinator.Tell(new SubmitExperiment(SpecJson.Serialize(SpecConfig.ToySpec()), 0, other), TestActor);
        Assert.Contains("maximum-frame-size", ExpectMsg<WireMismatch>(TimeSpan.FromSeconds(15)).Reason);
        var worker = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(WorkerRole.Generator, worker.Ref, "n", other), worker.Ref);
        worker.ExpectMsg<WireMismatch>();
    }

    [Fact]
    public void A_restarted_coordinator_recovers_the_journal_and_resumes_from_the_last_checkpoint()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2));
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        AwaitJournaled(coordinator, id, 2);
        CompleteRounds(coordinator, pair, id, 3, 3); // a round after the checkpoint, lost with the coordinator

        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator);

        var restarted = StartCoordinator("restarted");
        var summary = Status(restarted, id);
        Assert.Equal(ExperimentState.Paused, summary.State);
        Assert.Equal(2, summary.LastCheckpointRound);

        var newPair = RegisterPair(restarted);
        var (g, d) = ExpectAssigned(newPair);
        Assert.Equal(3, g.NextRound);
        Assert.True(g.Incarnation > 1);
        Assert.Equal(new byte[] { 1, 2, 3, 2 }, g.HalfState);
        Assert.Equal(new byte[] { 9, 8, 7, 2 }, d.HalfState);
        Ready(restarted, newPair, id, 3);
        Assert.Equal(3, newPair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10)).FromRound);
        CompleteRounds(restarted, newPair, id, 3, 4);
        coordinator = restarted;
        // Rounds reach the status once the run's runner accepted them (one hop behind the worker's report).
        AwaitAssert(() =>
        {
            restarted.Tell(new GetExperimentStatus(id), TestActor);
            var rounds = ExpectMsg<ExperimentStatusReply>().RecentRounds.Select(r => r.Round).ToList();
            Assert.Equal([1, 2, 3, 4], rounds); // no gap, no duplicate
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_checkpoint_stored_but_never_journaled_is_deleted_when_the_experiment_runs_again()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2));
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        pair.Generator.FishForMessage<RunRounds>(r => r.FromRound == 3, TimeSpan.FromSeconds(10));
        AwaitJournaled(coordinator, id, 2);
        // What a coordinator killed between storing and journaling leaves behind.
        var stray = new byte[] { 5, 5, 5 };
        await _store.SaveAsync(new CheckpointBlob(id.Value, 1, CheckpointRoles.Generator, stray, CheckpointBlob.Hash(stray)));
        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator);

        var restarted = StartCoordinator("restarted");
        ExpectAssigned(RegisterPair(restarted));

        await AwaitAssertAsync(async () => Assert.Equal([2], (await _store.ListAsync(id.Value)).Select(c => c.Round).Distinct()), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_retried_submission_gets_its_first_id_even_from_a_restarted_coordinator()
    {
        var spec = SpecJson.Serialize(SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2), indented: false);
        var coordinator = StartCoordinator();
        coordinator.Tell(new SubmitExperiment(spec, 0, SpecConfig.Wire, "retry-key"), TestActor);
        var id = ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id;
        coordinator.Tell(new SubmitExperiment(spec, 0, SpecConfig.Wire, "retry-key"), TestActor);
        Assert.Equal(id, ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id);

        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator);
        var restarted = StartCoordinator("restarted");
        restarted.Tell(new SubmitExperiment(spec, 0, SpecConfig.Wire, "retry-key"), TestActor);
        Assert.Equal(id, ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id);
        restarted.Tell(new CancelExperiment(id, "cancel-key"), TestActor);
        ExpectMsg<CancelAccepted>(TimeSpan.FromSeconds(10));

        restarted.Tell(ListExperiments.Instance, TestActor);
        var listed = ExpectMsg<ExperimentList>(TimeSpan.FromSeconds(10)).Experiments;
        Assert.Equal([(id, ExperimentState.Cancelled)], listed.Select(e => (e.Id, e.State)));
    }

    [Fact]
    public void A_lost_worker_pauses_its_experiment_until_a_worker_of_that_role_joins()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2));
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        Assert.Equal(3, pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10)).FromRound);
        AwaitJournaled(coordinator, id, 2);

        Sys.Stop(pair.Discriminator.Ref);
        pair.Generator.FishForMessage<StopExperiment>(_ => true, TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(ExperimentState.Paused, Status(coordinator, id).State), TimeSpan.FromSeconds(10));
        Assert.Contains("discriminator node disc-node left", Status(coordinator, id).Reason);

        var discriminator = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, discriminator.Ref, "disc-node-2", SpecConfig.Wire), discriminator.Ref);
        var assigned = discriminator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(3, assigned.NextRound);
        Assert.Equal(new byte[] { 9, 8, 7, 2 }, assigned.HalfState);
        Assert.Equal(3, pair.Generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10)).NextRound);
    }

    [Fact]
    public async Task A_damaged_newest_checkpoint_is_skipped_with_a_warning_and_the_experiment_resumes_from_the_previous_one()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 8, checkpointInterval: 2));
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 3, 4);
        AnswerCheckpoint(coordinator, pair, id, 4);
        Assert.Equal(5, pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10)).FromRound);
        AwaitJournaled(coordinator, id, 4);
        CompleteRounds(coordinator, pair, id, 5, 5);

        // A process killed mid-write, or a disk error: the newest generator half no longer matches its SHA-256.
        await DamageStoredHalfAsync(id.Value, 4, CheckpointRoles.Generator);
        Sys.Stop(pair.Discriminator.Ref);
        pair.Generator.FishForMessage<StopExperiment>(_ => true, TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(ExperimentState.Paused, Status(coordinator, id).State), TimeSpan.FromSeconds(10));

        var discriminator = CreateTestProbe();
        AssignExperiment assigned = null!;
        EventFilter.Warning(contains: "skipped a damaged checkpoint (checkpoint of round 4").ExpectOne(TimeSpan.FromSeconds(15), () =>
        {
            coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, discriminator.Ref, "disc-node-2", SpecConfig.Wire), discriminator.Ref);
            assigned = discriminator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        });
        var generator = pair.Generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(3, assigned.NextRound);
        Assert.Equal(3, generator.NextRound);
        Assert.Equal(new byte[] { 1, 2, 3, 2 }, generator.HalfState);
        Assert.Equal(new byte[] { 9, 8, 7, 2 }, assigned.HalfState);

        // The resumed run repeats rounds 3 and 4 once each and checkpoints round 4 again, replacing the damaged row.
        var resumed = new Pair(pair.Generator, discriminator);
        Ready(coordinator, resumed, id, 3);
        var granted = pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal((3, 4), (granted.FromRound, granted.ToRound));
        CompleteRounds(coordinator, resumed, id, 3, 4);
        AnswerCheckpoint(coordinator, resumed, id, 4);
        Assert.Equal(5, pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10)).FromRound);
        await AwaitAssertAsync(async () => Assert.Equal(new byte[] { 1, 2, 3, 4 }, (await _store.LoadAsync(id.Value, 4, CheckpointRoles.Generator))!.Data), TimeSpan.FromSeconds(10));
        coordinator.Tell(new GetExperimentStatus(id), TestActor);
        Assert.Equal([1, 2, 3, 4], ExpectMsg<ExperimentStatusReply>().RecentRounds.Select(m => m.Round));
    }

    [Fact]
    public void A_non_finite_loss_marks_the_experiment_diverged_and_keeps_the_last_good_checkpoint()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2));
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        // Round 3 is granted before round 2's checkpoint is stored; on a loaded machine the store (PostgreSQL here)
        // may still be writing when the bad loss arrives, and the checkpoint this test keeps is a stored one.
        AwaitJournaled(coordinator, id, 2);
        coordinator.Tell(new RoundCompleted(id, Metrics(3, double.NaN)), pair.Generator.Ref);

        pair.Generator.FishForMessage<StopExperiment>(_ => true, TimeSpan.FromSeconds(10));
        var summary = Status(coordinator, id);
        Assert.Equal(ExperimentState.Diverged, summary.State);
        Assert.Contains("diverged at round 3", summary.Reason);
        Assert.Equal(2, summary.LastCheckpointRound);
        Assert.Equal(2, summary.RoundsDone);
    }

    [Fact]
    public void A_diverged_experiment_resumes_from_its_last_checkpoint_with_a_lower_learning_rate()
    {
        var coordinator = StartCoordinator();
        var pair = RegisterPair(coordinator);
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2));
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        // Round 3 is granted before round 2's checkpoint is stored; on a loaded machine the store (PostgreSQL here)
        // may still be writing when the bad loss arrives, and the checkpoint this test keeps is a stored one.
        AwaitJournaled(coordinator, id, 2);
        coordinator.Tell(new RoundCompleted(id, Metrics(3, double.PositiveInfinity)), pair.Generator.Ref);
        pair.Generator.FishForMessage<StopExperiment>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Contains($"gancluster resume {id.Value}", Status(coordinator, id).Reason);

        coordinator.Tell(new ResumeExperiment(id, 1e-5, null, null), TestActor);
        ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60));
        var (g, d) = ExpectAssigned(pair);
        Assert.Equal(3, g.NextRound);
        Assert.Equal(new byte[] { 1, 2, 3, 2 }, g.HalfState);
        Assert.Equal(1e-5, SpecJson.Parse(g.SpecJson).GeneratorOptimizer.LearningRate);
        Assert.Equal(SpecConfig.ToySpec().DiscriminatorOptimizer.LearningRate, SpecJson.Parse(d.SpecJson).DiscriminatorOptimizer.LearningRate);
        Assert.Equal(ExperimentState.Running, Status(coordinator, id).State);

        coordinator.Tell(new ResumeExperiment(id, null, null, null), TestActor);
        Assert.Equal("state", ExpectMsg<ExperimentRejected>(TimeSpan.FromSeconds(10)).Field);
        coordinator.Tell(new ResumeExperiment(new ExperimentId("exp-unknown"), null, null, null), TestActor);
        ExpectMsg<UnknownExperiment>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Experiments_wait_in_priority_then_submission_order_for_a_free_pair()
    {
        var coordinator = StartCoordinator();
        var low = Submit(coordinator, SpecConfig.ToySpec(rounds: 2, checkpointInterval: 2) with { Name = "low" });
        var high = Submit(coordinator, SpecConfig.ToySpec(rounds: 2, checkpointInterval: 2) with { Name = "high" }, priority: 5);
        var pair = RegisterPair(coordinator);
        var (g, _) = ExpectAssigned(pair);
        Assert.Equal(high, g.Id);
        Ready(coordinator, pair, high, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, high, 1, 2);
        AnswerCheckpoint(coordinator, pair, high, 2);
        var (next, _) = ExpectAssigned(pair);
        Assert.Equal(low, next.Id);
    }

    [Fact]
    public void A_stored_checkpoint_is_described_for_the_newest_or_an_asked_round_and_served_half_by_half()
    {
        var coordinator = StartCoordinator();
        var id = Submit(coordinator, SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2));
        coordinator.Tell(new GetStoredCheckpoint(id, null), TestActor);
        ExpectMsg<NoCheckpointYet>(TimeSpan.FromSeconds(10));
        var pair = RegisterPair(coordinator);
        ExpectAssigned(pair);
        Ready(coordinator, pair, id, 1);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 1, 2);
        AnswerCheckpoint(coordinator, pair, id, 2);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        CompleteRounds(coordinator, pair, id, 3, 4);
        AnswerCheckpoint(coordinator, pair, id, 4);
        pair.Generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        AwaitJournaled(coordinator, id, 4);

        coordinator.Tell(new GetStoredCheckpoint(id, null), TestActor);
        var newest = ExpectMsg<StoredCheckpoint>(TimeSpan.FromSeconds(10));
        Assert.Equal((4, 4L, CheckpointBlob.Hash([1, 2, 3, 4]), 4L, CheckpointBlob.Hash([9, 8, 7, 4])),
            (newest.Round, newest.GeneratorBytes, newest.GeneratorSha256, newest.DiscriminatorBytes, newest.DiscriminatorSha256));
        Assert.Equal(SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2).Seed, SpecJson.Parse(newest.SpecJson).Seed);
        coordinator.Tell(new GetCheckpointHalfPart(id, 2, WorkerRole.Discriminator, 1, 10), TestActor);
        Assert.Equal(new byte[] { 8, 7, 2 }, ExpectMsg<CheckpointPart>(TimeSpan.FromSeconds(10)).Data);
        coordinator.Tell(new GetCheckpointHalfPart(id, 2, WorkerRole.Generator, 0, 10), TestActor);
        Assert.Equal(new byte[] { 1, 2, 3, 2 }, ExpectMsg<CheckpointPart>(TimeSpan.FromSeconds(10)).Data);

        coordinator.Tell(new GetStoredCheckpoint(id, 3), TestActor);
        Assert.Equal([2, 4], ExpectMsg<CheckpointRoundUnavailable>(TimeSpan.FromSeconds(10)).StoredRounds);
        coordinator.Tell(new GetCheckpointHalfPart(id, 3, WorkerRole.Generator, 0, 10), TestActor);
        ExpectMsg<NoCheckpointYet>(TimeSpan.FromSeconds(10));
        coordinator.Tell(new GetStoredCheckpoint(new ExperimentId("exp-unknown"), null), TestActor);
        ExpectMsg<UnknownExperiment>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Cancelling_an_unknown_experiment_says_so()
    {
        var coordinator = StartCoordinator();
        coordinator.Tell(new CancelExperiment(new ExperimentId("exp-unknown")), TestActor);
        ExpectMsg<UnknownExperiment>(TimeSpan.FromSeconds(15));
        var id = Submit(coordinator, SpecConfig.ToySpec());
        coordinator.Tell(new CancelExperiment(id), TestActor);
        ExpectMsg<CancelAccepted>();
        Assert.Equal(ExperimentState.Cancelled, Status(coordinator, id).State);
    }
}

/// <summary>Journal and snapshot configuration on a real database.</summary>
internal static class JournalConfig
{
    public static Config Sqlite(string path) => Sql("SQLite.MS", $"Data Source={path}");

    public static Config Sql(string provider, string connectionString) => SpecConfig.Hocon($$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.journal.sql { provider-name = "{{provider}}", connection-string = "{{connectionString}}", auto-initialize = on }
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.snapshot-store.sql { provider-name = "{{provider}}", connection-string = "{{connectionString}}", auto-initialize = on }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
}

public sealed class SqliteCoordinatorSpecs : CoordinatorSpecs, IDisposable
{
    private readonly string _folder;

    public SqliteCoordinatorSpecs() : this(Directory.CreateTempSubdirectory("gancluster-coord-").FullName)
    {
    }

    private SqliteCoordinatorSpecs(string folder)
        : base(JournalConfig.Sqlite(Path.Combine(folder, "journal.db")), new SqliteCheckpointStore(Path.Combine(folder, "checkpoints.db")))
    {
        _folder = folder;
    }

    protected override async Task DamageStoredHalfAsync(string experimentId, int round, string role)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "checkpoints.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE {SqlCheckpointStore.TableName} SET data = $data WHERE experiment_id = $id AND round = $round AND role = $role";
        command.Parameters.AddWithValue("$data", new byte[] { 0xDE, 0xAD });
        command.Parameters.AddWithValue("$id", experimentId);
        command.Parameters.AddWithValue("$round", round);
        command.Parameters.AddWithValue("$role", role);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
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

/// <summary>The same specs with the journal, snapshots and checkpoints on a private PostgreSQL server (the machine's version; 15 here).</summary>
public sealed class PostgresCoordinatorSpecs : CoordinatorSpecs, IClassFixture<PostgresServer>
{
    public PostgresCoordinatorSpecs(PostgresServer server) : this(server, NewDatabase(server))
    {
    }

    private readonly string _connectionString;

    private PostgresCoordinatorSpecs(PostgresServer server, string connectionString)
        : base(JournalConfig.Sql("PostgreSQL.15", connectionString), new PostgresCheckpointStore(connectionString))
    {
        _connectionString = connectionString;
    }

    protected override async Task DamageStoredHalfAsync(string experimentId, int round, string role)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE {SqlCheckpointStore.TableName} SET data = @data WHERE experiment_id = @id AND round = @round AND role = @role";
        command.Parameters.AddWithValue("data", new byte[] { 0xDE, 0xAD });
        command.Parameters.AddWithValue("id", experimentId);
        command.Parameters.AddWithValue("round", round);
        command.Parameters.AddWithValue("role", role);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    // Every spec gets its own database: the coordinator's persistence id is the same in all of them.
    private static string NewDatabase(PostgresServer server) =>
        server.CreateDatabaseAsync("coord_" + Guid.NewGuid().ToString("N")[..12]).GetAwaiter().GetResult();
}
