using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.TestSupport;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>
/// A coordinator started on a copy of a data folder written by an older GanCluster (Fixtures/journal-2026-12-01, see
/// its README) recovers every experiment: ids, states, priorities, history, checkpoints. It proves the journal's event
/// manifests and JSON fields (and the checkpoint store's rows) stay readable across versions.
/// </summary>
public sealed class JournalFixtureRecoverySpecs : TestKit, IDisposable
{
    private const string Completed = "exp-1d630237";
    private const string Running = "exp-ddf13728";
    private const string Cancelled = "exp-9df35198";
    private const string Queued = "exp-9ef86488";

    private readonly TempDirectory _folder;
    private readonly ICheckpointStore _store;

    public JournalFixtureRecoverySpecs() : this(CopyFixture())
    {
    }

    private JournalFixtureRecoverySpecs(TempDirectory folder) : base(JournalConfig.Sqlite(folder.Combine("coordinator.db")))
    {
        _folder = folder;
        _store = new SqliteCheckpointStore(folder.Combine("checkpoints.db"));
    }

    private static TempDirectory CopyFixture()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Coordinator", "Fixtures", "journal-2026-12-01");
        var folder = TempDirectory.Create("fixture");
        foreach (var file in new[] { "coordinator.db", "checkpoints.db" })
        {
            File.Copy(Path.Combine(source, file), folder.Combine(file));
        }

        return folder;
    }

    private IActorRef StartCoordinator() =>
        Sys.ActorOf(CoordinatorActor.Props(_store, new CoordinatorSettings(3, 50, 50, 200, SpecConfig.Wire, 1 << 20), Sys.ActorOf(BulkSender.Props(1 << 20))));

    private ExperimentStatusReply Status(IActorRef coordinator, string id)
    {
        coordinator.Tell(new GetExperimentStatus(new ExperimentId(id)), TestActor);
        return ExpectMsg<ExperimentStatusReply>(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Every_experiment_of_the_old_data_folder_is_recovered_with_its_state_history_and_checkpoints()
    {
        var coordinator = StartCoordinator();
        coordinator.Tell(ListExperiments.Instance, TestActor);
        var list = ExpectMsg<ExperimentList>(TimeSpan.FromSeconds(30)).Experiments;

        Assert.Equal([Completed, Running, Cancelled, Queued], list.Select(e => e.Id.Value));
        Assert.Equal(["fixture-a-completed", "fixture-c-running", "fixture-d-cancelled", "fixture-e-queued"], list.Select(e => e.Name));
        Assert.Equal([ExperimentState.Completed, ExperimentState.Paused, ExperimentState.Cancelled, ExperimentState.Queued], list.Select(e => e.State));
        Assert.Equal([0, 5, 0, 1], list.Select(e => e.Priority));
        Assert.Equal([50, 1100, 0, 0], list.Select(e => e.RoundsDone));
        Assert.Equal([50, 5000, 50, 50], list.Select(e => e.RoundsTotal));
        Assert.Equal([50, 1100, null, null], list.Select(e => e.LastCheckpointRound));

        var running = Status(coordinator, Running);
        Assert.Equal("coordinator restarted", running.Summary.Reason);
        Assert.Equal(Enumerable.Range(1081, 20), running.RecentRounds.Select(m => m.Round));
        var completed = Status(coordinator, Completed);
        Assert.Equal(Enumerable.Range(31, 20), completed.RecentRounds.Select(m => m.Round));
        Assert.All(completed.RecentRounds, m => Assert.True(m.RoundMs > 0 && m.ExchangeBytes == 768));
        Assert.Equal("cancelled by the user", Status(coordinator, Cancelled).Summary.Reason);
    }

    [Fact]
    public async Task The_interrupted_experiment_resumes_first_from_its_last_stored_checkpoint()
    {
        var coordinator = StartCoordinator();
        var generator = CreateTestProbe();
        var discriminator = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(WorkerRole.Generator, generator.Ref, "gen-node", SpecConfig.Wire), generator.Ref);
        coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, discriminator.Ref, "disc-node", SpecConfig.Wire), discriminator.Ref);

        // Priority 5 beats the queued experiment's 1: the paused one is paired first, from round 1100's halves.
        var g = generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(30));
        var d = discriminator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(30));
        Assert.Equal(Running, g.Id.Value);
        Assert.Equal(1101, g.NextRound);
        Assert.Equal(1101, d.NextRound);
        var stored = await _store.LoadAsync(Running, 1100, CheckpointRoles.Generator);
        Assert.NotNull(stored);
        Assert.Equal(stored.Sha256, g.HalfStateSha256);
        Assert.Equal(stored.Data, g.HalfState);
        Assert.NotNull(d.HalfState);
    }

    [Fact]
    public void A_truncated_journal_entry_fails_its_experiment_and_the_others_come_back_and_run()
    {
        // Entry 74 is a batch of rounds of the running experiment; entry 33 (the cancelled one's submission) is
        // overwritten so that no experiment can be read from it.
        Damage("UPDATE journal SET message = substr(message, 1, 60) WHERE sequence_number = 74");
        Damage("UPDATE journal SET message = x'00ff1337' WHERE sequence_number = 33");

        var coordinator = EventFilter.Error(contains: "Journal entry 74 (rounds) of experiment " + Running).ExpectOne(StartCoordinator);
        coordinator.Tell(ListExperiments.Instance, TestActor);
        var list = ExpectMsg<ExperimentList>(TimeSpan.FromSeconds(30)).Experiments;

        Assert.Equal([Completed, Running, Queued], list.Select(e => e.Id.Value));
        Assert.Equal([ExperimentState.Completed, ExperimentState.Failed, ExperimentState.Queued], list.Select(e => e.State));
        Assert.StartsWith("journal damaged: event 74 (rounds) cannot be read", list[1].Reason);

        // The queued experiment is the one paired now: the damaged one stays failed.
        var generator = CreateTestProbe();
        var discriminator = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(WorkerRole.Generator, generator.Ref, "gen-node", SpecConfig.Wire), generator.Ref);
        coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, discriminator.Ref, "disc-node", SpecConfig.Wire), discriminator.Ref);
        Assert.Equal(Queued, generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(30)).Id.Value);

        coordinator.Tell(new ResumeExperiment(new ExperimentId(Running), null, null, null), TestActor);
        Assert.Contains("cannot be read", ExpectMsg<ExperimentRejected>(TimeSpan.FromSeconds(20)).Reason);
    }

    private void Damage(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.Combine("coordinator.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    public new void Dispose()
    {
        base.Dispose();
        _folder.Dispose();
    }
}
