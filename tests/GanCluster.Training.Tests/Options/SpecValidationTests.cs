using GanCluster.TestSupport;
using GanCluster.Training.Options;

namespace GanCluster.Training.Tests.Options;

public sealed class SpecValidationTests
{
    [Theory]
    [InlineData("{\"model\": \"gpt\"}", "model", "mlp, dcgan, toy, infogan")]
    [InlineData("{\"dataset\": \"cifar\"}", "dataset", "mnist, fashion-mnist, ring8, grid25")]
    [InlineData("{\"loss\": \"wasserstein\"}", "loss", "minimax, non-saturating, hinge")]
    [InlineData("{\"k\": 0}", "k", ">= 1")]
    [InlineData("{\"batchSize\": -5}", "batchSize", "between 1")]
    [InlineData("{\"rounds\": 0}", "rounds", ">= 1")]
    [InlineData("{\"generatorOptimizer\": {\"learningRate\": 0}}", "generatorOptimizer.learningRate", "> 0")]
    [InlineData("{\"discriminatorOptimizer\": {\"type\": \"rmsprop\"}}", "discriminatorOptimizer.type", "adam, sgd")]
    [InlineData("{\"batchSize\": 100, \"packing\": 3}", "packing", "divide")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"mnist\"}", "dataset", "ring8 or grid25")]
    [InlineData("{\"model\": \"mlp\", \"imageSize\": 64}", "imageSize", "dcgan")]
    [InlineData("{\"device\": \"tpu\"}", "device", "auto, cpu")]
    [InlineData("{\"batchSizee\": 10}", "batchSizee", "unknown field")]
    [InlineData("{\"model\": \"mlp\",", "(document)", "malformed JSON")]
    [InlineData("{\"k\": \"two\"}", "k", "wrong type")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"ring8\", \"toy\": {\"generatorWidth\": 0}}", "toy.generatorWidth", "between 1 and 4096")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"ring8\", \"toy\": {\"discriminatorDepth\": 9}}", "toy.discriminatorDepth", "between 1 and 8")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"ring8\", \"toy\": {\"latentCategories\": 1}}", "toy.latentCategories", "0 (off) or between 2")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"ring8\", \"latentSize\": 1, \"toy\": {\"latentCategories\": 8}}", "toy.latentCategories", "latentSize >= 2")]
    [InlineData("{\"r1Gamma\": -1}", "r1Gamma", ">= 0")]
    [InlineData("{\"r1Gamma\": 0.1, \"r1Interval\": 0}", "r1Interval", "must be 1 to 1000")]
    [InlineData("{\"r1Interval\": 16}", "r1Interval", "which is off (r1Gamma 0)")]
    [InlineData("{\"r1Gamma\": 0.1, \"r1FinalGamma\": -0.01}", "r1FinalGamma", ">= 0")]
    [InlineData("{\"r1FinalGamma\": 0.01}", "r1FinalGamma", "which is off (r1Gamma 0)")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"ring8\", \"toy\": {\"noise\": \"uniform\", \"latentCategories\": 8}}", "toy.noise", "cannot be combined with toy.latentCategories")]
    [InlineData("{\"model\": \"mlp\", \"toy\": {\"noise\": \"uniform\"}}", "toy.noise", "only model toy reads it")]
    [InlineData("{\"discriminatorEma\": 0.999}", "discriminatorEma", "read only by the figures of models ssgan")]
    [InlineData("{\"generatorOptimizer\": {\"finalLearningRate\": 0}}", "generatorOptimizer.finalLearningRate", "> 0")]
    [InlineData("{\"generatorOptimizer\": {\"decayAfterRound\": 100}}", "generatorOptimizer.decayAfterRound", "set finalLearningRate")]
    [InlineData("{\"rounds\": 50, \"discriminatorOptimizer\": {\"finalLearningRate\": 1e-5, \"decayAfterRound\": 50}}", "discriminatorOptimizer.decayAfterRound", "from 0 to 49")]
    [InlineData("{\"discriminatorOptimizer\": {\"finalLearningRate\": 1e-5, \"decayAfterRound\": -1}}", "discriminatorOptimizer.decayAfterRound", "must be a round")]
    [InlineData("{\"generatorEma\": 1}", "generatorEma", "[0, 1)")]
    [InlineData("{\"generatorEma\": -0.5}", "generatorEma", "[0, 1)")]
    [InlineData("{\"standingStatistics\": true}", "standingStatistics", "set generatorEma")]
    [InlineData("{\"generatorEmaRamp\": 3}", "generatorEmaRamp", "set generatorEma")]
    [InlineData("{\"generatorEma\": 0.999, \"generatorEmaRamp\": 0}", "generatorEmaRamp", "positive number")]
    [InlineData("{\"generatorEma\": 0.999, \"generatorEmaRamp\": -1}", "generatorEmaRamp", "positive number")]
    [InlineData("{\"realLabelSmoothing\": 0.5}", "realLabelSmoothing", "[0, 0.5)")]
    [InlineData("{\"loss\": \"hinge\", \"realLabelSmoothing\": 0.1}", "realLabelSmoothing", "hinge")]
    [InlineData("{\"instanceNoise\": -0.1}", "instanceNoise", ">= 0")]
    [InlineData("{\"topK\": {\"minFraction\": 0}}", "topK.minFraction", "(0, 1]")]
    [InlineData("{\"topK\": {\"minFraction\": 0.5, \"gamma\": 1.5}}", "topK.gamma", "(0, 1]")]
    [InlineData("{\"topK\": {\"minFraction\": 0.5, \"interval\": 0}}", "topK.interval", ">= 1")]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"infogan\", \"topK\": {\"minFraction\": 0.5}}", "topK.minFraction", "score objectives")]
    [InlineData("{\"model\": \"gran\", \"minibatchStd\": true}", "minibatchStd", "mlp or dcgan model only")]
    public void Invalid_field_is_named_with_the_allowed_values(string json, string field, string hint)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        var match = Assert.Single(error.Errors, e => e.Field == field);
        Assert.Contains(hint, match.Message);
    }

    [Fact]
    public void Every_preset_is_valid_and_survives_a_json_round_trip()
    {
        foreach (var name in Presets.Names)
        {
            Assert.True(Presets.TryGet(name, out var spec));
            Assert.Empty(SpecValidator.Validate(spec));
            Assert.Equal(spec, SpecJson.Parse(SpecJson.Serialize(spec)));
        }
    }

    [Fact]
    public void The_paper_mlp_presets_differ_in_the_optimizer_and_rounds_alone()
    {
        Assert.True(Presets.TryGet("goodfellow-mnist", out var goodfellow));
        Assert.True(Presets.TryGet("mlp-mnist", out var mlp));
        Assert.Equal(OptimizerKind.Sgd, goodfellow.GeneratorOptimizer.Type);
        Assert.Equal((0.1, 0.5), (goodfellow.DiscriminatorOptimizer.LearningRate, goodfellow.DiscriminatorOptimizer.Momentum));
        Assert.True(goodfellow.MinibatchStd);
        var aligned = goodfellow with
        {
            Name = mlp.Name,
            GeneratorOptimizer = mlp.GeneratorOptimizer,
            DiscriminatorOptimizer = mlp.DiscriminatorOptimizer,
            Rounds = mlp.Rounds,
        };
        Assert.Equal(SpecJson.Serialize(mlp), SpecJson.Serialize(aligned));
    }

    [Fact]
    public void Unknown_preset_lists_the_presets()
    {
        var error = Assert.Throws<SpecValidationException>(() => Presets.Resolve("no-such-preset"));
        Assert.Contains("goodfellow-mnist", error.Message);
    }

    [Fact]
    public void The_2d_aliases_are_the_pacgan_presets()
    {
        Assert.True(Presets.TryGet("ring8", out var ring));
        Assert.True(Presets.TryGet("grid25", out var grid));
        Assert.Equal(Presets.Resolve("ring8-pacgan"), ring);
        Assert.Equal(Presets.Resolve("grid25-pacgan"), grid);
    }

    [Theory]
    [InlineData("ring8-pacgan", 1.0, 0.01)]
    [InlineData("ring8-veegan", 1.0, 0.01)]
    public void The_rings_follow_the_published_geometry(string preset, double radius, double std)
    {
        var spec = Presets.Resolve(preset);
        Assert.Equal((radius, std), (spec.Mixture.Radius, spec.Mixture.Std));
    }

    [Theory]
    [InlineData("grid25-pacgan", 2.0, 0.05)]
    [InlineData("grid25-veegan", 2.0, 0.05)]
    public void The_grids_follow_the_published_geometry(string preset, double spacing, double std)
    {
        var spec = Presets.Resolve(preset);
        Assert.Equal((spacing, std), (spec.Mixture.Spacing, spec.Mixture.Std));
    }

    [Fact]
    public void The_ring8_experiment_file_is_the_ring8_preset()
    {
        // cluster-config/experiments/ring8.json is what `gancluster submit` sends; the preset is the source of truth.
        var file = Path.Combine(RepositoryRoot.Path, "cluster-config", "experiments", "ring8.json");
        Assert.Equal(Presets.Resolve("ring8"), SpecJson.Parse(File.ReadAllText(file)));
    }
}
