using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>The coordinator's rules without actors: a state, a command, the reply and the events.</summary>
public sealed class CoordinatorDecisionsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Spec(int rounds = 6, int interval = 2) => SpecJson.Serialize(SpecConfig.ToySpec(rounds, interval), indented: false);

    /// <summary>Decides and applies, as the actor does after persisting.</summary>
    private static (CoordinatorState State, Decision Decision) Run(CoordinatorState state, Command command)
    {
        var decision = CoordinatorDecisions.Decide(state, command);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    private static CoordinatorState Submitted(string id = "exp-00000001", int priority = 0, CoordinatorState? state = null) =>
        Run(state ?? CoordinatorState.Empty, new Command.Submit(Spec(), priority, id, At)).State;

    private static CoordinatorState Running(string id = "exp-00000001") =>
        Run(Submitted(id), new Command.RunStarted(id, "gen", "disc", 1)).State;

    [Fact]
    public void A_run_starts_only_for_a_waiting_experiment_so_an_experiment_is_never_assigned_twice()
    {
        Assert.Empty(CoordinatorDecisions.Decide(Running(), new Command.RunStarted("exp-00000001", "gen-2", "disc-2", 1)).Events);

        var cancelled = Run(Running(), new Command.Cancel("exp-00000001")).State;
        Assert.Empty(CoordinatorDecisions.Decide(cancelled, new Command.RunStarted("exp-00000001", "gen", "disc", 1)).Events);
        Assert.Empty(CoordinatorDecisions.Decide(cancelled, new Command.RunStarted("exp-unknown", "gen", "disc", 1)).Events);

        var paused = Running().Apply(new CoordinatorStarted(2, At));
        Assert.IsType<ExperimentAssigned>(Assert.Single(CoordinatorDecisions.Decide(paused, new Command.RunStarted("exp-00000001", "gen", "disc", 3)).Events));
    }

    [Fact]
    public void A_valid_submission_is_accepted_with_the_given_id_and_journaled_with_its_resolved_spec()
    {
        var (state, decision) = Run(CoordinatorState.Empty, new Command.Submit(Spec(rounds: 4), 3, "exp-0000000a", At));

        Assert.Equal(new ExperimentAccepted(new ExperimentId("exp-0000000a")), decision.Reply);
        var submitted = Assert.IsType<ExperimentSubmitted>(Assert.Single(decision.Events));
        Assert.Equal(("spec-toy", 3, 4, At), (submitted.Name, submitted.Priority, submitted.RoundsTotal, submitted.At));
        Assert.Equal(ExperimentState.Queued, state.Find("exp-0000000a")!.State);
    }

    [Fact]
    public void An_invalid_submission_is_rejected_with_its_first_field_and_journals_nothing()
    {
        var decision = CoordinatorDecisions.Decide(CoordinatorState.Empty, new Command.Submit("""{ "model": "toy", "dataset": "ring8", "k": 0 }""", 0, "exp-0000000a", At));

        Assert.Equal("k", Assert.IsType<ExperimentRejected>(decision.Reply).Field);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Cancelling_answers_unknown_for_an_unknown_id_and_journals_nothing_for_a_finished_experiment()
    {
        Assert.IsType<UnknownExperiment>(CoordinatorDecisions.Decide(CoordinatorState.Empty, new Command.Cancel("exp-nothere")).Reply);

        var (cancelled, first) = Run(Running(), new Command.Cancel("exp-00000001"));
        Assert.IsType<ExperimentCancelled>(Assert.Single(first.Events));
        Assert.Equal(ExperimentState.Cancelled, cancelled.Find("exp-00000001")!.State);
        Assert.Equal("exp-00000001", CoordinatorDecisions.EndsRun(first.Events[0]));

        var again = CoordinatorDecisions.Decide(cancelled, new Command.Cancel("exp-00000001"));
        Assert.Equal(new CancelAccepted(new ExperimentId("exp-00000001"), ExperimentState.Cancelled), again.Reply);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void Resume_is_refused_for_queued_or_running_experiments_and_for_a_completed_one_without_more_rounds()
    {
        var queued = Submitted();
        Assert.Equal("state", Assert.IsType<ExperimentRejected>(CoordinatorDecisions.Decide(queued, new Command.Resume("exp-00000001", null, null, null)).Reply).Field);
        Assert.Equal("state", Assert.IsType<ExperimentRejected>(CoordinatorDecisions.Decide(Running(), new Command.Resume("exp-00000001", null, null, null)).Reply).Field);

        var completed = Run(Running(), new Command.CheckpointSaved("exp-00000001", 6, "g", "d", Continues: true, Retention: 3)).State;
        Assert.Equal(ExperimentState.Completed, completed.Find("exp-00000001")!.State);
        Assert.Equal("rounds", Assert.IsType<ExperimentRejected>(CoordinatorDecisions.Decide(completed, new Command.Resume("exp-00000001", null, null, 6)).Reply).Field);
        Assert.Equal("generatorOptimizer.learningRate",
            Assert.IsType<ExperimentRejected>(CoordinatorDecisions.Decide(completed, new Command.Resume("exp-00000001", -1, null, 10)).Reply).Field);
    }

    [Fact]
    public void Resume_requeues_with_the_new_learning_rates_and_rounds()
    {
        var diverged = Run(Running(), new Command.RoundDiverged("exp-00000001", Metrics(3, double.NaN))).State;
        Assert.Equal(ExperimentState.Diverged, diverged.Find("exp-00000001")!.State);

        var (state, decision) = Run(diverged, new Command.Resume("exp-00000001", 1e-5, null, 12));
        Assert.IsType<ExperimentAccepted>(decision.Reply);
        var record = state.Find("exp-00000001")!;
        Assert.Equal((ExperimentState.Queued, 12), (record.State, record.RoundsTotal));
        var spec = SpecJson.Parse(record.SpecJson);
        Assert.Equal(1e-5, spec.GeneratorOptimizer.LearningRate);
        Assert.Equal(SpecConfig.ToySpec().DiscriminatorOptimizer.LearningRate, spec.DiscriminatorOptimizer.LearningRate);
    }

    [Fact]
    public void The_queue_is_by_priority_then_submission_order_and_a_restart_pauses_running_experiments()
    {
        var state = Submitted("exp-0000000a");
        state = Submitted("exp-0000000b", priority: 5, state);
        state = Submitted("exp-0000000c", priority: 5, state);
        state = Run(state, new Command.RunStarted("exp-0000000b", "g", "d", 1)).State;
        Assert.Equal(["exp-0000000c", "exp-0000000a"], CoordinatorDecisions.Queue(state));

        state = state.Apply(new CoordinatorStarted(2, At));
        Assert.Equal(["exp-0000000b", "exp-0000000c", "exp-0000000a"], CoordinatorDecisions.Queue(state));
        Assert.Equal("coordinator restarted", state.Find("exp-0000000b")!.Reason);
    }

    [Fact]
    public void A_worker_that_leaves_pauses_its_running_experiment_with_a_reason_naming_its_role_and_node()
    {
        var decision = CoordinatorDecisions.Decide(Running(), new Command.WorkerLeft("exp-00000001", WorkerRole.Discriminator, "disc-node"));

        var paused = Assert.IsType<ExperimentPaused>(Assert.Single(decision.Events));
        Assert.Contains("discriminator node disc-node left", paused.Reason);
        Assert.Empty(CoordinatorDecisions.Decide(Run(Running(), new Command.Cancel("exp-00000001")).State,
            new Command.WorkerLeft("exp-00000001", WorkerRole.Generator, "gen-node")).Events);
    }

    [Fact]
    public void A_saved_checkpoint_is_journaled_prunes_beyond_retention_and_completes_only_the_run_that_asked_for_it()
    {
        var state = Running();
        state = Run(state, new Command.CheckpointSaved("exp-00000001", 2, "g2", "d2", true, Retention: 1)).State;
        var (afterFour, four) = Run(state, new Command.CheckpointSaved("exp-00000001", 4, "g4", "d4", true, Retention: 1));
        Assert.Equal([2], Assert.IsType<CheckpointsPruned>(four.Events[1]).Rounds);
        Assert.Equal([4], afterFour.Find("exp-00000001")!.Checkpoints.Select(c => c.Round));

        var stale = CoordinatorDecisions.Decide(afterFour, new Command.CheckpointSaved("exp-00000001", 6, "g6", "d6", Continues: false, Retention: 3));
        Assert.DoesNotContain(stale.Events, e => e is ExperimentCompleted);
        var last = CoordinatorDecisions.Decide(afterFour, new Command.CheckpointSaved("exp-00000001", 6, "g6", "d6", Continues: true, Retention: 3));
        Assert.IsType<ExperimentCompleted>(last.Events[^1]);
        Assert.Empty(CoordinatorDecisions.Decide(afterFour, new Command.CheckpointSaved("exp-nothere", 6, "g", "d", true, 3)).Events);
    }

    [Fact]
    public void A_divergence_fails_the_experiment_naming_the_last_good_checkpoint_and_how_to_resume()
    {
        var state = Run(Running(), new Command.CheckpointSaved("exp-00000001", 2, "g", "d", true, 3)).State;

        var failed = Assert.IsType<ExperimentFailed>(Assert.Single(CoordinatorDecisions.Decide(state, new Command.RoundDiverged("exp-00000001", Metrics(3, double.NaN))).Events));

        Assert.True(failed.Diverged);
        Assert.Contains("diverged at round 3", failed.Reason);
        Assert.Contains("the last good checkpoint is round 2", failed.Reason);
        Assert.Contains("gancluster resume exp-00000001", failed.Reason);
    }

    [Fact]
    public void A_divergence_before_the_scheduled_checkpoint_is_journaled_names_that_checkpoint_not_none()
    {
        // Interval 2: the pair ran past round 4 only with both halves of round 4's checkpoint in hand; the store has
        // journaled round 2 so far.
        var state = Run(Running(), new Command.CheckpointSaved("exp-00000001", 2, "g", "d", true, 3)).State;
        var inFlight = Assert.IsType<ExperimentFailed>(Assert.Single(CoordinatorDecisions.Decide(state, new Command.RoundDiverged("exp-00000001", Metrics(5, double.NaN))).Events));
        Assert.Contains("the last good checkpoint is round 4 (still being stored", inFlight.Reason);

        var nothingJournaled = Assert.IsType<ExperimentFailed>(Assert.Single(CoordinatorDecisions.Decide(Running(), new Command.RoundDiverged("exp-00000001", Metrics(3, double.NaN))).Events));
        Assert.Contains("the last good checkpoint is round 2 (still being stored", nothingJournaled.Reason);

        var beforeAny = Assert.IsType<ExperimentFailed>(Assert.Single(CoordinatorDecisions.Decide(Running(), new Command.RoundDiverged("exp-00000001", Metrics(2, double.NaN))).Events));
        Assert.Contains("the last good checkpoint is round none", beforeAny.Reason);
    }

    [Fact]
    public void Store_and_worker_failures_pause_or_fail_the_experiment()
    {
        var paused = Assert.IsType<ExperimentPaused>(Assert.Single(CoordinatorDecisions.Decide(Running(), new Command.StoreFailed("exp-00000001", "load a checkpoint", "disk full")).Events));
        Assert.Equal("could not load a checkpoint: disk full", paused.Reason);
        var failed = Assert.IsType<ExperimentFailed>(Assert.Single(CoordinatorDecisions.Decide(Running(), new Command.WorkerFailed("exp-00000001", WorkerRole.Generator, 7, "out of memory", false)).Events));
        Assert.Equal("Generator at round 7: out of memory", failed.Reason);
    }

    [Fact]
    public void Wire_settings_must_match_exactly()
    {
        Assert.Null(CoordinatorDecisions.WireMismatch(SpecConfig.Wire, SpecConfig.Wire));
        Assert.Contains("maximum-frame-size", CoordinatorDecisions.WireMismatch(SpecConfig.Wire, SpecConfig.Wire with { MaximumFrameSize = 128000 }));
    }

    private static RoundMetrics Metrics(int round, double dLoss) => new(round, dLoss, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);

    [Fact]
    public void The_state_keeps_a_bounded_tail_of_each_history_and_a_run_resumed_before_that_tail_goes_on_from_its_start()
    {
        static RoundMetrics M(int round) => new(round, 1.2, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);
        var state = Running().Apply(new RoundsRecorded("exp-00000001", [.. Enumerable.Range(1, 1200).Select(M)]));
        state = state.Apply(new RoundsRecorded("exp-00000001", [.. Enumerable.Range(1201, 50).Select(M)]));
        var record = state.Find("exp-00000001")!;

        Assert.Equal(CoordinatorState.HistoryKept, record.History.Count);
        Assert.Equal(Enumerable.Range(1251 - CoordinatorState.HistoryKept, CoordinatorState.HistoryKept), record.History.Select(m => m.Round));
        Assert.Equal(1250, record.RoundsDone);

        // Resumed from an early checkpoint, before the kept tail: the history restarts there, without a gap or duplicate.
        state = state.Apply(new ExperimentAssigned("exp-00000001", "gen", "disc", 101));
        Assert.Empty(state.Find("exp-00000001")!.History);
        state = state.Apply(new RoundsRecorded("exp-00000001", [M(100), M(101), M(102), M(104)]));
        Assert.Equal([101, 102], state.Find("exp-00000001")!.History.Select(m => m.Round));
    }
}
