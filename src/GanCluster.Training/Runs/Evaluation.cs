using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Runs;

/// <summary>The final quality figures of a run.</summary>
public sealed record EvaluationResult(string Kind, int Samples, ParzenResult? Parzen, ModeCoverageResult? Modes)
{
    /// <summary>
    /// The Parzen estimate on the validation half of the held-out data (the half that chose sigma), at the same sigma:
    /// the figure to compare recipes on, so that the test half is only reported, never tuned on.
    /// </summary>
    public ParzenResult? ParzenValidation { get; init; }

    /// <summary>With generatorEma on: the same evaluation of G's current weights instead of their average (same noise), to show what averaging did.</summary>
    public ParzenResult? ParzenWithoutAverage { get; init; }

    /// <summary>With generatorEma on: <see cref="ParzenValidation"/> of G's current weights.</summary>
    public ParzenResult? ParzenValidationWithoutAverage { get; init; }
}

/// <summary>
/// Evaluates a generator the way the literature does: Parzen-window log-likelihood on held-out images
/// (Goodfellow et al. 2014, Table 1), or mode coverage for the 2-D mixtures.
/// </summary>
public static class Evaluation
{
    public static EvaluationResult Run(GeneratorHalf generator, ExperimentSpec spec, SampleSet heldOut, int samples)
    {
        using var scope = NewDisposeScope();
        using var fake = generator.Generate(samples, RngStream.Derive(spec.Seed, 6));
        if (spec.IsImageData)
        {
            var (test, validation) = Parzen(fake.Samples, spec, heldOut);
            var result = new EvaluationResult("parzen", samples, test, null) { ParzenValidation = validation };
            if (spec.GeneratorEma > 0)
            {
                using var liveFake = generator.Generate(samples, RngStream.Derive(spec.Seed, 6), useAverage: false);
                var (liveTest, liveValidation) = Parzen(liveFake.Samples, spec, heldOut);
                result = result with { ParzenWithoutAverage = liveTest, ParzenValidationWithoutAverage = liveValidation };
            }

            return result;
        }

        var mixture = DatasetCatalog.Mixture(spec);
        return new EvaluationResult("mode-coverage", samples, null, ModeCoverage.Evaluate(fake.Samples, mixture.Means, mixture.Std));
    }

    /// <summary>Parzen window on the held-out half: sigma chosen on its first half (validation), the mean reported on the second (test).</summary>
    private static (ParzenResult Test, ParzenResult Validation) Parzen(Tensor samples, ExperimentSpec spec, SampleSet heldOut)
    {
        var generated = SampleRenderer.ToDataScale(samples, spec).flatten(1);
        var held = heldOut.Samples.flatten(1);
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
