using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator.Sweeps;

/// <summary>
/// Population-based training: the pure rule (<see cref="Pbt"/>: ranking, quantiles, ties, seeded exploration) on constructed
/// metrics, and the coordinator's generations (<see cref="PbtDecisions"/>): members park at ready checkpoints, the generation
/// is decided once every living member is ready, exploiters copy their source's checkpoint, sources are not pruned meanwhile,
/// and the new events and the state survive the journal's serializer.
/// </summary>
public sealed class PbtTests : TestKit
{
    private const string SweepId = "swp-000000b1";
    private const string Lr = "generatorOptimizer.learningRate";
    private const string Space = """{"seed": 5, "parameters": {"generatorOptimizer.learningRate": [0.001, 0.002, 0.003, 0.004]}}""";
    private static readonly DateTimeOffset At = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string Member(int i) => $"{SweepId}-0{i}";

    private static string ShaOf(string id, int round, char role) => Hashing.Sha256Hex(Encoding.UTF8.GetBytes($"{id}/{round}/{role}"));

    private static PbtSettings Settings(double quantile = 0.25, double resample = 0, int seed = 5) => new(2, quantile, 0.8, 1.2, resample, seed, Space);

    private static PbtMember M(string id, double? value, double lr = 0.002) => new(id, value, new Dictionary<string, double> { [Lr] = lr });

    private static Command.SubmitSweep Sweep(PbtOptions? pbt = null, string space = Space, string metric = "loss/g") =>
        new(SpecJson.Serialize(SpecConfig.ToySpec(8, 2) with { Name = "ring" }, indented: false), space, metric, "min", "pbt", 1, null, 3, 0, SweepId, At, null,
            pbt ?? new PbtOptions(2, 0.25, 0.8, 1.2, 0));

