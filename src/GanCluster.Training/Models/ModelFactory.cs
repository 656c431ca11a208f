using GanCluster.Training.Options;

namespace GanCluster.Training.Models;

/// <summary>Creates the networks an experiment names. Initialization draws from torch's global generator.</summary>
public static class ModelFactory
{
    public static GeneratorNet CreateGenerator(ExperimentSpec spec)
    {
        var classes = spec.Conditional ? spec.Classes : 0;
        return spec.Model switch
        {
            ModelKind.Mlp => new MlpGenerator(spec.LatentSize, classes),
            ModelKind.Dcgan => new DcganGenerator(spec.LatentSize, spec.ImageSize, channels: 1, classes),
            ModelKind.Toy => new ToyGenerator(spec.LatentSize, classes),
            _ => throw new ArgumentException($"model: unknown model {spec.Model}"),
        };
    }

    public static DiscriminatorNet CreateDiscriminator(ExperimentSpec spec)
    {
        var classes = spec.Conditional ? spec.Classes : 0;
        return spec.Model switch
        {
            ModelKind.Mlp => new MlpDiscriminator(spec.Packing, classes),
            ModelKind.Dcgan => new DcganDiscriminator(spec.ImageSize, channels: 1, spec.Packing, classes),
            ModelKind.Toy => new ToyDiscriminator(spec.Packing, classes),
            _ => throw new ArgumentException($"model: unknown model {spec.Model}"),
        };
    }

    /// <summary>Shape of one generated sample.</summary>
    public static long[] SampleShape(ExperimentSpec spec) => spec.Model switch
    {
        ModelKind.Mlp => [1, 28, 28],
        ModelKind.Dcgan => [1, spec.ImageSize, spec.ImageSize],
        _ => [2],
    };

    public static SampleRange OutputRange(ModelKind kind) => kind switch
    {
        ModelKind.Mlp => SampleRange.UnitInterval,
        ModelKind.Dcgan => SampleRange.Symmetric,
        _ => SampleRange.Unbounded,
    };
}
