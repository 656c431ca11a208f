using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Runs;

/// <summary>Evaluating a checkpoint's generator half, and the evaluation files of a run folder. No quality thresholds: only what is reported.</summary>
public sealed class CheckpointEvaluationTests
{
    private static HalfState UntrainedGenerator(ExperimentSpec spec)
    {
        using var generator = new GeneratorHalf(spec, CPU);
        return generator.SaveState();
    }

    [Fact]
    public void A_ring_checkpoint_is_scored_by_mode_coverage_only()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);

        var result = Evaluation.Checkpoint(spec, UntrainedGenerator(spec), 40, 200);

        Assert.Equal("mode-coverage", result.Kind);
        Assert.Equal(40, result.Round);
        Assert.Equal(8, result.Modes!.Modes);
        Assert.Null(result.Parzen);
        Assert.Null(result.ParzenTrain);
        Assert.Null(result.Classifier);
        Assert.StartsWith("modes ", result.Headline);
    }

    [Fact]
    public void A_ring_with_an_average_of_G_is_scored_for_the_average_and_for_G_current_weights()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1) with { GeneratorEma = 0.999 };
        HalfState state;
        using (var generator = new GeneratorHalf(spec, CPU))
        {
            // The average starts as a copy of G (untrained: its points miss every mode). G's current weights are moved
            // away from it, as training would: the output layer now puts every point on the first mode's mean.
            using (no_grad())
            {
                var parameters = generator.Network.parameters().ToList();
                parameters[^2].zero_();
                parameters[^1].copy_(DatasetCatalog.Mixture(spec).Means[0]);
            }

            state = generator.SaveState();
        }

        var result = Evaluation.Checkpoint(spec, state, 40, 300);

        ModeCoverageResult Expected(bool useAverage)
        {
            using var restored = GeneratorHalf.Restore(spec, CPU, state);
            using var fake = restored.Generate(300, RngStream.Derive(spec.Seed, Evaluation.SampleStream), useAverage);
            var mixture = DatasetCatalog.Mixture(spec);
            return ModeCoverage.Evaluate(fake.Samples, mixture.Means, mixture.Std);
        }

        Assert.Equal(Expected(useAverage: true), result.Modes);
        Assert.Equal(Expected(useAverage: false), result.ModesWithoutAverage);
        Assert.Equal(0, result.Modes!.HighQualityFraction);
        Assert.Equal(1, result.ModesWithoutAverage!.HighQualityFraction);
        Assert.Equal(1, result.ModesWithoutAverage.ModesCaptured);
        Assert.Null(Evaluation.Checkpoint(spec with { GeneratorEma = 0 }, state, 40, 300).ModesWithoutAverage);
    }

    [Fact]
    public void An_mnist_checkpoint_gets_parzen_and_the_classifier_metrics()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1);

        var stages = new List<string>();

        var result = Evaluation.Checkpoint(spec, UntrainedGenerator(spec), 5, 64, progress: stages.Add);

        // Each stage is announced as it starts, in the order it runs (the CLI prints them so a slow evaluation shows it is working).
        Assert.Collection(stages,
            s => Assert.Equal("loading the data and the generator of round 5", s),
            s => Assert.Equal("generating 64 samples", s),
            s => Assert.StartsWith("Parzen window on the ", s),
            s => Assert.StartsWith("MNIST classifier figures", s),
            s => Assert.StartsWith("Parzen window on the last ", s));
        Assert.NotNull(result.Parzen);
        // The training-side figure (to choose recipes on) is measured on training digits, not on the held-out ones.
        var train = result.ParzenTrain!;
        Assert.True(double.IsFinite(train.MeanLogLikelihood) && train.StandardError > 0);
        Assert.NotEqual(result.Parzen!.MeanLogLikelihood, train.MeanLogLikelihood);
        var classifier = result.Classifier!;
        Assert.Equal(64, classifier.Samples);
        Assert.Equal(64, classifier.Classes.Counts.Sum());
        Assert.Equal(10, classifier.Classes.Shares.Count);
        Assert.Equal(1.0, classifier.Classes.Shares.Sum(), 9);
        Assert.InRange(classifier.Classes.KlToUniform, 0, Math.Log(10) + 1e-9);
        Assert.True(classifier.Fid >= 0 && double.IsFinite(classifier.Fid));
        Assert.True(classifier.FidFloor > 0 && double.IsFinite(classifier.FidFloor));
        Assert.Equal(MnistQuality.Shared.ClassifierSha256, classifier.ClassifierSha256);
        Assert.Contains("FID", result.Headline);
        Assert.Contains("Parzen", result.Headline);
    }

    [Fact]
    public void The_same_checkpoint_and_seed_give_the_same_figures()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1);
        var state = UntrainedGenerator(spec);

        var first = Evaluation.Checkpoint(spec, state, 5, 32);
        var second = Evaluation.Checkpoint(spec, state, 5, 32);

        Assert.Equal(first.Classifier!.Fid, second.Classifier!.Fid);
        Assert.Equal(first.Parzen, second.Parzen);
    }

    [Fact]
    public void The_shipped_classifier_gives_128_features_and_a_class_per_digit()
    {
        using var digits = TinyData.Images(5);
        using var classifier = MnistEvaluationClassifier.LoadShipped();

        var (features, classes) = classifier.FeaturesAndClasses(digits.Samples);

        Assert.Equal([5L, MnistClassifierNet.FeatureSize], features.shape);
        Assert.All(classes.data<long>().ToArray(), c => Assert.InRange(c, 0, 9));
        Assert.Equal(64, classifier.Sha256.Length);
    }

    [Fact]
    public void The_evaluation_log_keeps_one_line_per_round_in_order_and_the_newest_as_evaluation_json()
    {
        using var folder = new TempFolder();
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);
        var state = UntrainedGenerator(spec);
        var at20 = Evaluation.Checkpoint(spec, state, 20, 100);
        var at10 = Evaluation.Checkpoint(spec, state, 10, 100);

        EvaluationLog.Record(folder.Path, at20);
        EvaluationLog.Record(folder.Path, at10);
        EvaluationLog.Record(folder.Path, at20);

        Assert.Equal([10, 20], EvaluationLog.Read(folder.Path).Select(r => r.Round));
        var latest = EvaluationLog.Deserialize(File.ReadAllText(folder.File(EvaluationLog.LatestFileName)));
        Assert.Equal(20, latest.Round);
        Assert.Equal(at20.Modes, latest.Modes);
    }
}
