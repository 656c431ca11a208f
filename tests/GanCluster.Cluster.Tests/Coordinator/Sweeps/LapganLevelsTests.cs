using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator.Sweeps;

/// <summary>
/// A whole LAPGAN pyramid in the coordinator's pure rules: one submission becomes a parent with a queued child per level
/// (journaled as one event, like a sweep), a retried submission gets the same answer, a single level stays an ordinary
/// experiment, and a level whose worker leaves pauses alone while the other levels go on.
/// </summary>
public sealed class LapganLevelsTests
{
    private const string NewId = "exp-0000000a";
    private static readonly DateTimeOffset At = new(2026, 12, 2, 23, 0, 0, TimeSpan.Zero);

    private static string Pyramid(int? level = null)
    {
        Assert.True(Presets.TryGet("lapgan-mnist", out var spec));
        return SpecJson.Serialize(spec with { Rounds = 6, CheckpointInterval = 2, Lapgan = new LapganSpec { Level = level } }, indented: false);
    }

    private static (CoordinatorState State, Decision Decision) Run(CoordinatorState state, Command command)
    {
        var decision = CoordinatorDecisions.Decide(state, command);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    [Fact]
    public void A_pyramid_is_journaled_as_one_parent_whose_queued_children_are_its_levels_coarsest_first()
    {
        var (state, decision) = Run(CoordinatorState.Empty, new Command.Submit(Pyramid(), 4, NewId, At));

        var accepted = Assert.IsType<SweepAccepted>(decision.Reply);
        var submitted = Assert.IsType<SweepSubmitted>(Assert.Single(decision.Events));
        Assert.Equal("swp-0000000a", accepted.Id.Value);
        Assert.Equal(["swp-0000000a-01", "swp-0000000a-02", "swp-0000000a-03"], accepted.Children.Select(c => c.Value));
        Assert.Equal(["lapgan-mnist-level2", "lapgan-mnist-level1", "lapgan-mnist-level0"], submitted.Children.Select(c => c.Name));
        Assert.Equal(["lapgan.level=2", "lapgan.level=1", "lapgan.level=0"], submitted.Children.Select(c => c.Overrides));
        Assert.Equal(accepted.Children.Select(c => c.Value), CoordinatorDecisions.Queue(state));
        foreach (var (child, level) in accepted.Children.Zip(new[] { 2, 1, 0 }))
        {
            var record = state.Find(child.Value)!;
            Assert.Equal(("swp-0000000a", 4, ExperimentState.Queued, 6), (record.SweepId, record.Priority, record.State, record.RoundsTotal));
            var spec = SpecJson.Parse(record.SpecJson);
            Assert.Equal(level, spec.Lapgan.Level);
            Assert.Equal(ModelKind.Lapgan, spec.Model);
        }

        Assert.Equal("lapgan-mnist", state.FindSweep("swp-0000000a")!.Name);
    }

    [Fact]
    public void A_retried_pyramid_submission_with_its_key_gets_the_first_answer_and_queues_nothing()
    {
        var (state, first) = Run(CoordinatorState.Empty, new Command.Submit(Pyramid(), 0, NewId, At, "pyramid-1"));

        var again = CoordinatorDecisions.Decide(state, new Command.Submit(Pyramid(), 0, "exp-0000000b", At, "pyramid-1"));

        Assert.Equal(first.Reply, again.Reply);
        Assert.IsType<SweepAccepted>(again.Reply);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void A_single_level_is_an_ordinary_experiment()
    {
        var decision = CoordinatorDecisions.Decide(CoordinatorState.Empty, new Command.Submit(Pyramid(level: 1), 0, NewId, At));

        Assert.Equal(NewId, Assert.IsType<ExperimentAccepted>(decision.Reply).Id.Value);
        Assert.IsType<ExperimentSubmitted>(Assert.Single(decision.Events));
    }

    [Fact]
    public void A_level_whose_worker_leaves_pauses_alone_and_the_other_levels_go_on()
    {
        var (state, decision) = Run(CoordinatorState.Empty, new Command.Submit(Pyramid(), 0, NewId, At));
        var levels = Assert.IsType<SweepAccepted>(decision.Reply).Children.Select(c => c.Value).ToList();
        state = Run(state, new Command.RunStarted(levels[0], "gen-1", "disc-1", 1)).State;
        state = Run(state, new Command.RunStarted(levels[1], "gen-2", "disc-2", 1)).State;
        state = Run(state, new Command.RunStarted(levels[2], "gen-3", "disc-3", 1)).State;

        state = Run(state, new Command.WorkerLeft(levels[1], WorkerRole.Generator, "gen-2")).State;

        Assert.Equal(
            [ExperimentState.Running, ExperimentState.Paused, ExperimentState.Running],
            levels.Select(id => state.Find(id)!.State));
    }

    [Fact]
    public void A_sweep_whose_children_would_be_whole_pyramids_is_refused_naming_the_field()
    {
        var decision = CoordinatorDecisions.Decide(CoordinatorState.Empty,
            new Command.SubmitSweep(Pyramid(), """{"parameters": {"k": [1, 2]}}""", "loss/g", "min", "grid", 1, null, 3, 0, "swp-0000000c", At));

        var rejected = Assert.IsType<ExperimentRejected>(decision.Reply);
        Assert.Equal("base.lapgan.level", rejected.Field);
        Assert.Contains("sweep one level", rejected.Reason, StringComparison.Ordinal);
        Assert.Empty(decision.Events);

        // Searching the level itself is a sweep of single levels.
        var levels = CoordinatorDecisions.Decide(CoordinatorState.Empty,
            new Command.SubmitSweep(Pyramid(), """{"parameters": {"lapgan.level": [2, 1, 0]}}""", "loss/g", "min", "grid", 1, null, 3, 0, "swp-0000000d", At));
        Assert.Equal(3, Assert.IsType<SweepAccepted>(levels.Reply).Children.Count);
    }
}
