using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>The coordinator's answers to client queries without actors: a state, a query, the reply or the blob to load.</summary>
public sealed class CoordinatorQueriesTests
{
    private const string Id = "exp-00000001";

    private static readonly ExperimentId Known = new(Id);

    private static readonly IReadOnlyList<RoundMetrics> None = [];

    private static CoordinatorState Apply(CoordinatorState state, params ICoordinatorEvent[] events) => events.Aggregate(state, (s, e) => s.Apply(e));

    private static CoordinatorState Running()
    {
        var spec = SpecJson.Serialize(SpecConfig.ToySpec(6, 2), indented: false);
        var state = CoordinatorDecisions.Decide(CoordinatorState.Empty, new Command.Submit(spec, 0, Id, DateTimeOffset.UnixEpoch)).Events
            .Aggregate(CoordinatorState.Empty, (s, e) => s.Apply(e));
        return Apply(state, new ExperimentAssigned(Id, "gen", "disc", 1));
    }

    private static CoordinatorState Checkpointed(params int[] rounds) =>
        Apply(Running(), rounds.Select(r => (ICoordinatorEvent)new CheckpointStored(Id, r, "g", "d")).ToArray());

    private static object Answer(CoordinatorState state, object query, IReadOnlyList<RoundMetrics>? pending = null) =>
        CoordinatorQueries.Answer(state, _ => pending ?? None, query);

    [Fact]
    public void A_summary_includes_the_rounds_not_journaled_yet()
    {
        var record = Running().Find(Id)!;

        var summary = CoordinatorQueries.Summarize(record, [Metrics(1, 1.1), Metrics(2, 1.2)]);

        Assert.Equal((2, 1.2), (summary.RoundsDone, summary.LastDLoss));
        Assert.Equal(200, summary.StepsPerSecond);
    }

    [Fact]
    public void Status_lists_the_journaled_and_pending_rounds_and_the_list_every_experiment()
    {
        var state = Apply(Running(), new RoundsRecorded(Id, [Metrics(1, 1.0)]));

        var status = Assert.IsType<ExperimentStatusReply>(Answer(state, new GetExperimentStatus(Known), [Metrics(2, 1.1)]));
        var list = Assert.IsType<ExperimentList>(Answer(state, ListExperiments.Instance));

        Assert.Equal([1, 2], status.RecentRounds.Select(r => r.Round));
        Assert.Equal(Known, Assert.Single(list.Experiments).Id);
    }

    [Fact]
    public void An_unknown_experiment_is_answered_as_unknown()
    {
        var unknown = new ExperimentId("exp-000000ff");

        Assert.All(
            new object[] { new GetExperimentStatus(unknown), new GetSamples(unknown), new GetLatestCheckpoint(unknown), new GetStoredCheckpoint(unknown, null) },
            query => Assert.Equal(new UnknownExperiment(unknown), Answer(Running(), query)));
    }

    [Fact]
    public void Samples_and_the_latest_checkpoint_are_loaded_only_once_journaled()
    {
        Assert.Equal(new NoSamplesYet(Known), Answer(Running(), new GetSamples(Known)));
        Assert.Equal(new NoCheckpointYet(Known), Answer(Running(), new GetLatestCheckpoint(Known)));

        var state = Apply(Checkpointed(2, 4), new SampleGridStored(Id, 3));

        Assert.Equal(new Download.Samples(Known, 3), Answer(state, new GetSamples(Known)));
        Assert.Equal(new Download.Latest(Known, 4, state.Find(Id)!.SpecJson), Answer(state, new GetLatestCheckpoint(Known)));
    }

    [Fact]
    public void A_stored_checkpoint_is_the_asked_or_newest_journaled_round()
    {
        var state = Checkpointed(2, 4);

        var newest = Assert.IsType<Download.Stored>(Answer(state, new GetStoredCheckpoint(Known, null)));
        var asked = Assert.IsType<Download.Stored>(Answer(state, new GetStoredCheckpoint(Known, 2)));
        var missing = Assert.IsType<CheckpointRoundUnavailable>(Answer(state, new GetStoredCheckpoint(Known, 3)));

        Assert.Equal((4, 2), (newest.Round, asked.Round));
        Assert.Equal([2, 4], missing.StoredRounds);
        Assert.Equal(new NoCheckpointYet(Known), Answer(Running(), new GetStoredCheckpoint(Known, null)));
    }

    [Fact]
    public void Parts_name_the_half_to_load()
    {
        var generator = Assert.IsType<Download.Part>(Answer(Running(), new GetCheckpointPart(Known, 2, 10, 100)));
        var discriminator = Assert.IsType<Download.Part>(Answer(Running(), new GetCheckpointHalfPart(Known, 2, WorkerRole.Discriminator, 0, 100)));

        Assert.Equal(new Download.Part(Known, 2, CheckpointRoles.Generator, 10, 100), generator);
        Assert.Equal(CheckpointRoles.Discriminator, discriminator.Role);
    }

    private static RoundMetrics Metrics(int round, double dLoss) => new(round, dLoss, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);
}
