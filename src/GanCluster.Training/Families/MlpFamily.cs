using GanCluster.Training.Models;
using GanCluster.Training.Options;

namespace GanCluster.Training.Families;

/// <summary>Goodfellow et al. (2014) MNIST MLP: G 100-1200-1200-784 (sigmoid), D maxout with dropout; 28x28 images.</summary>
public sealed class MlpFamily : GanFamily
{
    public override SampleRange OutputRange => SampleRange.UnitInterval;

    public override bool SupportsMinibatchStd => true;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) => new MlpGenerator(spec.LatentSize, Classes(spec));

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => new MlpDiscriminator(spec.Packing, Classes(spec), spec.MinibatchStd);

    public override long[] SampleShape(ExperimentSpec spec) => [ImageChannels(spec.Dataset), MlpGenerator.ImageSide, MlpGenerator.ImageSide];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var dataset = RequireImageData(spec).ToList();
        if (dataset.Count > 0)
        {
            return dataset;
        }

        return spec.ImageSize == MlpGenerator.ImageSide
            ? []
            : [new SpecError("imageSize", $"mlp supports only {MlpGenerator.ImageSide}; got {spec.ImageSize} (use model dcgan for 64)")];
    }
}
