using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// DCGAN generator (Radford et al. 2015): transposed convolutions with BatchNorm and ReLU, tanh output.
/// 64x64: z -> 4x4 (8 ngf) -> 8x8 (4 ngf) -> 16x16 (2 ngf) -> 32x32 (ngf) -> 64x64, the pytorch/examples
/// architecture. 28x28: z -> 7x7 (4 ngf) -> 14x14 (2 ngf) -> 28x28. Conditional: a one-hot label is
/// concatenated to z.
/// </summary>
public sealed class DcganGenerator : GeneratorNet
{
    private readonly TorchSharp.Modules.Sequential main;
    private readonly int _classes;

    public DcganGenerator(int latentSize, int imageSize, int channels = 1, int classes = 0, int width = 64) : base(nameof(DcganGenerator))
    {
        _classes = classes;
        var nz = latentSize + classes;
        main = imageSize switch
        {
            64 => Sequential(
                ConvTranspose2d(nz, width * 8, 4, 1, 0, bias: false), BatchNorm2d(width * 8), ReLU(true),
                ConvTranspose2d(width * 8, width * 4, 4, 2, 1, bias: false), BatchNorm2d(width * 4), ReLU(true),
                ConvTranspose2d(width * 4, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), ReLU(true),
                ConvTranspose2d(width * 2, width, 4, 2, 1, bias: false), BatchNorm2d(width), ReLU(true),
                ConvTranspose2d(width, channels, 4, 2, 1, bias: false), Tanh()),
            28 => Sequential(
                ConvTranspose2d(nz, width * 4, 7, 1, 0, bias: false), BatchNorm2d(width * 4), ReLU(true),
                ConvTranspose2d(width * 4, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), ReLU(true),
                ConvTranspose2d(width * 2, channels, 4, 2, 1, bias: false), Tanh()),
            _ => throw new ArgumentException($"imageSize: dcgan supports 28 or 64; got {imageSize}"),
        };
        RegisterComponents();
        DcganInit.Apply(this);
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = _classes > 0 ? cat(new[] { z, LabelFeatures.OneHot(LabelFeatures.Require(labels, "conditional dcgan"), _classes, z.dtype) }, 1) : z;
        return main.call(input.view(input.shape[0], input.shape[1], 1, 1)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// DCGAN discriminator: strided convolutions with LeakyReLU(0.2), BatchNorm on all but the first layer,
/// a final convolution to one logit per (packed) sample. Packing m and conditional label maps add input
/// channels: m x (channels + classes).
/// </summary>
public sealed class DcganDiscriminator : DiscriminatorNet
{
    private readonly TorchSharp.Modules.Sequential main;
    private readonly int _classes;
    private readonly int _imageSize;

    public DcganDiscriminator(int imageSize, int channels = 1, int packing = 1, int classes = 0, int width = 64) : base(nameof(DcganDiscriminator))
    {
        _classes = classes;
        _imageSize = imageSize;
        var inputs = packing * (channels + classes);
        main = imageSize switch
        {
            64 => Sequential(
                Conv2d(inputs, width, 4, 2, 1, bias: false), LeakyReLU(0.2, true),
                Conv2d(width, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), LeakyReLU(0.2, true),
                Conv2d(width * 2, width * 4, 4, 2, 1, bias: false), BatchNorm2d(width * 4), LeakyReLU(0.2, true),
                Conv2d(width * 4, width * 8, 4, 2, 1, bias: false), BatchNorm2d(width * 8), LeakyReLU(0.2, true),
                Conv2d(width * 8, 1, 4, 1, 0, bias: false)),
            28 => Sequential(
                Conv2d(inputs, width, 4, 2, 1, bias: false), LeakyReLU(0.2, true),
                Conv2d(width, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), LeakyReLU(0.2, true),
                Conv2d(width * 2, 1, 7, 1, 0, bias: false)),
            _ => throw new ArgumentException($"imageSize: dcgan supports 28 or 64; got {imageSize}"),
        };
        RegisterComponents();
        DcganInit.Apply(this);
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = x;
        if (_classes > 0)
        {
            // Label maps: each packed sample's one-hot broadcast over the image plane.
            var maps = LabelFeatures.PackedOneHot(LabelFeatures.Require(labels, "conditional dcgan"), _classes, x.dtype)
                .view(x.shape[0], -1, 1, 1).expand(-1, -1, _imageSize, _imageSize);
            input = cat(new[] { x, maps }, 1);
        }

        return main.call(input).view(-1).MoveToOuterDisposeScope();
    }
}

/// <summary>The DCGAN paper's initialization: convolutions N(0, 0.02), BatchNorm weight N(1, 0.02), bias 0.</summary>
internal static class DcganInit
{
    public static void Apply(Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case TorchSharp.Modules.Conv2d conv:
                    init.normal_(conv.weight, 0.0, 0.02);
                    break;
                case TorchSharp.Modules.ConvTranspose2d deconv:
                    init.normal_(deconv.weight, 0.0, 0.02);
                    break;
                case TorchSharp.Modules.BatchNorm2d norm:
                    init.normal_(norm.weight, 1.0, 0.02);
                    init.zeros_(norm.bias);
                    break;
            }
        }
    }
}
