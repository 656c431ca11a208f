using GanCluster.Training.Models;
using GanCluster.Training.Options;

namespace GanCluster.Training.Families;

/// <summary>Radford et al. (2015) DCGAN (tanh output) for 28x28 or 64x64 images.</summary>
public sealed class DcganFamily : GanFamily
{
    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool DiscriminatorNormalizesBatch => true;

    public override bool SupportsMinibatchStd => true;

    public override bool SupportsSpectralNorm => true;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) =>
        new DcganGenerator(spec.LatentSize, spec.ImageSize, ImageChannels(spec.Dataset), Classes(spec));

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) =>
        new DcganDiscriminator(spec.ImageSize, ImageChannels(spec.Dataset), spec.Packing, Classes(spec), minibatchStd: spec.MinibatchStd, spectralNorm: spec.SpectralNorm == true);

    public override long[] SampleShape(ExperimentSpec spec) => [ImageChannels(spec.Dataset), spec.ImageSize, spec.ImageSize];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var dataset = RequireImageData(spec).ToList();
        if (dataset.Count > 0)
        {
            return dataset;
        }

        return spec.ImageSize is 28 or 64 ? [] : [new SpecError("imageSize", $"dcgan supports 28 or 64; got {spec.ImageSize}")];
    }
}
