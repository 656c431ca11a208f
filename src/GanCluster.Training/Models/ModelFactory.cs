using System.Globalization;
using System.Text;
using GanCluster.Training.Options;
using TorchSharp;

namespace GanCluster.Training.Models;

/// <summary>
/// Creates the networks an experiment names and answers questions about them (sample shape, output range,
/// size). Initialization draws from torch's global generator and nothing here seeds it: the caller seeds
/// (or swaps in its own generator state) right before creation, and the same state gives the same weights.
/// </summary>
public static class ModelFactory
{
    /// <summary>The generator of <paramref name="spec"/>'s model; throws <see cref="ArgumentException"/> naming the field for combinations no model supports.</summary>
    public static GeneratorNet CreateGenerator(ExperimentSpec spec)
    {
        Validate(spec);
        var classes = spec.Conditional ? spec.Classes : 0;
        return spec.Model switch
        {
            ModelKind.Mlp => new MlpGenerator(spec.LatentSize, classes),
            ModelKind.Dcgan => new DcganGenerator(spec.LatentSize, spec.ImageSize, ImageChannels(spec.Dataset), classes),
            ModelKind.Toy => new ToyGenerator(spec.LatentSize, classes, spec.Toy.GeneratorWidth, spec.Toy.GeneratorDepth, spec.Toy.LatentCategories),
            _ => throw UnknownModel(spec.Model),
        };
    }

    /// <summary>The discriminator of <paramref name="spec"/>'s model, taking packed input for spec.Packing.</summary>
    public static DiscriminatorNet CreateDiscriminator(ExperimentSpec spec)
    {
        Validate(spec);
        var classes = spec.Conditional ? spec.Classes : 0;
        return spec.Model switch
        {
            ModelKind.Mlp => new MlpDiscriminator(spec.Packing, classes, spec.MinibatchStd),
            ModelKind.Dcgan => new DcganDiscriminator(spec.ImageSize, ImageChannels(spec.Dataset), spec.Packing, classes),
            ModelKind.Toy => new ToyDiscriminator(spec.Packing, classes, spec.Toy.DiscriminatorWidth, spec.Toy.DiscriminatorDepth),
            _ => throw UnknownModel(spec.Model),
        };
    }

    /// <summary>Shape of one generated sample (no batch axis): [C, 28, 28], [C, 64, 64] or [2].</summary>
    public static long[] SampleShape(ExperimentSpec spec)
    {
        Validate(spec);
        return spec.Model switch
        {
            ModelKind.Mlp => [ImageChannels(spec.Dataset), MlpGenerator.ImageSide, MlpGenerator.ImageSide],
            ModelKind.Dcgan => [ImageChannels(spec.Dataset), spec.ImageSize, spec.ImageSize],
            ModelKind.Toy => [ToyGenerator.PointSize],
            _ => throw UnknownModel(spec.Model),
        };
    }

    /// <summary>The range of the model's samples; real data must be mapped to it before D sees it.</summary>
    public static SampleRange OutputRange(ModelKind kind) => kind switch
    {
        ModelKind.Mlp => SampleRange.UnitInterval,
        ModelKind.Dcgan => SampleRange.Symmetric,
        ModelKind.Toy => SampleRange.Unbounded,
        _ => throw UnknownModel(kind),
    };

    /// <summary>Channels per image of an image data set (MNIST and Fashion-MNIST are grayscale).</summary>
    public static int ImageChannels(DatasetKind dataset) => dataset switch
    {
        DatasetKind.Mnist or DatasetKind.FashionMnist => 1,
        _ => throw new ArgumentException($"dataset: {Name(dataset)} holds 2-D points, not images"),
    };

    /// <summary>
    /// Throws <see cref="ArgumentException"/> whose message starts with the offending field (for example
    /// "imageSize: dcgan supports 28 or 64; got 32") when no network can be built for the spec.
    /// </summary>
    public static void Validate(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Enum.IsDefined(spec.Model))
        {
            throw UnknownModel(spec.Model);
        }

        if (!Enum.IsDefined(spec.Dataset))
        {
            throw new ArgumentException($"dataset: unknown data set {(int)spec.Dataset}; allowed: mnist, fashion-mnist, ring8, grid25");
        }

        if (spec.LatentSize < 1)
        {
            throw new ArgumentException($"latentSize: must be >= 1; got {spec.LatentSize}");
        }

        if (spec.Packing < 1)
        {
            throw new ArgumentException($"packing: must be >= 1 (1 = no packing); got {spec.Packing}");
        }

        switch (spec.Model)
        {
            case ModelKind.Mlp:
                RequireImageData(spec);
                if (spec.ImageSize != MlpGenerator.ImageSide)
                {
                    throw new ArgumentException($"imageSize: mlp supports only {MlpGenerator.ImageSide}; got {spec.ImageSize} (use model dcgan for 64)");
                }

                break;
            case ModelKind.Dcgan:
                RequireImageData(spec);
                if (spec.ImageSize is not (28 or 64))
                {
                    throw new ArgumentException($"imageSize: dcgan supports 28 or 64; got {spec.ImageSize}");
                }

                break;
            case ModelKind.Toy:
                if (spec.IsImageData)
                {
                    throw new ArgumentException($"dataset: toy supports ring8 or grid25; got {Name(spec.Dataset)} (use model mlp or dcgan for images)");
                }

                break;
        }
    }

    /// <summary>Number of trainable parameters (weights and biases; BatchNorm running statistics are buffers and not counted).</summary>
    public static long ParameterCount(torch.nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
    }

    /// <summary>
    /// One line for logs: the network's type, its parameter count and every parameter with its shape, e.g.
    /// "MlpGenerator: 2,403,184 parameters; fc1.weight [1200, 100], fc1.bias [1200], ...".
    /// </summary>
    public static string Describe(torch.nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var text = new StringBuilder();
        text.Append(network.GetType().Name)
            .Append(": ")
            .Append(ParameterCount(network).ToString("N0", CultureInfo.InvariantCulture))
            .Append(" parameters; ");
        text.AppendJoin(", ", network.named_parameters().Select(p => $"{p.name} [{string.Join(", ", p.parameter.shape)}]"));
        return text.ToString();
    }

    private static void RequireImageData(ExperimentSpec spec)
    {
        if (!spec.IsImageData)
        {
            throw new ArgumentException($"dataset: {Name(spec.Model)} supports mnist or fashion-mnist; got {Name(spec.Dataset)} (use model toy for 2-D points)");
        }
    }

    private static ArgumentException UnknownModel(ModelKind kind) =>
        new($"model: unknown model {(int)kind}; allowed: mlp, dcgan, toy");

    // The JSON names users write in experiment files, so messages point at what they typed.
    private static string Name(ModelKind kind) => kind switch
    {
        ModelKind.Mlp => "mlp",
        ModelKind.Dcgan => "dcgan",
        ModelKind.Toy => "toy",
        _ => kind.ToString(),
    };

    private static string Name(DatasetKind dataset) => dataset switch
    {
        DatasetKind.Mnist => "mnist",
        DatasetKind.FashionMnist => "fashion-mnist",
        DatasetKind.Ring8 => "ring8",
        DatasetKind.Grid25 => "grid25",
        _ => dataset.ToString(),
    };
}
