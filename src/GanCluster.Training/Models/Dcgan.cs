using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// DCGAN generator (Radford et al. 2015): transposed convolutions with BatchNorm and ReLU, tanh output
/// (<see cref="SampleRange.Symmetric"/>), samples [N, channels, size, size].
/// 64x64 is the pytorch/examples architecture: z -> 4x4 (8 w) -> 8x8 (4 w) -> 16x16 (2 w) -> 32x32 (w)
/// -> 64x64. 28x28 is the analogous smaller net: z -> 7x7 (4 w) -> 14x14 (2 w) -> 28x28.
/// Conditional: the label's one-hot is concatenated to z.
/// State-dict keys are those of pytorch/examples' netG: <c>main.{i}.weight</c> for the layer at index i
/// of the Sequential, plus <c>bias</c>, <c>running_mean</c>, <c>running_var</c> and
/// <c>num_batches_tracked</c> for the BatchNorm layers (main.1, main.4, ...).
/// </summary>
public sealed class DcganGenerator : GeneratorNet
{
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;
    private readonly int _classes;

    /// <param name="latentSize">Dimension of z (DCGAN: 100).</param>
    /// <param name="imageSize">28 or 64.</param>
    /// <param name="channels">Channels of the generated images (1 for MNIST-like data).</param>
    /// <param name="classes">Number of classes for a conditional generator; 0 = unconditional.</param>
    /// <param name="width">ngf: feature maps of the last hidden layer; earlier layers have 2, 4 (and 8) times as many.</param>
    public DcganGenerator(int latentSize, int imageSize, int channels = 1, int classes = 0, int width = 64) : base(nameof(DcganGenerator))
    {
        if (latentSize < 1 || channels < 1 || classes < 0 || width < 1)
        {
            throw new ArgumentException($"dcgan generator: latentSize, channels and width >= 1, classes >= 0; got {latentSize}, {channels}, {width}, {classes}");
        }

        _latentSize = latentSize;
        _classes = classes;
        var nz = latentSize + classes;
        _main = imageSize switch
        {
            64 => Sequential(
                ConvTranspose2d(nz, width * 8, 4, 1, 0, bias: false), BatchNorm2d(width * 8), ReLU(inplace: true),
                ConvTranspose2d(width * 8, width * 4, 4, 2, 1, bias: false), BatchNorm2d(width * 4), ReLU(inplace: true),
                ConvTranspose2d(width * 4, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), ReLU(inplace: true),
                ConvTranspose2d(width * 2, width, 4, 2, 1, bias: false), BatchNorm2d(width), ReLU(inplace: true),
                ConvTranspose2d(width, channels, 4, 2, 1, bias: false), Tanh()),

            // A 7x7 kernel on the 1x1 input is the "project and reshape" of the paper: a full linear map
            // from z to a 7x7 feature map, mirroring the 7x7 convolution that ends the 28x28 discriminator.
            28 => Sequential(
                ConvTranspose2d(nz, width * 4, 7, 1, 0, bias: false), BatchNorm2d(width * 4), ReLU(inplace: true),
                ConvTranspose2d(width * 4, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), ReLU(inplace: true),
                ConvTranspose2d(width * 2, channels, 4, 2, 1, bias: false), Tanh()),
            _ => throw new ArgumentException($"imageSize: dcgan supports 28 or 64; got {imageSize}"),
        };
        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = NetInputs.GeneratorInput("dcgan generator", z, labels, _latentSize, _classes);
        return _main.call(input.view(input.shape[0], input.shape[1], 1, 1)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// DCGAN discriminator (Radford et al. 2015): strided convolutions with LeakyReLU(0.2), BatchNorm on all
/// but the first layer, and a final convolution to one logit per packed group (no sigmoid), shape [B].
/// 64x64: 64 -> 32 (w) -> 16 (2 w) -> 8 (4 w) -> 4 (8 w) -> 1, the pytorch/examples netD. 28x28: 28 -> 14
/// (w) -> 7 (2 w) -> 1. Input channels are m x channels for PacGAN packing m, plus m x classes label maps
/// when conditional: each packed sample's one-hot broadcast over the image plane, appended after the images.
/// State-dict keys follow pytorch/examples' netD: <c>main.{i}.weight</c> (and the BatchNorm buffers). With
/// <c>minibatchStd</c> the last convolution reads one more channel: the batch's mean standard deviation
/// (<see cref="MinibatchStd.AppendMap"/>), appended to the last feature maps.
/// </summary>
public sealed class DcganDiscriminator : DiscriminatorNet
{
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _imageSize;
    private readonly int _channels;
    private readonly int _packing;
    private readonly int _classes;
    private readonly Module<Tensor, Tensor>[]? _layers;

    /// <param name="imageSize">28 or 64.</param>
    /// <param name="channels">Channels of one image (1 for MNIST-like data).</param>
    /// <param name="packing">PacGAN packing m: samples judged together (1 = off).</param>
    /// <param name="classes">Number of classes for a conditional discriminator; 0 = unconditional.</param>
    /// <param name="width">ndf: feature maps of the first layer; later layers have 2, 4 (and 8) times as many.</param>
    /// <param name="minibatchStd">Append the minibatch standard deviation channel before the last convolution.</param>
    /// <param name="spectralNorm">
    /// Miyato et al. (2018)'s D: every convolution spectrally normalised (<see cref="SpectralNormConv2d"/>) and no BatchNorm,
    /// the layers keeping their convolution's default initialization (the normalised kernel does not depend on its scale).
    /// </param>
    public DcganDiscriminator(int imageSize, int channels = 1, int packing = 1, int classes = 0, int width = 64, bool minibatchStd = false, bool spectralNorm = false) : base(nameof(DcganDiscriminator))
    {
        if (channels < 1 || packing < 1 || classes < 0 || width < 1)
        {
            throw new ArgumentException($"dcgan discriminator: channels, packing and width >= 1, classes >= 0; got {channels}, {packing}, {width}, {classes}");
        }

        _imageSize = imageSize;
        _channels = channels;
        _packing = packing;
        _classes = classes;
        var inputs = packing * (channels + classes);
        var extra = minibatchStd ? 1 : 0;
        _main = spectralNorm ? SpectralLayers(imageSize, inputs, width, extra) : imageSize switch
        {
            64 => Sequential(
                Conv2d(inputs, width, 4, 2, 1, bias: false), LeakyReLU(0.2, inplace: true),
                Conv2d(width, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), LeakyReLU(0.2, inplace: true),
                Conv2d(width * 2, width * 4, 4, 2, 1, bias: false), BatchNorm2d(width * 4), LeakyReLU(0.2, inplace: true),
                Conv2d(width * 4, width * 8, 4, 2, 1, bias: false), BatchNorm2d(width * 8), LeakyReLU(0.2, inplace: true),
                new OneOutputConv2d(width * 8 + extra, 4, 1, 0, hasBias: false)),
            28 => Sequential(
                Conv2d(inputs, width, 4, 2, 1, bias: false), LeakyReLU(0.2, inplace: true),
                Conv2d(width, width * 2, 4, 2, 1, bias: false), BatchNorm2d(width * 2), LeakyReLU(0.2, inplace: true),
                new OneOutputConv2d(width * 2 + extra, 7, 1, 0, hasBias: false)),
            _ => throw new ArgumentException($"imageSize: dcgan supports 28 or 64; got {imageSize}"),
        };
        RegisterComponents();
        _layers = minibatchStd ? _main.children().Cast<Module<Tensor, Tensor>>().ToArray() : null;
        WeightInit.Dcgan(this);
    }

    /// <summary>The same convolutions as DCGAN's D, spectrally normalised, without BatchNorm (Miyato et al. 2018).</summary>
    private static TorchSharp.Modules.Sequential SpectralLayers(int imageSize, int inputs, int width, int extra) => imageSize switch
    {
        64 => Sequential(
            new SpectralNormConv2d(inputs, width, 4, 2, 1), LeakyReLU(0.2, inplace: true),
            new SpectralNormConv2d(width, width * 2, 4, 2, 1), LeakyReLU(0.2, inplace: true),
            new SpectralNormConv2d(width * 2, width * 4, 4, 2, 1), LeakyReLU(0.2, inplace: true),
            new SpectralNormConv2d(width * 4, width * 8, 4, 2, 1), LeakyReLU(0.2, inplace: true),
            new OneOutputConv2d(width * 8 + extra, 4, 1, 0, hasBias: false, spectralNorm: true)),
        28 => Sequential(
            new SpectralNormConv2d(inputs, width, 4, 2, 1), LeakyReLU(0.2, inplace: true),
            new SpectralNormConv2d(width, width * 2, 4, 2, 1), LeakyReLU(0.2, inplace: true),
            new OneOutputConv2d(width * 2 + extra, 7, 1, 0, hasBias: false, spectralNorm: true)),
        _ => throw new ArgumentException($"imageSize: dcgan supports 28 or 64; got {imageSize}"),
    };

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireImages("dcgan discriminator", x, (long)_packing * _channels, _imageSize);
        var input = x;
        var labelFeatures = NetInputs.PackedOneHot("dcgan discriminator", labels, x.shape[0], _packing, _classes, x.dtype);
        if (labelFeatures is not null)
        {
            var maps = labelFeatures.view(x.shape[0], -1, 1, 1).expand(-1, -1, _imageSize, _imageSize);
            input = cat(new[] { x, maps }, 1);
        }

        if (_layers is null)
        {
            return _main.call(input).view(-1).MoveToOuterDisposeScope();
        }

        var h = input;
        for (var i = 0; i < _layers.Length - 1; i++)
        {
            h = _layers[i].call(h);
        }

        return _layers[^1].call(MinibatchStd.AppendMap(h)).view(-1).MoveToOuterDisposeScope();
    }
}
