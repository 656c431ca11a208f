using System.Globalization;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Runs;

/// <summary>The quality figures of one generator (a run's final one, or any checkpoint's).</summary>
/// <param name="Kind">"parzen" for image data, "mode-coverage" for the 2-D mixtures.</param>
/// <param name="Samples">Generated samples scored.</param>
/// <param name="Parzen">Parzen-window log-likelihood of the held-out images (image data).</param>
/// <param name="Modes">Mode coverage (2-D mixtures).</param>
/// <param name="Classifier">Class distribution and MNIST FID under the evaluation classifier (MNIST only).</param>
/// <param name="Round">The checkpoint's round, when known.</param>
public sealed record EvaluationResult(string Kind, int Samples, ParzenResult? Parzen, ModeCoverageResult? Modes, MnistQualityResult? Classifier = null, int? Round = null)
{
    /// <summary>One line with the figures people compare, e.g. <c>FID 12.31 (floor 0.95), KL 0.021, min class 8.2%; Parzen 231 ± 2</c>.</summary>
    public string Headline
    {
        get
        {
            var parts = new List<string>();
            if (Classifier is { } c)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"FID {c.Fid:F2} (floor {c.FidFloor:F2}), KL {c.Classes.KlToUniform:F3}, min class {c.Classes.MinShare * 100:F1}%"));
            }

            if (Parzen is { } p)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"Parzen {p.MeanLogLikelihood:F0} ± {p.StandardError:F0}"));
            }

            if (Modes is { } m)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"modes {m.ModesCaptured}/{m.Modes}, high quality {m.HighQualityFraction * 100:F1}%, KL {m.KlToUniform:F3}"));
            }

            if (SemiSupervised is { } s)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"D's test error {s.TestError * 100:F2}% with {s.Labels} labels (supervised only: {s.BaselineTestError * 100:F2}%)"));
            }

            if (InfoGan is { } info)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"categorical code accuracy {info.HeldOut.Accuracy * 100:F1}% on {info.HeldOut.Count} held-out digits (train {info.Train.Accuracy * 100:F1}%)"));
            }

            if (CatGan is { } g)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"D's clustering error {g.ClusteringError * 100:F2}%")
                    + (g.TestError is { } error ? string.Create(CultureInfo.InvariantCulture, $", test error {error * 100:F2}% with {g.Labels} labels") : " (no labels)"));
            }

            if (VaeGan is { } v)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"reconstruction MSE {v.PixelMse:F4} per pixel, {v.FeatureMse:F4} per D feature on {v.Count} held-out digits"));
            }

            if (Codec is { } codec)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"codec {codec.Bits} bits: {codec.BytesPerImage:F2} bytes per image, PSNR {codec.Psnr:F2} dB, SSIM {codec.Ssim:F3} on {codec.Count} held-out digits"));
            }

            if (Lapgan is { } lapgan)
            {
                parts.Add($"LAPGAN chain of levels {string.Join(", ", lapgan.Levels.Select(l => $"{l.Level} (round {l.Round})"))}");
            }

            return string.Join("; ", parts);
        }
    }

    /// <summary>
    /// The Parzen estimate on the validation half of the held-out data (the half that chose sigma), at the same sigma:
    /// the figure to compare recipes on, so that the test half is only reported, never tuned on.
    /// </summary>
    public ParzenResult? ParzenValidation { get; init; }

    /// <summary>
    /// The Parzen estimate on the last training digits (sigma chosen on the first half of the last
    /// <see cref="Evaluation.TrainSliceSize"/> training samples, the mean on the second half): a figure from the
    /// training data alone, to choose recipes on without touching the held-out digits. G has trained on these digits, so
    /// a generator that copies its training data scores high here; compare it with the held-out figures.
    /// </summary>
    public ParzenResult? ParzenTrain { get; init; }

    /// <summary>With generatorEma on: the same evaluation of G's current weights instead of their average (same noise), to show what averaging did.</summary>
    public ParzenResult? ParzenWithoutAverage { get; init; }

    /// <summary>With generatorEma on: <see cref="ParzenValidation"/> of G's current weights.</summary>
    public ParzenResult? ParzenValidationWithoutAverage { get; init; }

    /// <summary>A 2-D mixture with generatorEma on: the mode coverage of G's current weights (same noise), beside the average's.</summary>
    public ModeCoverageResult? ModesWithoutAverage { get; init; }

    /// <summary>
    /// Sample batches whose forward pass was computed again because a native kernel returned a non-finite value for finite
    /// weights (<see cref="Runtime.FiniteForward"/>); null when none was.
    /// </summary>
    public int? NonFiniteRetries { get; init; }

    /// <summary>Model ssgan: D as a classifier of the held-out digits, beside the same network trained on the labels alone.</summary>
    public SemiSupervisedResult? SemiSupervised { get; init; }

    /// <summary>Model infogan: the categorical code as an unsupervised classifier (best one-to-one matching of code values to labels).</summary>
    public InfoGanResult? InfoGan { get; init; }

    /// <summary>Model catgan: D's classes as clusters of the held-out digits (best matching) and, with labels, its test error.</summary>
    public CatGanResult? CatGan { get; init; }

    /// <summary>Model vaegan: the reconstruction error of held-out digits in pixels and in D's features Dis_l.</summary>
    public VaeGanResult? VaeGan { get; init; }

    /// <summary>Model codec: bytes per image, PSNR and SSIM of the held-out digits through the encoder and decoder.</summary>
    public Codec.CodecResult? Codec { get; init; }

    /// <summary>A whole LAPGAN pyramid: the levels whose generators the chained samples came from (the Parzen figure is of the chain).</summary>
    public LapganResult? Lapgan { get; init; }
}