    private static (CoordinatorState State, Decision Decision) Run(CoordinatorState state, Command command)
    {
        var decision = CoordinatorDecisions.Decide(state, command);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    private static RoundMetrics Round(int round, double gLoss) => new(round, 1.0, gLoss, 0.5, 0.5, 1, 1, 1, 1, 4, 100);

    /// <summary>Member <paramref name="i"/> runs rounds <paramref name="from"/>..<paramref name="to"/> with loss/g <paramref name="gLoss"/> and stores the checkpoint of <paramref name="to"/>.</summary>
    private static (CoordinatorState State, Decision Decision) Reach(CoordinatorState state, int i, int from, int to, double gLoss, int retention = 3)
    {
        var id = Member(i);
        state = Run(state, new Command.RunStarted(id, "gen", "disc", from, state.Find(id)!.ExploitFrom)).State;
        state = state.Apply(new RoundsRecorded(id, Enumerable.Range(from, to - from + 1).Select(r => Round(r, gLoss)).ToList()));
        return Run(state, new Command.CheckpointSaved(id, to, ShaOf(id, to, 'g'), ShaOf(id, to, 'd'), Continues: true, Retention: retention));
    }

    /// <summary>Every member at generation 1 with loss/g 0.3, 0.9, 0.5, 0.1 (min: member 4 best, member 2 worst).</summary>
    private static (CoordinatorState State, Decision Last) Generation1()
    {
        var state = Run(CoordinatorState.Empty, Sweep()).State;
        Decision last = Decision.Nothing;
        foreach (var (i, loss) in new[] { (1, 0.3), (2, 0.9), (3, 0.5), (4, 0.1) })
        {
            (state, last) = Reach(state, i, 1, 2, loss);
        }

        return (state, last);
    }

    [Fact]
    public void The_worst_quarter_exploits_the_best_quarter_and_perturbs_its_learning_rate_by_a_factor()
    {
        var members = new[] { M("a", 0.3, 0.001), M("b", 0.9, 0.002), M("c", 0.5, 0.003), M("d", 0.1, 0.0025) };

        var choices = Pbt.Decide(members, SweepMode.Min, Settings(), SearchSpace.Parse(Space), generation: 1);

        Assert.Equal(["d", "a", "c", "b"], Pbt.Rank(members, SweepMode.Min).Select(m => m.Id));
        Assert.Equal([null, "d", null, null], choices.Select(c => c.Source));
        Assert.Contains(choices[1].Hyperparameters[Lr], new[] { 0.0025 * 0.8, 0.0025 * 1.2 });
        Assert.Equal([0.001, 0.003, 0.0025], new[] { choices[0], choices[2], choices[3] }.Select(c => c.Hyperparameters[Lr]));
        // Max mode turns the ranking around: b (0.9) is the best and d (0.1) exploits it.
        Assert.Equal([null, null, null, "b"], Pbt.Decide(members, SweepMode.Max, Settings(), SearchSpace.Parse(Space), 1).Select(c => c.Source));
    }

    [Fact]
    public void The_quantile_sets_how_many_exploit_rounded_up_and_never_more_than_half()
    {
        var eight = Enumerable.Range(1, 8).Select(i => M($"m{i}", i / 10.0)).ToList();

        var choices = Pbt.Decide(eight, SweepMode.Min, Settings(), SearchSpace.Parse(Space), 1);

        Assert.Equal(["m7", "m8"], choices.Where(c => c.Source is not null).Select(c => c.Member));
        Assert.All(choices.Where(c => c.Source is not null), c => Assert.Contains(c.Source, new[] { "m1", "m2" }));
        Assert.Equal(["m3"], Pbt.Decide(eight.Take(3).ToList(), SweepMode.Min, Settings(), SearchSpace.Parse(Space), 1).Where(c => c.Source is not null).Select(c => c.Member));
        Assert.Equal(["m1"], Pbt.Decide(eight.Take(3).ToList(), SweepMode.Max, Settings(), SearchSpace.Parse(Space), 1).Where(c => c.Source is not null).Select(c => c.Member));
        Assert.Equal((0, 1, 1, 2, 3), (Pbt.Cut(1, 0.25), Pbt.Cut(2, 0.25), Pbt.Cut(4, 0.25), Pbt.Cut(5, 0.25), Pbt.Cut(6, 0.5)));
        Assert.Equal(4, Pbt.Decide(eight, SweepMode.Min, Settings(quantile: 0.5), SearchSpace.Parse(Space), 1).Count(c => c.Source is not null));
    }

    [Fact]
    public void Ties_rank_by_member_order_and_unknown_or_non_finite_metrics_rank_last()
    {
        var members = new[] { M("a", null), M("b", 0.5), M("c", double.NaN), M("d", 0.5), M("e", 0.2) };

        Assert.Equal(["e", "b", "d", "a", "c"], Pbt.Rank(members, SweepMode.Min).Select(m => m.Id));
        Assert.Equal(["b", "d", "e", "a", "c"], Pbt.Rank(members, SweepMode.Max).Select(m => m.Id));
    }

    [Fact]
    public void Exploration_is_the_same_for_the_same_seed_and_generation_and_stays_within_the_space()
    {
        var members = Enumerable.Range(1, 8).Select(i => M($"m{i}", i / 10.0, 0.001 * (1 + (i % 4)))).ToList();
        var space = SearchSpace.Parse(Space);

        string Choices(int seed, int generation, double resample) => string.Join(";", Pbt.Decide(members, SweepMode.Min, Settings(resample: resample, seed: seed), space, generation)
            .Select(c => $"{c.Member}<{c.Source}:{c.Hyperparameters[Lr]:R}"));

        Assert.Equal(Choices(5, 2, 0.5), Choices(5, 2, 0.5));
        Assert.NotEqual(Choices(5, 2, 0.5), string.Join("|", Enumerable.Range(1, 20).Select(seed => Choices(seed, 2, 0.5))));
        var drawn = Enumerable.Range(1, 50).SelectMany(g => Pbt.Decide(members, SweepMode.Min, Settings(resample: 1), space, g)).Where(c => c.Source is not null)
            .Select(c => c.Hyperparameters[Lr]).ToList();
        Assert.All(drawn, lr => Assert.Contains(lr, new[] { 0.001, 0.002, 0.003, 0.004 }));
        // x1.2 of the largest value is clamped to the space's maximum.
        Assert.Equal(0.004, Pbt.Explore(space.Parameters[0], 0.004, Settings() with { PerturbDown = 1.2 }, new Random(1)));
    }

    [Fact]
    public void A_member_at_a_ready_checkpoint_parks_and_the_generation_is_decided_when_every_member_is_ready()
    {
        var state = Run(CoordinatorState.Empty, Sweep()).State;
        (state, var first) = Reach(state, 1, 1, 2, 0.3);

        Assert.Equal([typeof(CheckpointStored), typeof(PbtMemberReady)], first.Events.Select(e => e.GetType()));
        Assert.Equal(new PbtMemberReady(Member(1), SweepId, 1, 2, 0.3), first.Events[1]);
        Assert.Equal(Member(1), CoordinatorDecisions.EndsRun(first.Events[1]));
        Assert.Equal((ExperimentState.Paused, (int?)1), (state.Find(Member(1))!.State, state.Find(Member(1))!.WaitingForGeneration));
        Assert.DoesNotContain(Member(1), CoordinatorDecisions.Queue(state));

        var (decided, last) = Generation1();

        var generation = Assert.IsType<PbtGenerationDecided>(last.Events[^1]);
        Assert.Equal((1, 2), (generation.Generation, generation.Round));
        var exploit = Assert.Single(generation.Steps, s => s.Source is not null);
        Assert.Equal((Member(2), Member(4), ShaOf(Member(4), 2, 'g'), ShaOf(Member(4), 2, 'd')), (exploit.Member, exploit.Source, exploit.SourceGeneratorSha256, exploit.SourceDiscriminatorSha256));
        var lr = SpecJson.Parse(exploit.SpecJson).GeneratorOptimizer.LearningRate;
        Assert.Contains(lr, new[] { 0.004 * 0.8, 0.004 });
        Assert.Equal($"{Lr}={lr:R}", exploit.Hyperparameters);
        Assert.Equal(Enumerable.Range(1, 4).Select(Member), CoordinatorDecisions.Queue(decided));
        Assert.Equal(new CheckpointSource(Member(4), 2, ShaOf(Member(4), 2, 'g'), ShaOf(Member(4), 2, 'd')), decided.Find(Member(2))!.ExploitFrom);
        Assert.All(new[] { 1, 3, 4 }, i => Assert.Null(decided.Find(Member(i))!.ExploitFrom));
    }

    [Fact]
    public void With_an_evaluation_figure_members_wait_for_their_checkpoints_figures_and_the_generation_ranks_by_them()
    {
        var state = Run(CoordinatorState.Empty, Sweep(metric: "modes.highQualityFraction")).State;
        foreach (var i in new[] { 1, 2, 3, 4 })
        {
            var (after, saved) = Reach(state, i, 1, 2, gLoss: 0.5);
            Assert.Equal([typeof(CheckpointStored), typeof(SweepFigureAwaited)], saved.Events.Select(e => e.GetType()));
            Assert.Equal(Member(i), CoordinatorDecisions.EndsRun(saved.Events[1]));
            state = after;
        }

        Assert.Empty(CoordinatorDecisions.Queue(state));
        // Figures arrive in any order; the generation waits for the last one. Mode min: member 3 (0.1) is the best, 1 (0.9) the worst.
        foreach (var (i, figure) in new[] { (2, 0.5), (4, 0.6), (1, 0.9) })
        {
            var (after, ready) = Run(state, new Command.CheckpointEvaluated(Member(i), 2, figure, null));
            Assert.Equal([new PbtMemberReady(Member(i), SweepId, 1, 2, figure)], ready.Events);
            state = after;
        }

        var (decided, last) = Run(state, new Command.CheckpointEvaluated(Member(3), 2, 0.1, null));

        var generation = Assert.IsType<PbtGenerationDecided>(last.Events[^1]);
        var exploit = Assert.Single(generation.Steps, s => s.Source is not null);
        Assert.Equal((Member(1), Member(3), 0.9), (exploit.Member, exploit.Source, exploit.Value));
        Assert.Equal(Enumerable.Range(1, 4).Select(Member), CoordinatorDecisions.Queue(decided));
    }

    [Fact]
    public void An_exploiter_whose_run_copied_the_checkpoint_records_the_sources_halves_as_its_own()
    {
        var state = Generation1().State;
        var source = state.Find(Member(2))!.ExploitFrom!;

        var (after, started) = Run(state, new Command.RunStarted(Member(2), "gen", "disc", 3, source));

        Assert.Equal([typeof(CheckpointCopied), typeof(ExperimentAssigned)], started.Events.Select(e => e.GetType()));
        var record = after.Find(Member(2))!;
        Assert.Null(record.ExploitFrom);
        Assert.Equal(new CheckpointRef(2, ShaOf(Member(4), 2, 'g'), ShaOf(Member(4), 2, 'd')), record.Checkpoints[^1]);
        Assert.Equal(ExperimentState.Running, record.State);
    }

    [Fact]
    public void A_source_checkpoint_is_not_pruned_before_its_exploiter_copied_it()
    {
        var state = Generation1().State;
        // Member 4 (the source) goes on with a retention of one checkpoint; member 2 has not started yet.
        (state, var saved4) = Reach(state, 4, 3, 4, 0.1, retention: 1);
        Assert.Empty(saved4.Events.OfType<CheckpointsPruned>());
        (state, _) = Reach(state, 2, 3, 4, 0.5, retention: 1);
        (_, var saved6) = Reach(state, 4, 5, 6, 0.1, retention: 1);

        // The exploiter copied round 2 (its RunStarted above), so the source's round 2 may go now.
        Assert.Equal([2, 4], saved6.Events.OfType<CheckpointsPruned>().Single().Rounds);
    }

    [Fact]
    public void A_coordinator_restart_mid_generation_keeps_the_ready_members_waiting_and_decides_the_generation_once()
    {
        var state = Run(CoordinatorState.Empty, Sweep()).State;
        foreach (var (i, loss) in new[] { (1, 0.3), (2, 0.9), (3, 0.5) })
        {
            state = Reach(state, i, 1, 2, loss).State;
        }

        state = Run(state, new Command.RunStarted(Member(4), "gen", "disc", 1)).State;

        var restarted = state.Apply(new CoordinatorStarted(2, At));

        Assert.Equal([Member(4)], CoordinatorDecisions.Queue(restarted));
        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal((int?)1, restarted.Find(Member(i))!.WaitingForGeneration));
        var (after, last) = Reach(restarted, 4, 1, 2, 0.1);
        Assert.Single(last.Events.OfType<PbtGenerationDecided>());
        Assert.Equal(Enumerable.Range(1, 4).Select(Member), CoordinatorDecisions.Queue(after));
        // A second save of the ready checkpoint (a retried store) reports nothing twice.
        Assert.Equal([typeof(CheckpointStored)], CoordinatorDecisions.Decide(after, new Command.CheckpointSaved(Member(4), 2, ShaOf(Member(4), 2, 'g'), ShaOf(Member(4), 2, 'd'), true, 3)).Events.Select(e => e.GetType()));
    }

