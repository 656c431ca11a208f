using GanCluster.Training.Options;

namespace GanCluster.Training.Tests.Options;

public sealed class SpecValidationTests
{
    [Theory]
    [InlineData("{\"model\": \"gpt\"}", "model", "mlp, dcgan, toy")]
    [InlineData("{\"dataset\": \"cifar\"}", "dataset", "mnist, fashion-mnist, ring8, grid25")]
    [InlineData("{\"loss\": \"wasserstein\"}", "loss", "minimax, non-saturating, hinge")]
    [InlineData("{\"k\": 0}", "k", ">= 1")]
    [InlineData("{\"batchSize\": -5}", "batchSize", "between 1")]
    [InlineData("{\"rounds\": 0}", "rounds", ">= 1")]
    [InlineData("{\"generatorOptimizer\": {\"learningRate\": 0}}", "generatorOptimizer.learningRate", "> 0")]
    [InlineData("{\"discriminatorOptimizer\": {\"type\": \"rmsprop\"}}", "discriminatorOptimizer.type", "adam, sgd")]
    [InlineData("{\"batchSize\": 100, \"packing\": 3}", "packing", "divide")]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"mnist\"}", "model", "ring8 or grid25")]
    [InlineData("{\"model\": \"mlp\", \"imageSize\": 64}", "imageSize", "dcgan")]
    [InlineData("{\"device\": \"tpu\"}", "device", "auto, cpu")]
    [InlineData("{\"batchSizee\": 10}", "batchSizee", "unknown field")]
    [InlineData("{\"model\": \"mlp\",", "(document)", "malformed JSON")]
    [InlineData("{\"k\": \"two\"}", "k", "wrong type")]
    [InlineData("{\"generatorEma\": 1}", "generatorEma", "[0, 1)")]
    [InlineData("{\"generatorEma\": -0.5}", "generatorEma", "[0, 1)")]
    [InlineData("{\"r1Gamma\": -1}", "r1Gamma", ">= 0")]
    [InlineData("{\"realLabelSmoothing\": 0.5}", "realLabelSmoothing", "[0, 0.5)")]
    [InlineData("{\"loss\": \"hinge\", \"realLabelSmoothing\": 0.1}", "realLabelSmoothing", "hinge")]
    [InlineData("{\"instanceNoise\": -0.1}", "instanceNoise", ">= 0")]
    [InlineData("{\"model\": \"dcgan\", \"minibatchStd\": true}", "minibatchStd", "mlp model only")]
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
    public void Unknown_preset_lists_the_presets()
    {
        var error = Assert.Throws<SpecValidationException>(() => Presets.Resolve("no-such-preset"));
        Assert.Contains("goodfellow-mnist", error.Message);
    }
}
