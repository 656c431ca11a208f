using System.Collections.Concurrent;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Families;

/// <summary>
/// The figure of the semi-supervised GAN: D used as a 10-way classifier (argmax of its class logits, eval mode, no
/// noise) next to the same network trained on the same labels alone.
/// </summary>
/// <param name="TestError">D's error on the held-out digits (the figure; Salimans et al.: 0.93% with 100 labels).</param>
/// <param name="BaselineTestError">The supervised-only baseline's error on the same held-out digits.</param>
/// <param name="UnlabelledTrainError">D's error on the training digits whose labels were not used: the figure to select
/// recipes on, since the held-out digits are only reported, never tuned on.</param>
/// <param name="BaselineUnlabelledTrainError">The baseline's error on those training digits.</param>
/// <param name="Labels">Labels used (10 per class).</param>
/// <param name="TestDigits">Held-out digits classified.</param>
/// <param name="BaselineSteps">Adam steps of the baseline on the labelled subset.</param>
/// <remarks>With discriminatorEma on, D is the average of its weights (Polyak averaging, as in Salimans et al.'s code),
/// and the same two errors of D's current weights are reported beside it.</remarks>
public sealed record SemiSupervisedResult(
    double TestError,
    double BaselineTestError,
    double UnlabelledTrainError,
    double BaselineUnlabelledTrainError,
    int Labels,
    int TestDigits,
    int BaselineSteps)
{
    /// <summary>With discriminatorEma on: <see cref="TestError"/> of D's current weights instead of their average.</summary>
    public double? TestErrorWithoutAverage { get; init; }

    /// <summary>With discriminatorEma on: <see cref="UnlabelledTrainError"/> of D's current weights.</summary>
    public double? UnlabelledTrainErrorWithoutAverage { get; init; }
}

/// <summary>
/// Computes <see cref="SemiSupervisedResult"/>. The supervised-only baseline is the experiment's D network (<see cref="SsganClassifier"/>) built
/// from the GAN's own seed and stream (the same initial weights as the GAN's D) and trained with D's optimizer settings
/// on the <see cref="LabelledSubset"/> alone: <see cref="BaselineSteps"/> steps of the objective's supervised term, each on
/// a permutation of the subset drawn from that stream (and, with <c>ssgan.translate</c>, the same random shifts the GAN's D
/// is trained with, drawn after it). It depends on the experiment only, not on the checkpoint, so
/// one process trains it once per experiment (evaluate --all reuses it).
/// </summary>
public static class SsganEvaluation
{
    /// <summary>
    /// Steps of the baseline: with 100 labels and a batch of 100 one step is one epoch; its training error reaches 0
    /// long before, and the noise layers keep it from collapsing further. About a minute on one CPU thread.
    /// </summary>
    public const int BaselineSteps = 2_000;

    private static readonly ConcurrentDictionary<string, Lazy<SsganClassifier>> Baselines = new();

    /// <summary>The figure for D (the GAN's discriminator) with the experiment's data.</summary>
    /// <param name="withoutAverage">With discriminatorEma on, D's current weights (<paramref name="discriminator"/> is their average).</param>
    public static SemiSupervisedResult Evaluate(ExperimentSpec spec, SsganClassifier discriminator, SampleSet train, SampleSet heldOut, SsganClassifier? withoutAverage = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(discriminator);
        var chosen = LabelledSubset.Select(train, spec.Seed);
        using var unlabelled = LabelledSubset.Complement(train, chosen);
        var baseline = Baselines.GetOrAdd(SpecJson.Serialize(spec with { Name = string.Empty, Rounds = 0 }), _ => new Lazy<SsganClassifier>(() => TrainBaseline(spec, train))).Value;
        return new SemiSupervisedResult(
            Error(discriminator, heldOut),
            Error(baseline, heldOut),
            Error(discriminator, unlabelled),
            Error(baseline, unlabelled),
            chosen.Length,
            heldOut.Count,
            BaselineSteps)
        {
            TestErrorWithoutAverage = withoutAverage is null ? null : Error(withoutAverage, heldOut),
            UnlabelledTrainErrorWithoutAverage = withoutAverage is null ? null : Error(withoutAverage, unlabelled),
        };
    }

    /// <summary>The supervised-only baseline: the GAN's D network, trained on the labelled subset alone (see the class remarks).</summary>
    public static SsganClassifier TrainBaseline(ExperimentSpec spec, SampleSet train, int steps = BaselineSteps)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        var chosen = LabelledSubset.Select(train, spec.Seed);
        using var indices = tensor(chosen, dtype: int64);
        using var images = train.Samples.index_select(0, indices);
        using var classes = train.Labels.index_select(0, indices);
        var batch = Math.Min(spec.BatchSize, chosen.Length);
        using var rng = new RngStream(RngStream.Derive(spec.Seed, 2));
        var network = (SsganClassifier)rng.Run(() => new SsganFamily().CreateDiscriminator(spec));
        var translation = SsganFamily.Translation(spec);
        using var optimizer = OptimizerFactory.Create(spec.DiscriminatorOptimizer, network.parameters());
        network.train();
        for (var step = 0; step < steps; step++)
        {
            rng.Run(() =>
            {
                using var scope = NewDisposeScope();
                var order = randperm(chosen.Length, dtype: int64).narrow(0, 0, batch);
                var batchImages = images.index_select(0, order);
                if (translation > 0)
                {
                    batchImages = RandomTranslation.Apply(batchImages, translation);
                }

                var loss = F.cross_entropy(network.Classify(batchImages).Logits, classes.index_select(0, order));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            });
        }

        network.eval();
        return network;
    }

    /// <summary>The fraction of <paramref name="digits"/> (images in [0, 1]) whose largest class logit is not their label; eval mode.</summary>
    public static double Error(SsganClassifier discriminator, SampleSet digits, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(digits);
        var n = digits.Count;
        if (n == 0)
        {
            return 0;
        }

        var wasTraining = discriminator.training;
        using var noGrad = no_grad();
        discriminator.eval();
        try
        {
            long wrong = 0;
            for (var start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, n - start);
                var predicted = discriminator.Classify(digits.Samples.narrow(0, start, length)).Logits.argmax(1);
                wrong += predicted.ne(digits.Labels.narrow(0, start, length)).sum().item<long>();
            }

            return (double)wrong / n;
        }
        finally
        {
            discriminator.train(wasTraining);
        }
    }
}