    [Fact]
    public void A_member_that_ends_while_the_others_wait_is_not_waited_for()
    {
        var state = Run(CoordinatorState.Empty, Sweep()).State;
        foreach (var (i, loss) in new[] { (1, 0.3), (2, 0.9), (3, 0.5) })
        {
            state = Reach(state, i, 1, 2, loss).State;
        }

        var (after, cancelled) = Run(state, new Command.Cancel(Member(4)));

        var generation = Assert.IsType<PbtGenerationDecided>(cancelled.Events[^1]);
        Assert.Equal([Member(1), Member(2), Member(3)], generation.Steps.Select(s => s.Member));
        Assert.Equal([Member(1), Member(2), Member(3)], CoordinatorDecisions.Queue(after));
    }

    [Fact]
    public void Sweep_resume_queues_the_cancelled_members_again_and_a_generation_complete_then_is_decided()
    {
        var state = Run(CoordinatorState.Empty, Sweep()).State;
        state = Reach(Reach(state, 1, 1, 2, 0.3).State, 2, 1, 2, 0.9).State;
        state = Run(state, new Command.CancelSweep(SweepId)).State;
        Assert.All(Enumerable.Range(1, 4), i => Assert.Equal(ExperimentState.Cancelled, state.Find(Member(i))!.State));

        var (resumed, decision) = Run(state, new Command.ResumeSweep(SweepId));

        Assert.Equal(new SweepResumeAccepted(new SweepId(SweepId), 4), decision.Reply);
        Assert.Equal([Member(3), Member(4)], CoordinatorDecisions.Queue(resumed));
        resumed = Reach(Reach(resumed, 3, 1, 2, 0.5).State, 4, 1, 2, 0.1).State;
        Assert.Single(resumed.FindSweep(SweepId)!.Generations);
        Assert.Equal(Enumerable.Range(1, 4).Select(Member), CoordinatorDecisions.Queue(resumed));
        Assert.IsType<UnknownSweep>(CoordinatorDecisions.Decide(state, new Command.ResumeSweep("swp-0000000f")).Reply);
    }

