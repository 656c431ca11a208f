using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator.Sweeps;

/// <summary>
/// A sweep in the coordinator's pure rules: submitted as one journaled event, its children queued as experiments, cancelled
/// as a whole, and ASHA's stops decided at rung checkpoints; the new events and the state survive the journal's serializer.
/// </summary>
public sealed class SweepDecisionsTests : TestKit
{
    private const string SweepId = "swp-0000000a";
    private static readonly DateTimeOffset At = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Sha = new('a', 64);

    private static string Base(int rounds = 8, int interval = 2) => SpecJson.Serialize(SpecConfig.ToySpec(rounds, interval) with { Name = "ring" }, indented: false);

    private static Command.SubmitSweep Sweep(string algorithm = "grid", string space = """{"parameters": {"k": [1, 2]}}""", int seeds = 1, string? key = null, string id = SweepId) =>
        new(Base(), space, "loss/g", "min", algorithm, seeds, null, 2, 5, id, At, key);

    private static (CoordinatorState State, Decision Decision) Run(CoordinatorState state, Command command)
    {
        var decision = CoordinatorDecisions.Decide(state, command);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    private static RoundMetrics Round(int round, double gLoss) => new(round, 1.0, gLoss, 0.5, 0.5, 1, 1, 1, 1, 4, 100);

    /// <summary>Child <paramref name="id"/> ran rounds 1..<paramref name="to"/> with loss/g <paramref name="gLoss"/>.</summary>
    private static CoordinatorState Ran(CoordinatorState state, string id, int to, double gLoss)
    {
        state = Run(state, new Command.RunStarted(id, "gen", "disc", 1)).State;
        return state.Apply(new RoundsRecorded(id, Enumerable.Range(1, to).Select(r => Round(r, gLoss)).ToList()));
    }

    private static Decision Checkpoint(CoordinatorState state, string id, int round) =>
        CoordinatorDecisions.Decide(state, new Command.CheckpointSaved(id, round, Sha, Sha, Continues: true, Retention: 3));

    [Fact]
    public void A_run_waits_for_the_journal_only_at_the_rounds_its_sweep_decides_at()
    {
        // ASHA (8 rounds, checkpoints every 2, eta 2): its rungs; grid: nowhere; PBT (ready every 2): every ready round.
        var asha = Run(CoordinatorState.Empty, Sweep("asha")).State;
        var rungs = asha.FindSweep(SweepId)!.Rungs;
        Assert.NotEmpty(rungs);
        var ashaChild = SweepDecisions.DecidedAt(asha, "swp-0000000a-01");
        Assert.Equal(rungs, Enumerable.Range(1, 8).Where(ashaChild));

        var grid = Run(CoordinatorState.Empty, Sweep("grid")).State;
        var gridChild = SweepDecisions.DecidedAt(grid, "swp-0000000a-01");
        var outside = SweepDecisions.DecidedAt(grid, "exp-00000001");
        Assert.All(Enumerable.Range(1, 8), round => Assert.False(gridChild(round) || outside(round)));

        var pbt = Run(CoordinatorState.Empty, new Command.SubmitSweep(Base(), """{"parameters": {"generatorOptimizer.learningRate": [0.001, 0.002]}}""", "loss/g", "min", "pbt", 1, null, 2, 5, SweepId, At, null,
            new PbtOptions(4, 0.25, 0.8, 1.2, 0))).State;
        Assert.Equal([4, 8], Enumerable.Range(1, 8).Where(SweepDecisions.DecidedAt(pbt, "swp-0000000a-01")));
    }

    [Fact]
    public void A_sweep_is_journaled_as_one_event_that_queues_every_child_with_its_sweep()
    {
        var (state, decision) = Run(CoordinatorState.Empty, Sweep(seeds: 2));

        var accepted = Assert.IsType<SweepAccepted>(decision.Reply);
        var submitted = Assert.IsType<SweepSubmitted>(Assert.Single(decision.Events));
        Assert.Equal(["swp-0000000a-01", "swp-0000000a-02", "swp-0000000a-03", "swp-0000000a-04"], accepted.Children.Select(c => c.Value));
        Assert.Equal(accepted.Children.Select(c => c.Value), submitted.Children.Select(c => c.Id));
        Assert.Equal(accepted.Children.Select(c => c.Value), CoordinatorDecisions.Queue(state));
        Assert.All(accepted.Children, c => Assert.Equal((SweepId, 5, ExperimentState.Queued), (state.Find(c.Value)!.SweepId, state.Find(c.Value)!.Priority, state.Find(c.Value)!.State)));
        Assert.Equal([1, 2], accepted.Children.Select(c => SpecJson.Parse(state.Find(c.Value)!.SpecJson).K).Distinct());
        Assert.Equal(4, state.NextSequence);
        Assert.Equal(SweepAlgorithm.Grid, state.FindSweep(SweepId)!.Algorithm);
    }

    [Fact]
    public void A_retried_sweep_with_its_key_gets_the_first_answer_and_queues_nothing()
    {
        var (state, first) = Run(CoordinatorState.Empty, Sweep(key: "sweep-1"));

        var again = CoordinatorDecisions.Decide(state, Sweep(key: "sweep-1", id: "swp-0000000b"));
        var other = CoordinatorDecisions.Decide(state, Sweep(key: "sweep-1", id: "swp-0000000b", seeds: 2));

        Assert.Equal(first.Reply, again.Reply);
        Assert.Empty(again.Events);
        Assert.Equal("key", Assert.IsType<ExperimentRejected>(other.Reply).Field);
        Assert.Empty(other.Events);
    }

    [Fact]
    public void A_bad_space_is_rejected_naming_the_field_and_journals_nothing()
    {
        var decision = CoordinatorDecisions.Decide(CoordinatorState.Empty, Sweep(space: """{"parameters": {"kk": [1]}}"""));

        Assert.Equal("space.parameters.kk", Assert.IsType<ExperimentRejected>(decision.Reply).Field);
        Assert.Empty(decision.Events);
        Assert.Equal("--algorithm", Assert.IsType<ExperimentRejected>(CoordinatorDecisions.Decide(CoordinatorState.Empty, Sweep(algorithm: "hyperband")).Reply).Field);
    }

    [Fact]
    public void Cancelling_a_sweep_cancels_its_unfinished_children_only()
    {
        var state = Run(CoordinatorState.Empty, Sweep(space: """{"parameters": {"k": [1, 2, 3]}}""")).State;
        state = Ran(state, "swp-0000000a-02", 2, 0.7);
        state = Run(state, new Command.Cancel("swp-0000000a-01")).State;

        var (after, decision) = Run(state, new Command.CancelSweep(SweepId));

        Assert.Equal(new SweepCancelAccepted(new SweepId(SweepId), 2), decision.Reply);
        Assert.Equal(["swp-0000000a-02", "swp-0000000a-03"], decision.Events.Select(e => Assert.IsType<ExperimentCancelled>(e).Id));
        Assert.Equal(["swp-0000000a-02", "swp-0000000a-03"], decision.Events.Select(CoordinatorDecisions.EndsRun));
        Assert.All(new[] { "swp-0000000a-01", "swp-0000000a-02", "swp-0000000a-03" }, id => Assert.Equal(ExperimentState.Cancelled, after.Find(id)!.State));
        Assert.IsType<UnknownSweep>(CoordinatorDecisions.Decide(state, new Command.CancelSweep("swp-0000000f")).Reply);
    }

    [Fact]
    public void At_a_rung_checkpoint_asha_journals_the_metric_and_stops_the_worse_child_which_ends_its_run()
    {
        // Rounds 8, checkpoints every 2, eta 2: rungs at rounds 2 and 4.
        var state = Run(CoordinatorState.Empty, Sweep(algorithm: "asha")).State;
        Assert.Equal([2, 4], state.FindSweep(SweepId)!.Rungs);
        state = Ran(Ran(state, "swp-0000000a-01", 2, 0.4), "swp-0000000a-02", 2, 0.9);

        var (afterFirst, first) = Run(state, new Command.CheckpointSaved("swp-0000000a-01", 2, Sha, Sha, true, 3));
        Assert.Equal([typeof(CheckpointStored), typeof(RungReached)], first.Events.Select(e => e.GetType()));
        Assert.Equal(new RungReached("swp-0000000a-01", SweepId, 1, 2, 0.4), first.Events[1]);

        var (afterSecond, second) = Run(afterFirst, new Command.CheckpointSaved("swp-0000000a-02", 2, Sha, Sha, true, 3));
        var stopped = Assert.IsType<ExperimentStoppedEarly>(second.Events[^1]);
        Assert.Equal("swp-0000000a-02", CoordinatorDecisions.EndsRun(stopped));
        Assert.StartsWith("stopped by ASHA at rung 1 (round 2)", stopped.Reason);
        var record = afterSecond.Find("swp-0000000a-02")!;
        Assert.Equal((ExperimentState.Completed, stopped.Reason), (record.State, record.Reason));
        Assert.Equal(ExperimentState.Running, afterSecond.Find("swp-0000000a-01")!.State);
        Assert.Equal(2, afterSecond.FindSweep(SweepId)!.Reports.Count);
    }

    [Fact]
    public void A_child_stopped_by_asha_can_be_resumed_to_its_total_rounds_and_is_not_judged_again_at_that_rung()
    {
        var state = Run(CoordinatorState.Empty, Sweep(algorithm: "asha")).State;
        state = Ran(Ran(state, "swp-0000000a-01", 2, 0.4), "swp-0000000a-02", 2, 0.9);
        state = Run(state, new Command.CheckpointSaved("swp-0000000a-01", 2, Sha, Sha, true, 3)).State;
        state = Run(state, new Command.CheckpointSaved("swp-0000000a-02", 2, Sha, Sha, true, 3)).State;
        Assert.Equal(ExperimentState.Completed, state.Find("swp-0000000a-02")!.State);

        var (resumed, decision) = Run(state, new Command.Resume("swp-0000000a-02", null, null, null));

        Assert.IsType<ExperimentAccepted>(decision.Reply);
        Assert.Equal((ExperimentState.Queued, 8), (resumed.Find("swp-0000000a-02")!.State, resumed.Find("swp-0000000a-02")!.RoundsTotal));
        resumed = resumed.Apply(new ExperimentAssigned("swp-0000000a-02", "gen", "disc", 3));
        Assert.Equal([typeof(CheckpointStored)], Checkpoint(resumed, "swp-0000000a-02", 2).Events.Select(e => e.GetType()));
        // A normally completed experiment still needs more rounds to be resumed.
        var completed = Run(Ran(CoordinatorState.Empty.Apply(new ExperimentSubmitted("exp-0000000c", Base(), "ring", 0, 8, At)), "exp-0000000c", 8, 0.5),
            new Command.CheckpointSaved("exp-0000000c", 8, Sha, Sha, true, 3)).State;
        Assert.Equal("rounds", Assert.IsType<ExperimentRejected>(CoordinatorDecisions.Decide(completed, new Command.Resume("exp-0000000c", null, null, null)).Reply).Field);
    }

    [Fact]
    public void With_an_evaluation_figure_an_asha_child_waits_paused_at_its_rung_and_the_evaluation_decides()
    {
        // Three children (k 1, 2, 3), rungs at rounds 2 and 4 (eta 2), ranked by a figure of the checkpoint's evaluation.
        var state = Run(CoordinatorState.Empty, Sweep("asha", """{"parameters": {"k": [1, 2, 3]}}""") with { Metric = "modes.highQualityFraction", Mode = "max" }).State;
        foreach (var child in new[] { "swp-0000000a-01", "swp-0000000a-02", "swp-0000000a-03" })
        {
            state = Ran(state, child, 2, 0.5);
        }

        var (waiting, saved) = Run(state, new Command.CheckpointSaved("swp-0000000a-01", 2, Sha, Sha, true, 3));

        // The run ends at the rung and the child waits for the figure, paused and off the queue; its pair is free.
        Assert.Equal([typeof(CheckpointStored), typeof(SweepFigureAwaited)], saved.Events.Select(e => e.GetType()));
        Assert.Equal("swp-0000000a-01", CoordinatorDecisions.EndsRun(saved.Events[1]));
        var paused = waiting.Find("swp-0000000a-01")!;
        Assert.Equal((ExperimentState.Paused, (int?)2, false), (paused.State, paused.WaitingForFigure, paused.IsRunnable));
        Assert.Contains("waits for the evaluation of its round 2 checkpoint (modes.highQualityFraction)", paused.Reason);
        Assert.DoesNotContain("swp-0000000a-01", CoordinatorDecisions.Queue(waiting));
        // Another round's evaluation (an ordinary one, or a late one) decides nothing.
        Assert.Empty(CoordinatorDecisions.Decide(waiting, new Command.CheckpointEvaluated("swp-0000000a-01", 4, 0.9, null)).Events);
        Assert.Empty(CoordinatorDecisions.Decide(waiting, new Command.CheckpointEvaluated("swp-0000000a-02", 2, 0.9, null)).Events);

        // Its figure: the first child at a rung goes on, queued again from its checkpoint.
        var (first, kept) = Run(waiting, new Command.CheckpointEvaluated("swp-0000000a-01", 2, 0.9, null));
        Assert.Equal([new RungReached("swp-0000000a-01", SweepId, 1, 2, 0.9)], kept.Events);
        Assert.Equal((ExperimentState.Queued, (int?)null, true), (first.Find("swp-0000000a-01")!.State, first.Find("swp-0000000a-01")!.WaitingForFigure, first.Find("swp-0000000a-01")!.IsRunnable));
        Assert.Empty(CoordinatorDecisions.Decide(first, new Command.CheckpointEvaluated("swp-0000000a-01", 2, 0.9, null)).Events);

        // A worse figure is stopped (the top 1 of 2 goes on); a failed evaluation ranks last and is stopped with its cause.
        var second = Run(first, new Command.CheckpointSaved("swp-0000000a-02", 2, Sha, Sha, true, 3)).State;
        var (afterSecond, worse) = Run(second, new Command.CheckpointEvaluated("swp-0000000a-02", 2, 0.4, null));
        var stopped = Assert.IsType<ExperimentStoppedEarly>(worse.Events[^1]);
        Assert.StartsWith("stopped by ASHA at rung 1 (round 2): modes.highQualityFraction 0.4 ranks 2 of 2", stopped.Reason);
        Assert.Equal(ExperimentState.Completed, afterSecond.Find("swp-0000000a-02")!.State);

        var third = Run(afterSecond, new Command.CheckpointSaved("swp-0000000a-03", 2, Sha, Sha, true, 3)).State;
        var failed = CoordinatorDecisions.Decide(third, new Command.CheckpointEvaluated("swp-0000000a-03", 2, null, "the generator half of round 2 is not in the checkpoint store"));
        Assert.True(double.IsNaN(Assert.IsType<RungReached>(failed.Events[0]).Value));
        Assert.Contains("modes.highQualityFraction unknown (the generator half of round 2 is not in the checkpoint store) ranks 3 of 3", Assert.IsType<ExperimentStoppedEarly>(failed.Events[1]).Reason);
    }

    [Fact]
    public void A_child_waiting_for_a_figure_that_is_cancelled_and_resumed_goes_on_without_the_decision()
    {
        var state = Run(CoordinatorState.Empty, Sweep("asha") with { Metric = "modes.modesCaptured", Mode = "max" }).State;
        state = Run(Ran(state, "swp-0000000a-01", 2, 0.5), new Command.CheckpointSaved("swp-0000000a-01", 2, Sha, Sha, true, 3)).State;
        state = Run(state, new Command.Cancel("swp-0000000a-01")).State;
        Assert.Empty(CoordinatorDecisions.Decide(state, new Command.CheckpointEvaluated("swp-0000000a-01", 2, 20, null)).Events);

        var resumed = Run(state, new Command.ResumeSweep(SweepId)).State.Find("swp-0000000a-01")!;

        Assert.Equal((ExperimentState.Queued, (int?)null, true), (resumed.State, resumed.WaitingForFigure, resumed.IsRunnable));
    }

    [Fact]
    public void Asha_does_nothing_off_a_rung_on_a_second_save_of_a_rung_or_for_a_grid()
    {
        var asha = Ran(Run(CoordinatorState.Empty, Sweep(algorithm: "asha")).State, "swp-0000000a-01", 6, 0.4);
        var reported = Run(asha, new Command.CheckpointSaved("swp-0000000a-01", 2, Sha, Sha, true, 3)).State;
        var grid = Ran(Run(CoordinatorState.Empty, Sweep()).State, "swp-0000000a-01", 2, 0.4);

        Assert.Equal([typeof(CheckpointStored)], Checkpoint(asha, "swp-0000000a-01", 6).Events.Select(e => e.GetType()));
        Assert.Equal([typeof(CheckpointStored)], Checkpoint(reported, "swp-0000000a-01", 2).Events.Select(e => e.GetType()));
        Assert.Equal([typeof(CheckpointStored)], Checkpoint(grid, "swp-0000000a-01", 2).Events.Select(e => e.GetType()));
    }

    [Fact]
    public void Sweep_status_lists_the_children_with_the_round_metric_averaged_over_the_last_rounds()
    {
        var state = Ran(Run(CoordinatorState.Empty, Sweep()).State, "swp-0000000a-02", 2, 0.6);
        var pending = new Dictionary<string, IReadOnlyList<RoundMetrics>> { ["swp-0000000a-02"] = [Round(3, 0.9)] };

        var status = Assert.IsType<SweepStatusReply>(CoordinatorQueries.Answer(state, id => pending.GetValueOrDefault(id, []), new GetSweepStatus(new SweepId(SweepId))));

        Assert.Equal(("ring", "loss/g", "min", "grid"), (status.Name, status.Metric, status.Mode, status.Algorithm));
        Assert.Equal([(1, ExperimentState.Queued, (double?)null, (int?)null), (2, ExperimentState.Running, 0.7, 3)],
            status.Children.Select(c => (c.Config, c.State, c.Metric is { } m ? Math.Round(m, 9) : (double?)null, c.MetricRound)));
        Assert.IsType<UnknownSweep>(CoordinatorQueries.Answer(state, _ => [], new GetSweepStatus(new SweepId("swp-0000000f"))));
    }

    [Fact]
    public void Sweep_curves_give_each_child_the_ranked_round_metric_at_every_kept_round()
    {
        var state = Run(CoordinatorState.Empty, Sweep()).State;
        state = Run(state, new Command.RunStarted("swp-0000000a-02", "gen", "disc", 1)).State;
        state = state.Apply(new RoundsRecorded("swp-0000000a-02", Enumerable.Range(1, 12).Select(r => Round(r, r)).ToList()));

        var curves = Assert.IsType<SweepCurvesReply>(CoordinatorQueries.Answer(state, _ => [], new GetSweepCurves(new SweepId(SweepId))));

        Assert.Empty(curves.Curves[0].Rounds);
        Assert.Equal(Enumerable.Range(1, 12), curves.Curves[1].Rounds);
        // Round r's value is the mean of loss/g over rounds max(1, r-9)..r, as the ranking computes it.
        Assert.Equal(Enumerable.Range(1, 12).Select(r => Enumerable.Range(Math.Max(1, r - 9), Math.Min(r, 10)).Average()), curves.Curves[1].Values);
        Assert.Equal(SweepDecisions.RoundMetric(state.Find("swp-0000000a-02")!.History, "loss/g", 12), curves.Curves[1].Values[^1]);
        var figure = Run(CoordinatorState.Empty, Sweep() with { Metric = "modes.modesCaptured", Mode = "max" }).State;
        Assert.Equal("--plot", Assert.IsType<ExperimentRejected>(CoordinatorQueries.Answer(figure, _ => [], new GetSweepCurves(new SweepId(SweepId)))).Field);
    }

    [Fact]
    public void The_sweep_events_and_a_state_with_a_sweep_survive_the_journal_serializer()
    {
        var serializer = new CoordinatorEventSerializer((ExtendedActorSystem)Sys);
        var state = Run(CoordinatorState.Empty, Sweep(algorithm: "asha")).State;
        state = Ran(state, "swp-0000000a-01", 2, 0.4);
        var (after, decision) = Run(state, new Command.CheckpointSaved("swp-0000000a-01", 2, Sha, Sha, true, 3));
        var submitted = Run(CoordinatorState.Empty, Sweep(algorithm: "asha")).Decision.Events.Single();
        var stopped = new ExperimentStoppedEarly("swp-0000000a-02", "stopped by ASHA at rung 1 (round 2)");

        Assert.Equal(("sweep", "rung", "stopped-early"), (serializer.Manifest(submitted), serializer.Manifest(decision.Events[1]), serializer.Manifest(stopped)));
        var submittedBack = Assert.IsType<SweepSubmitted>(serializer.FromBinary(serializer.ToBinary(submitted), "sweep"));
        Assert.Equal(serializer.ToBinary(submitted), serializer.ToBinary(submittedBack));
        Assert.Equal(decision.Events[1], serializer.FromBinary(serializer.ToBinary(decision.Events[1]), "rung"));
        Assert.Equal(stopped, serializer.FromBinary(serializer.ToBinary(stopped), "stopped-early"));
        // Replaying the journal gives the same state as applying the events when they were decided.
        var replayed = CoordinatorState.Empty.Apply(submittedBack);
        Assert.Equal(state.Find("swp-0000000a-02")!.SpecJson, replayed.Find("swp-0000000a-02")!.SpecJson);
        Assert.Equal(state.FindSweep(SweepId)!.Children, replayed.FindSweep(SweepId)!.Children);

        var snapshot = (CoordinatorState)serializer.FromBinary(serializer.ToBinary(after), "state");
        Assert.Equal(after.FindSweep(SweepId)!.Reports, snapshot.FindSweep(SweepId)!.Reports);

        // A child waiting for its figure, and a report whose evaluation failed (NaN), in events and in a snapshot.
        var awaited = new SweepFigureAwaited("swp-0000000a-02", SweepId, 2);
        var unknown = new RungReached("swp-0000000a-02", SweepId, 1, 2, double.NaN);
        Assert.Equal("figure-awaited", serializer.Manifest(awaited));
        Assert.Equal(awaited, serializer.FromBinary(serializer.ToBinary(awaited), "figure-awaited"));
        Assert.True(double.IsNaN(Assert.IsType<RungReached>(serializer.FromBinary(serializer.ToBinary(unknown), "rung")).Value));
        var waiting = after.Apply(awaited);
        var waitingBack = (CoordinatorState)serializer.FromBinary(serializer.ToBinary(waiting.Apply(unknown)), "state");
        Assert.True(double.IsNaN(waitingBack.FindSweep(SweepId)!.Reports[^1].Value));
        Assert.Equal(2, ((CoordinatorState)serializer.FromBinary(serializer.ToBinary(waiting), "state")).Find("swp-0000000a-02")!.WaitingForFigure);
        Assert.Equal(after.FindSweep(SweepId)!.Rungs, snapshot.FindSweep(SweepId)!.Rungs);
        Assert.Equal((SweepMode.Min, SweepAlgorithm.Asha, 2), (snapshot.FindSweep(SweepId)!.Mode, snapshot.FindSweep(SweepId)!.Algorithm, snapshot.FindSweep(SweepId)!.Eta));
        Assert.Equal(SweepId, snapshot.Find("swp-0000000a-01")!.SweepId);

        // A snapshot written before sweeps existed has none.
        var old = Encoding.UTF8.GetString(serializer.ToBinary(CoordinatorState.Empty)).Replace("\"sweeps\":", "\"unused\":", StringComparison.Ordinal);
        Assert.Empty(((CoordinatorState)serializer.FromBinary(Encoding.UTF8.GetBytes(old), "state")).Sweeps);
    }
}
