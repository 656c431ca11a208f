using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Tests.Coordinator.Sweeps;

/// <summary>A search space expanded into child experiments: deterministic, and bad input named by field with its fix.</summary>
public sealed class SweepPlanTests
{
    private static readonly ExperimentSpec Base = SpecConfig.ToySpec(rounds: 8, checkpointInterval: 2) with { Name = "ring" };

    private static SweepOptions Grid(int seeds = 1, int? budget = null) => new("loss/g", SweepMode.Min, SweepAlgorithm.Grid, seeds, budget);

    private static IReadOnlyList<SweepChildPlan> Expand(string space, SweepOptions? options = null) => SweepPlan.Expand(Base, SearchSpace.Parse(space), options ?? Grid());

    private static SweepSpaceException Rejected(string space, SweepOptions? options = null) => Assert.Throws<SweepSpaceException>(() => Expand(space, options));

    [Fact]
    public void A_grid_is_every_combination_in_parameter_order_times_the_seeds()
    {
        var children = Expand("""{"parameters": {"k": [1, 2], "generatorOptimizer.learningRate": [0.001, 0.0001]}}""", Grid(seeds: 2));

        Assert.Equal(8, children.Count);
        Assert.Equal(
            [(1, 0.001, 3L), (1, 0.001, 4L), (1, 0.0001, 3L), (1, 0.0001, 4L), (2, 0.001, 3L), (2, 0.001, 4L), (2, 0.0001, 3L), (2, 0.0001, 4L)],
            children.Select(c => (c.Spec.K, c.Spec.GeneratorOptimizer.LearningRate, c.Spec.Seed)));
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4], children.Select(c => c.Config));
        Assert.Equal("ring-c3-s2", children[5].Spec.Name);
        Assert.Equal("k=2, generatorOptimizer.learningRate=0.001", children[4].Overrides);
        // Everything the space does not name comes from the base experiment.
        Assert.All(children, c => Assert.Equal((Base.Rounds, Base.BatchSize, Base.DiscriminatorOptimizer), (c.Spec.Rounds, c.Spec.BatchSize, c.Spec.DiscriminatorOptimizer)));
    }

    [Fact]
    public void Stepped_ranges_give_integers_and_log_uniform_counts_give_geometric_points()
    {
        var children = Expand("""{"parameters": {"batchSize": {"min": 8, "max": 24, "step": 8}, "discriminatorOptimizer.learningRate": {"logUniform": [0.0001, 0.01], "count": 3}}}""");

        Assert.Equal([8, 16, 24], children.Select(c => c.Spec.BatchSize).Distinct());
        var rates = children.Select(c => c.Spec.DiscriminatorOptimizer.LearningRate).Distinct().ToList();
        Assert.Equal(3, rates.Count);
        Assert.Equal(0.0001, rates[0], 12);
        Assert.Equal(0.001, rates[1], 12);
        Assert.Equal(0.01, rates[2], 12);
    }

    [Fact]
    public void Random_search_draws_the_same_children_from_the_same_seed_and_others_from_another()
    {
        const string space = """{"seed": 7, "parameters": {"generatorOptimizer.learningRate": {"logUniform": [0.00001, 0.01]}, "k": [1, 2, 3]}}""";
        var options = new SweepOptions("loss/g", SweepMode.Min, SweepAlgorithm.Random, 1, 5);

        var first = Expand(space, options).Select(c => (c.Spec.K, c.Spec.GeneratorOptimizer.LearningRate)).ToList();
        var again = Expand(space, options).Select(c => (c.Spec.K, c.Spec.GeneratorOptimizer.LearningRate)).ToList();
        var other = Expand(space.Replace("\"seed\": 7", "\"seed\": 8", StringComparison.Ordinal), options).Select(c => (c.Spec.K, c.Spec.GeneratorOptimizer.LearningRate)).ToList();

        Assert.Equal(5, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(first, c => Assert.InRange(c.LearningRate, 0.00001, 0.01));
    }

    [Fact]
    public void An_unknown_field_is_named_with_the_fields_that_exist_there()
    {
        var error = Rejected("""{"parameters": {"generatorOptimizer.lr": [0.1]}}""");

        Assert.Equal("space.parameters.generatorOptimizer.lr", error.Field);
        Assert.Contains("'lr' is not an experiment field of 'generatorOptimizer'", error.Message);
        Assert.Contains("learningRate", error.Message);
    }

    [Fact]
    public void A_value_the_experiment_rules_refuse_names_the_field_and_the_configuration()
    {
        var error = Rejected("""{"parameters": {"k": [1, 0]}}""");

        Assert.Equal("space.parameters.k", error.Field);
        Assert.Contains("configuration 2 (k=0)", error.Message);
    }

    [Theory]
    [InlineData("""not json""", "space")]
    [InlineData("""{"parameters": {"k": [1]}, "seeds": 2}""", "space.seeds")]
    [InlineData("""{"parameters": {}}""", "space.parameters")]
    [InlineData("""{"parameters": {"k": []}}""", "space.parameters.k")]
    [InlineData("""{"parameters": {"k": 2}}""", "space.parameters.k")]
    [InlineData("""{"parameters": {"seed": [1, 2]}}""", "space.parameters.seed")]
    [InlineData("""{"parameters": {"r1Gamma": {"logUniform": [0, 1]}}}""", "space.parameters.r1Gamma")]
    [InlineData("""{"parameters": {"r1Gamma": {"min": 0, "max": 1}}}""", "space.parameters.r1Gamma")]
    public void A_malformed_space_is_rejected_naming_the_field(string space, string field) => Assert.Equal(field, Rejected(space).Field);

    [Fact]
    public void Options_that_cannot_work_are_rejected_naming_the_option()
    {
        const string space = """{"parameters": {"k": [1, 2, 3]}}""";

        Assert.Equal("--budget", Rejected(space, new SweepOptions("loss/g", SweepMode.Min, SweepAlgorithm.Random, 1, null)).Field);
        Assert.Equal("--budget", Rejected(space, Grid(budget: 2)).Field);
        Assert.Equal("--seeds", Rejected(space, Grid(seeds: 0)).Field);
        Assert.Equal("--metric", Rejected(space, new SweepOptions("modes.modesCapturd", SweepMode.Max, SweepAlgorithm.Asha, 1, null)).Field);
        Assert.Equal("--metric", Rejected(space, new SweepOptions("modes", SweepMode.Max, SweepAlgorithm.Grid, 1, null)).Field);
        Assert.Equal("--metric", Rejected(space, new SweepOptions("kind", SweepMode.Max, SweepAlgorithm.Grid, 1, null)).Field);
        // Evaluation figures are decided on by ASHA (and PBT) as well as ranked; paths are case-insensitive.
        Assert.Equal(3, Expand(space, new SweepOptions("modes.highQualityFraction", SweepMode.Max, SweepAlgorithm.Asha, 1, null)).Count);
        Assert.Equal(3, Expand(space, new SweepOptions("SemiSupervised.UnlabelledTrainError", SweepMode.Min, SweepAlgorithm.Asha, 1, null)).Count);
        Assert.Equal("--eta", Rejected(space, new SweepOptions("loss/g", SweepMode.Min, SweepAlgorithm.Asha, 1, null, Eta: 1)).Field);
        Assert.Equal("space.parameters.rounds", Rejected("""{"parameters": {"rounds": [4, 8]}}""", new SweepOptions("loss/g", SweepMode.Min, SweepAlgorithm.Asha, 1, null)).Field);
        Assert.Equal("--mode", Assert.Throws<SweepSpaceException>(() => SweepDecisions.Options("loss/g", "highest", "grid", 1, null, 3)).Field);
        Assert.Equal("--algorithm", Assert.Throws<SweepSpaceException>(() => SweepDecisions.Options("loss/g", "max", "hyperband", 1, null, 3)).Field);
    }

    [Fact]
    public void Asha_rungs_are_checkpoint_rounds_growing_by_eta_before_the_last_round()
    {
        Assert.Equal([2, 6, 18], SweepPlan.Rungs(Base with { Rounds = 40, CheckpointInterval = 2 }, 3));
        Assert.Equal([10, 20], SweepPlan.Rungs(Base with { Rounds = 40, CheckpointInterval = 10 }, 2));
        Assert.Empty(SweepPlan.Rungs(Base with { Rounds = 10, CheckpointInterval = 10 }, 2));
        // A grace period moves the first rung later; the rest still grow by eta.
        Assert.Equal([20, 40], SweepPlan.Rungs(Base with { Rounds = 50, CheckpointInterval = 10 }, 2, gracePeriod: 20));
        Assert.Equal([30], SweepPlan.Rungs(Base with { Rounds = 50, CheckpointInterval = 10 }, 2, gracePeriod: 30));
    }

    [Fact]
    public void A_grace_period_is_journaled_as_the_first_rung_and_refused_off_the_checkpoints_or_without_asha()
    {
        var baseJson = SpecJson.Serialize(Base with { Rounds = 50, CheckpointInterval = 10 }, indented: false);
        const string space = """{"parameters": {"k": [1, 2]}}""";
        var asha = new SweepOptions("loss/g", SweepMode.Min, SweepAlgorithm.Asha, 1, null, Eta: 2, GracePeriod: 20);
        SweepSubmitted Submitted(SweepOptions options) => SweepDecisions.Expand(baseJson, space, options, 0, "swp-00000001", DateTimeOffset.UnixEpoch);

        Assert.Equal([20, 40], Submitted(asha).Rungs);
        Assert.Equal([10, 20, 40], Submitted(asha with { GracePeriod = null }).Rungs);
        foreach (var bad in new[] { 0, -10, 15, 50, 60 })
        {
            var e = Assert.Throws<SweepSpaceException>(() => Submitted(asha with { GracePeriod = bad }));
            Assert.Equal("--grace-period", e.Field);
            Assert.Contains("checkpointInterval 10", e.Message);
        }

        var grid = new SweepOptions("loss/g", SweepMode.Min, SweepAlgorithm.Grid, 1, null, GracePeriod: 20);
        Assert.Equal("--grace-period", Assert.Throws<SweepSpaceException>(() => Submitted(grid)).Field);
    }
}