    [Fact]
    public void The_lineage_shows_each_member_start_and_whose_checkpoint_it_copied_at_which_round()
    {
        var state = Generation1().State;

        var lineage = Assert.IsType<SweepLineageReply>(CoordinatorQueries.Answer(state, _ => [], new GetSweepLineage(new SweepId(SweepId))));

        Assert.Equal(("loss/g", "min", 2), (lineage.Metric, lineage.Mode, lineage.Ready));
        var worst = lineage.Members.Single(m => m.Id.Value == Member(2));
        Assert.Equal($"{Lr}=0.002", worst.Generations[0].Hyperparameters);
        Assert.Equal((1, 2, (double?)0.9, (ExperimentId?)new ExperimentId(Member(4))), (worst.Generations[1].Generation, worst.Generations[1].Round, worst.Generations[1].Metric, worst.Generations[1].CopiedFrom));
        Assert.All(lineage.Members.Where(m => m.Id.Value != Member(2)), m => Assert.Null(m.Generations[1].CopiedFrom));
        var grid = Run(CoordinatorState.Empty, new Command.SubmitSweep(Sweep().BaseSpecJson, """{"parameters": {"k": [1, 2]}}""", "loss/g", "min", "grid", 1, null, 3, 0, "swp-000000c1", At)).State;
        Assert.IsType<ExperimentRejected>(CoordinatorQueries.Answer(grid, _ => [], new GetSweepLineage(new SweepId("swp-000000c1"))));
    }

