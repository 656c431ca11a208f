using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Output;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Runs;

/// <summary>Turns a generator's output into what people look at: a grid of images, or a scatter plot of 2-D points.</summary>
public static class SampleRenderer
{
    /// <summary>Number of points drawn for a 2-D scatter plot.</summary>
    public const int ScatterPoints = 1000;

    /// <summary>Writes the fixed-noise grid (images; the family lays it out, e.g. InfoGAN's traversal grid) or a scatter plot of generated points (2-D data) as PNG.</summary>
    public static void WriteSamples(GeneratorHalf generator, ExperimentSpec spec, string path)
    {
        using var scope = NewDisposeScope();
        if (spec.IsImageData)
        {
            var (images, columns) = generator.SampleFixed();
            SampleGrid.SavePng(ToUnitRange(images, spec), path, columns);
        }
        else
        {
            using var fake = generator.Generate(ScatterPoints, RngStream.Derive(spec.Seed, 5));
            using var modes = DatasetCatalog.Mixture(spec).Means;
            ScatterPlot.SavePng(fake.Samples, modes, path, size: 512);
        }
    }

    /// <summary>Writes a grid (or scatter plot) of real training samples.</summary>
    public static void WriteReals(SampleSet data, ExperimentSpec spec, string path)
    {
        using var scope = NewDisposeScope();
        if (spec.IsImageData)
        {
            SampleGrid.SavePng(data.Samples[..Math.Min(64, data.Count)], path, columns: 8);
        }
        else
        {
            using var modes = DatasetCatalog.Mixture(spec).Means;
            ScatterPlot.SavePng(data.Samples[..Math.Min(ScatterPoints, data.Count)], modes, path, size: 512);
        }
    }

    /// <summary>Maps generated images back to [0, 1] at 28x28, the scale of the data sets and of the Parzen evaluation.</summary>
    public static Tensor ToUnitRange(Tensor images, ExperimentSpec spec)
    {
        // The scope holds the intermediate tensors until the calls that read them return (see KeptScalars).
        using var scope = NewDisposeScope();
        var x = FamilyCatalog.OutputRange(spec.Model) == SampleRange.Symmetric ? images.add(KeptScalars.One, KeptScalars.One).div(KeptScalars.Two) : images;
        return x.clamp(KeptScalars.Of(0), KeptScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>Generated images at the data set's native 28x28, in [0, 1].</summary>
    public static Tensor ToDataScale(Tensor images, ExperimentSpec spec)
    {
        using var scope = NewDisposeScope(); // holds x until interpolate has read it
        var x = ToUnitRange(images, spec);
        return (x.shape[^1] == 28 ? x : F.interpolate(x, new long[] { 28, 28 }, mode: InterpolationMode.Area)).MoveToOuterDisposeScope();
    }
}
