using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Runs;

/// <summary>The final quality figures of a run.</summary>
public sealed record EvaluationResult(string Kind, int Samples, ParzenResult? Parzen, ModeCoverageResult? Modes);

/// <summary>
/// Evaluates a generator the way the literature does: Parzen-window log-likelihood on held-out images
/// (Goodfellow et al. 2014, Table 1), or mode coverage for the 2-D mixtures.
/// </summary>
public static class Evaluation
{
    /// <summary>Generated samples of the 2-D mode-coverage evaluation: 2,500, as VEEGAN and PacGAN evaluate.</summary>
    public const int MixtureSamples = 2_500;

    /// <summary>Generated samples of the Parzen-window evaluation (Goodfellow et al. 2014 used 10,000).</summary>
    public const int ImageSamples = 10_000;

    /// <summary>The published sample count of the spec's evaluation.</summary>
    public static int DefaultSamples(ExperimentSpec spec) => spec.IsImageData ? ImageSamples : MixtureSamples;

    public static EvaluationResult Run(GeneratorHalf generator, ExperimentSpec spec, SampleSet heldOut, int samples)
    {
        using var scope = NewDisposeScope();
        using var fake = generator.Generate(samples, RngStream.Derive(spec.Seed, 6));
        if (spec.IsImageData)
        {
            var generated = SampleRenderer.ToDataScale(fake.Samples, spec).flatten(1);
            var held = heldOut.Samples.flatten(1);
            var half = held.shape[0] / 2;
            var validation = held[..(int)half];
            var test = held[(int)half..];
            var sigma = ParzenWindow.SelectBandwidth(generated, validation);
            return new EvaluationResult("parzen", samples, ParzenWindow.Evaluate(generated, test, sigma), null);
        }

        var mixture = DatasetCatalog.Mixture(spec);
        return new EvaluationResult("mode-coverage", samples, null, ModeCoverage.Evaluate(fake.Samples, mixture.Means, mixture.Std));
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