    [Fact]
    public void An_exploiter_goes_on_with_its_sources_seed_and_its_own_explored_rates()
    {
        var member = SpecJson.Serialize(SpecConfig.ToySpec() with { Seed = 7 }, indented: false);
        var source = SpecJson.Serialize(SpecConfig.ToySpec() with { Seed = 3, GeneratorOptimizer = new OptimizerSpec { LearningRate = 0.004 } }, indented: false);

        var next = SpecJson.Parse(Pbt.Exploit(member, source, new Dictionary<string, double> { [Lr] = 0.0048 }));

        Assert.Equal((3L, 0.0048), ((long)next.Seed, next.GeneratorOptimizer.LearningRate));
        Assert.Equal(SpecJson.Parse(member) with { Seed = 3, GeneratorOptimizer = next.GeneratorOptimizer }, next);
    }

    [Fact]
    public void A_replay_follows_the_member_back_through_every_copy_and_changes_the_rates_where_its_trajectory_did()
    {
        // Generation 1 (round 2): member 2 (worst) copies member 4 (best). Generation 2 (round 4, ranked by the mean of the rounds
        // so far): member 1 is worst, member 2 best,
        // so member 1 copies member 2: member 1's weights are member 4's to round 2, member 2's to round 4, its own after.
        var state = Generation1().State;
        foreach (var (i, loss) in new[] { (1, 0.95), (2, -2.0), (3, 0.5), (4, 0.2) })
        {
            state = Reach(state, i, 3, 4, loss).State;
        }

        var sweep = state.FindSweep(SweepId)!;
        Assert.Equal(Member(2), sweep.Generations[1].Steps.Single(s => s.Member == Member(1)).Source);
        double RateOf(int generation, int i) => SpecJson.Parse(sweep.Generations[generation].Steps.Single(s => s.Member == Member(i)).SpecJson).GeneratorOptimizer.LearningRate;

        var reply = Assert.IsType<SweepReplayReply>(CoordinatorQueries.Answer(state, _ => [], new GetSweepReplay(new SweepId(SweepId), new ExperimentId(Member(1)))));
        var replay = SpecJson.Parse(reply.SpecJson);

        Assert.Equal((Member(1), 2), (reply.Member.Value, reply.Changes));
        Assert.Equal(0.004, replay.GeneratorOptimizer.LearningRate);
        Assert.Equal([(2, RateOf(0, 2)), (4, RateOf(1, 1))], replay.GeneratorOptimizer.LearningRateChanges.Select(c => (c.AfterRound, c.LearningRate)));
        Assert.Empty(replay.DiscriminatorOptimizer.LearningRateChanges);
        Assert.Equal(SpecJson.Parse(state.Find(Member(1))!.SpecJson) with { Name = replay.Name, GeneratorOptimizer = replay.GeneratorOptimizer }, replay);
        Assert.EndsWith("-replay", replay.Name);

        // A member that kept its own checkpoint throughout replays as itself; without --member the best one (member 2: its mean loss/g over rounds 1-4 is -0.55).
        var own = SpecJson.Parse(Assert.IsType<SweepReplayReply>(CoordinatorQueries.Answer(state, _ => [], new GetSweepReplay(new SweepId(SweepId), new ExperimentId(Member(3))))).SpecJson);
        Assert.Equal((0.003, 0), (own.GeneratorOptimizer.LearningRate, own.GeneratorOptimizer.LearningRateChanges.Count));
        Assert.Equal(Member(2), Assert.IsType<SweepReplayReply>(CoordinatorQueries.Answer(state, _ => [], new GetSweepReplay(new SweepId(SweepId), null))).Member.Value);

        // Refusals name what to fix.
        Assert.Equal("--member", Assert.IsType<ExperimentRejected>(CoordinatorQueries.Answer(state, _ => [], new GetSweepReplay(new SweepId(SweepId), new ExperimentId("exp-nope")))).Field);
        Assert.IsType<UnknownSweep>(CoordinatorQueries.Answer(state, _ => [], new GetSweepReplay(new SweepId("swp-00000000"), null)));
        var grid = Run(CoordinatorState.Empty, new Command.SubmitSweep(Sweep().BaseSpecJson, """{"parameters": {"k": [1, 2]}}""", "loss/g", "min", "grid", 1, null, 3, 0, "swp-000000c1", At)).State;
        Assert.Contains("not pbt", Assert.IsType<ExperimentRejected>(CoordinatorQueries.Answer(grid, _ => [], new GetSweepReplay(new SweepId("swp-000000c1"), null))).Reason);
    }