/// <summary>
/// Evaluates a generator the way the literature does: Parzen-window log-likelihood on held-out images
/// (Goodfellow et al. 2014, Table 1) and, for MNIST, the evaluation classifier's class distribution and MNIST FID;
/// mode coverage for the 2-D mixtures.
/// </summary>
public static class Evaluation
{
    /// <summary>Seed stream of the evaluation's samples (see <see cref="RngStream.Derive"/>): the same samples for the same seed.</summary>
    public const int SampleStream = 6;

    /// <summary>Generated samples of the 2-D mode-coverage evaluation: 2,500, as VEEGAN and PacGAN evaluate.</summary>
    public const int MixtureSamples = 2_500;

    /// <summary>Generated samples of the Parzen-window evaluation (Goodfellow et al. 2014 used 10,000).</summary>
    public const int ImageSamples = 10_000;

    /// <summary>The published sample count of the spec's evaluation.</summary>
    public static int DefaultSamples(ExperimentSpec spec) => spec.IsImageData ? ImageSamples : MixtureSamples;

    /// <summary>Training samples (the last ones of the training split) the training-side Parzen figure is measured on.</summary>
    public const int TrainSliceSize = 1_000;

    /// <param name="quality">The classifier metrics to use for MNIST (null: the shipped classifier, <see cref="MnistQuality.Shared"/>).</param>
    /// <param name="train">The training split: when given, <see cref="EvaluationResult.ParzenTrain"/> is measured on its last samples.</param>
    /// <param name="progress">Told the name of each stage as it starts (a command prints them, so a slow evaluation shows it is working).</param>
    public static EvaluationResult Run(GeneratorHalf generator, ExperimentSpec spec, SampleSet heldOut, int samples, MnistQuality? quality = null, SampleSet? train = null, Action<string>? progress = null)
    {
        using var scope = NewDisposeScope();
        if (spec.Model == ModelKind.Codec)
        {
            // A codec generates codes, not images: no Parzen or classifier figure; its figure needs the decoder
            // (WithDiscriminator).
            return new EvaluationResult("codec", 0, null, null);
        }

        if (spec.Model == ModelKind.Lapgan)
        {
            // One pyramid level's samples are conditioned on real digits' coarse images (levels 1, 0) or are 7x7 (level 2):
            // no figure of its own; the pyramid's figure is the chained sampler's (LapganEvaluation).
            return new EvaluationResult("lapgan-level", 0, null, null);
        }

        progress?.Invoke($"generating {samples} samples{(spec.GeneratorEma > 0 ? " from the average of G's weights" : string.Empty)}");
        // The same noise for the average and, when there is one, for G's current weights: the figures differ by the weights alone.
        var noiseSeed = RngStream.Derive(spec.Seed, SampleStream);
        using var fake = generator.Generate(samples, noiseSeed);
        if (spec.IsImageData)
        {
            var result = Images(fake.Samples, spec, heldOut, quality, train, progress);
            var retries = fake.NonFiniteRetries;
            if (spec.GeneratorEma > 0)
            {
                progress?.Invoke($"generating {samples} samples from G's current weights and their Parzen window (what the average did)");
                using var liveFake = generator.Generate(samples, noiseSeed, useAverage: false);
                var (liveTest, liveValidation) = Parzen(SampleRenderer.ToDataScale(liveFake.Samples, spec), heldOut.Samples);
                result = result with { ParzenWithoutAverage = liveTest, ParzenValidationWithoutAverage = liveValidation };
                retries += liveFake.NonFiniteRetries;
            }

            return retries > 0 ? result with { NonFiniteRetries = retries } : result;
        }

        progress?.Invoke("mode coverage");
        var mixture = DatasetCatalog.Mixture(spec);
        var means = mixture.Means;
        var coverage = new EvaluationResult("mode-coverage", samples, null, ModeCoverage.Evaluate(fake.Samples, means, mixture.Std));
        if (spec.GeneratorEma <= 0)
        {
            return coverage;
        }

        progress?.Invoke("mode coverage of G's current weights (what the average did)");
        using var live = generator.Generate(samples, noiseSeed, useAverage: false);
        return coverage with { ModesWithoutAverage = ModeCoverage.Evaluate(live.Samples, means, mixture.Std) };
    }

    /// <summary>The MNIST evaluation classifier applies to digits only (not Fashion-MNIST).</summary>
    public static bool HasClassifier(ExperimentSpec spec) => spec.Dataset == DatasetKind.Mnist;

    /// <summary>
    /// Evaluates a checkpoint's generator half (weights restored on the CPU) with the held-out data its spec names, and,
    /// given its discriminator half, the family's discriminator figure (<see cref="WithDiscriminator"/>).
    /// <paramref name="progress"/> is told each stage as it starts.
    /// </summary>
    public static EvaluationResult Checkpoint(ExperimentSpec spec, HalfState generatorState, int round, int samples, MnistQuality? quality = null, HalfState? discriminatorState = null, Action<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        progress?.Invoke($"loading the data and the generator of round {round}");
        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        using (var generator = GeneratorHalf.Restore(spec, CPU, generatorState))
        {
            var result = Run(generator, spec, heldOut, samples, quality, train, progress) with { Round = round };
            if (discriminatorState is null || !HasDiscriminatorFigure(spec))
            {
                return result;
            }

            progress?.Invoke($"{FamilyCatalog.Name(spec.Model)}'s figure from the discriminator half");
            using var discriminator = new DiscriminatorHalf(spec, CPU, train);
            discriminator.LoadState(discriminatorState);
            return WithDiscriminator(result, spec, discriminator.EvaluationNetwork, train, heldOut, generator.SamplingNetwork, discriminator.Network);
        }
    }

    /// <summary>True for families whose figure reads the discriminator (ssgan, catgan: D as a classifier; infogan: the Q head's categorical code).</summary>
    public static bool HasDiscriminatorFigure(ExperimentSpec spec) => spec.Model is ModelKind.Ssgan or ModelKind.InfoGan or ModelKind.CatGan or ModelKind.VaeGan or ModelKind.Codec;

    /// <summary>
    /// Adds the family's discriminator figure to <paramref name="result"/>: for ssgan, D's held-out test error beside the
    /// supervised-only baseline (<see cref="SsganEvaluation"/>); for infogan, the categorical code as a classifier of the
    /// held-out and training digits (<see cref="InfoGanEvaluation"/>); for catgan, D's clustering and test errors
    /// (<see cref="CatGanEvaluation"/>); for vaegan, with <paramref name="generator"/> (its encoder and decoder), the
    /// reconstruction error of the held-out digits in pixels and in D's features (<see cref="VaeGanEvaluation"/>). Other
    /// families: the result unchanged. <paramref name="discriminator"/> is D's weight average when discriminatorEma is on
    /// (<see cref="DiscriminatorHalf.EvaluationNetwork"/>); given D's current weights as <paramref name="live"/> too, ssgan
    /// and catgan report their errors beside the average's.
    /// </summary>
    public static EvaluationResult WithDiscriminator(EvaluationResult result, ExperimentSpec spec, Models.DiscriminatorNet discriminator, SampleSet train, SampleSet heldOut, Models.GeneratorNet? generator = null, Models.DiscriminatorNet? live = null) =>
        (discriminator, spec.Model) switch
        {
            (SsganClassifier ssgan, ModelKind.Ssgan) => result with
            {
                SemiSupervised = SsganEvaluation.Evaluate(spec, ssgan, train, heldOut, CurrentWeights(live, ssgan)),
            },
            (InfoGanDiscriminator info, ModelKind.InfoGan) => result with { InfoGan = InfoGanEvaluation.Evaluate(info, train, heldOut) },
            (CatGanDiscriminator catgan, ModelKind.CatGan) => result with
            {
                CatGan = CatGanEvaluation.Evaluate(spec, catgan, train, heldOut, CurrentWeights(live, catgan)),
            },
            (VaeGanDiscriminator vaegan, ModelKind.VaeGan) when generator is VaeGanGenerator encoderDecoder =>
                result with { VaeGan = VaeGanEvaluation.Evaluate(encoderDecoder, vaegan, train, heldOut) },
            (CodecDecoder decoder, ModelKind.Codec) when generator is CodecEncoder encoder =>
                result with { Codec = Codec.CodecEvaluation.Evaluate(encoder, decoder, train, heldOut) },
            _ => result,
        };

    /// <summary>D's current weights when they are not the network evaluated (discriminatorEma on: that one is their average); else null.</summary>
    private static T? CurrentWeights<T>(Models.DiscriminatorNet? live, T evaluated) where T : Models.DiscriminatorNet =>
        live is T current && !ReferenceEquals(current, evaluated) ? current : null;

    /// <summary>The last <see cref="TrainSliceSize"/> training samples (all of them when fewer).</summary>
    private static Tensor TrainSlice(SampleSet train)
    {
        var count = Math.Min(TrainSliceSize, train.Count);
        return train.Samples.narrow(0, train.Count - count, count);
    }

    /// <summary>
    /// The image figures of generated samples [N, 1, 28, 28] in <paramref name="spec"/>'s output range that did not come from
    /// one generator half (LAPGAN's chained levels): Parzen (test and validation halves; with <paramref name="train"/>, the
    /// training-side figure too) and, for MNIST, the classifier's.
    /// </summary>
    public static EvaluationResult Images(Tensor samples, ExperimentSpec spec, SampleSet heldOut, MnistQuality? quality = null, SampleSet? train = null, Action<string>? progress = null)
    {
        using var scope = NewDisposeScope();
        // Once for the three figures below (for dcgan-64 it is a 64 -> 28 interpolation of every sample).
        var data = SampleRenderer.ToDataScale(samples, spec);
        progress?.Invoke($"Parzen window on the {heldOut.Count} held-out images");
        var (test, validation) = Parzen(data, heldOut.Samples);
        MnistQualityResult? classifier = null;
        if (HasClassifier(spec))
        {
            progress?.Invoke("MNIST classifier figures (class shares, MNIST FID)");
            classifier = (quality ?? MnistQuality.Shared).Evaluate(data);
        }

        ParzenResult? onTrain = null;
        if (train is { Count: > 1 })
        {
            progress?.Invoke($"Parzen window on the last {Math.Min(TrainSliceSize, train.Count)} training images");
            onTrain = Parzen(data, TrainSlice(train)).Test;
        }

        return new EvaluationResult("parzen", (int)samples.shape[0], test, null, classifier)
        {
            ParzenValidation = validation,
            ParzenTrain = onTrain,
        };
    }

    /// <summary>Parzen window of samples in the data's scale on <paramref name="real"/> (the held-out digits or the training slice): sigma chosen on its first half (validation), the mean reported on the second (test).</summary>
    private static (ParzenResult Test, ParzenResult Validation) Parzen(Tensor dataScaled, Tensor real)
    {
        var generated = dataScaled.flatten(1);
        var held = real.flatten(1);
        var half = held.shape[0] / 2;
        var validation = held[..(int)half];
        var test = held[(int)half..];
        var sigma = ParzenWindow.SelectBandwidth(generated, validation);
        return (ParzenWindow.Evaluate(generated, test, sigma), ParzenWindow.Evaluate(generated, validation, sigma));
    }

    /// <summary>
    /// Mode coverage of the points drawn for the checkpoint's scatter plot (same seed, so the plot shows what was
    /// counted), or null for image data. Used at every checkpoint by the mode-collapse alarm.
    /// </summary>
    public static ModeCoverageResult? Modes(GeneratorHalf generator, ExperimentSpec spec, int samples = SampleRenderer.ScatterPoints)
    {
        if (spec.IsImageData)
        {
            return null;
        }

        using var scope = NewDisposeScope();
        using var fake = generator.Generate(samples, RngStream.Derive(spec.Seed, 5));
        return ModeCoverage.Evaluate(fake.Samples, DatasetCatalog.Mixture(spec));
    }
}