    [Theory]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", 2, 0.25, "loss/g", "space.parameters.k")]
    [InlineData(Space, 3, 0.25, "loss/g", "--ready")]
    [InlineData(Space, 8, 0.25, "loss/g", "--ready")]
    [InlineData(Space, 2, 0.75, "loss/g", "--quantile")]
    [InlineData(Space, 2, 0.25, "modes.modesCapturd", "--metric")]
    [InlineData("""{"parameters": {"generatorOptimizer.learningRate": [0.001]}}""", 2, 0.25, "loss/g", "--population")]
    public void A_bad_pbt_option_is_refused_naming_it(string space, int ready, double quantile, string metric, string field)
    {
        var decision = CoordinatorDecisions.Decide(CoordinatorState.Empty, Sweep(new PbtOptions(ready, quantile, 0.8, 1.2, 0.25), space, metric));

        Assert.Equal(field, Assert.IsType<ExperimentRejected>(decision.Reply).Field);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void The_pbt_events_and_a_state_with_a_generation_survive_the_journal_serializer()
    {
        var serializer = new CoordinatorEventSerializer((ExtendedActorSystem)Sys);
        var (state, last) = Generation1();
        var submitted = Run(CoordinatorState.Empty, Sweep()).Decision.Events.Single();
        var ready = new PbtMemberReady(Member(1), SweepId, 1, 2, null);
        var generation = last.Events.OfType<PbtGenerationDecided>().Single();
        var copied = new CheckpointCopied(Member(2), 2, Member(4), ShaOf(Member(4), 2, 'g'), ShaOf(Member(4), 2, 'd'));

        Assert.Equal(("pbt-ready", "pbt-generation", "checkpoint-copied"), (serializer.Manifest(ready), serializer.Manifest(generation), serializer.Manifest(copied)));
        Assert.Equal(ready, serializer.FromBinary(serializer.ToBinary(ready), "pbt-ready"));
        Assert.Equal(copied, serializer.FromBinary(serializer.ToBinary(copied), "checkpoint-copied"));
        var generationBack = Assert.IsType<PbtGenerationDecided>(serializer.FromBinary(serializer.ToBinary(generation), "pbt-generation"));
        Assert.Equal(generation.Steps, generationBack.Steps);
        var submittedBack = Assert.IsType<SweepSubmitted>(serializer.FromBinary(serializer.ToBinary(submitted), "sweep"));
        Assert.Equal(((SweepSubmitted)submitted).Pbt, submittedBack.Pbt);

        var snapshot = (CoordinatorState)serializer.FromBinary(serializer.ToBinary(state), "state");
        Assert.Equal(state.FindSweep(SweepId)!.Pbt, snapshot.FindSweep(SweepId)!.Pbt);
        Assert.Equal(state.FindSweep(SweepId)!.PbtReports, snapshot.FindSweep(SweepId)!.PbtReports);
        Assert.Equal(state.FindSweep(SweepId)!.Generations.Single().Steps, snapshot.FindSweep(SweepId)!.Generations.Single().Steps);
        Assert.Equal(state.Find(Member(2))!.ExploitFrom, snapshot.Find(Member(2))!.ExploitFrom);
        Assert.Equal(CoordinatorDecisions.Queue(state), CoordinatorDecisions.Queue(snapshot));

    }
}
