using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Models;

/// <summary>
/// A 2-D convolution to one output channel that keeps clear of oneDNN's one-output-channel convolution: computed as a
/// depthwise convolution (one kernel slice per input channel, <c>groups = C</c>) summed over the channels, or, when the
/// kernel covers the whole unpadded input (the discriminators' heads), as a matrix product. The parameters are a
/// <see cref="Conv2d"/>'s: the same names (<c>weight</c> [1, C, k, k], <c>bias</c> [1]), shapes and initial values for the
/// same random stream, so checkpoints written with the plain layer load.
/// </summary>
/// <remarks>
/// Why: on this project's CPUs (AMD EPYC with AVX-512, libtorch 2.10's oneDNN), the gradient with respect to the input of a
/// convolution with one output channel comes back NaN or infinite now and then, for finite inputs, weights and output
/// gradients: LAPGAN's 3x3 32 -> 1 layer in about one call in 300 in a test process (more when oneDNN is limited to AVX2,
/// <c>DNNL_MAX_CPU_ISA=AVX2</c>), DCGAN-64's 4x4 512 -> 1 head more rarely; two output channels fail too, 32 and more
/// do not. That gradient is dLoss/dFake on every generator step through these layers, so one bad call sets G's weights to
/// NaN: lapgan-mnist's levels 0 and 1 diverged at round 2 in about one run in ten with a seed that trains normally
/// otherwise. oneDNN's depthwise kernels are a different code path and did not fail in the same probe (0 of 540 calls
/// under AVX2 where the plain layer failed in 22 of 180 at LAPGAN's shapes); they are also faster than the plain layer
/// here (LAPGAN level 0's 64 x 32 x 28 x 28: 5.8 against 10.6 ms a forward and backward). An im2col form (<c>unfold</c> and
/// a product) avoids oneDNN too but is ~80x slower there, and switching oneDNN off for the whole process slows every
/// convolutional preset by 1.5-2x. <c>OneOutputConv2dTests</c> checks the arithmetic against <see cref="F.conv2d"/> in
/// float64; the end-to-end check is LAPGAN's level 0 trained under AVX2 by the executable (<c>NativeMemorySafetyTests</c>).
/// The cause was found later (<see cref="Runtime.TorchZeroFill"/>): oneDNN reads the padded lanes of its channel blocks
/// (one output channel padded to 16), which held stale bytes; the zero fill now cures it for every layer. This layer
/// stays because its arithmetic is what today's checkpoints were trained with.
/// </remarks>
public sealed class OneOutputConv2d : Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] // Conv2d's state-dict keys
    private readonly TorchSharp.Modules.Parameter _weight;
    [ComponentName(Name = "bias")]
    private readonly TorchSharp.Modules.Parameter? _bias;
    private readonly long _kernel;
    private readonly long _stride;
    private readonly long _padding;
    private readonly Tensor? _u;
    private readonly Tensor? _v;

    /// <param name="spectralNorm">Use the kernel spectrally normalised (<see cref="SpectralNorm"/>; buffers <c>u</c> and <c>v</c>).</param>
    public OneOutputConv2d(long inputs, long kernel, long stride = 1, long padding = 0, bool hasBias = true, bool spectralNorm = false) : base(nameof(OneOutputConv2d))
    {
        if (inputs < 1 || kernel < 1 || stride < 1 || padding < 0)
        {
            throw new ArgumentException($"one-output convolution: inputs, kernel and stride >= 1, padding >= 0; got {inputs}, {kernel}, {stride}, {padding}");
        }

        (_kernel, _stride, _padding) = (kernel, stride, padding);
        // A Conv2d draws the initial values, so the random stream advances exactly as it did for the plain layer.
        using var reference = Conv2d(inputs, 1, kernel, stride, padding, bias: hasBias);
        _weight = Parameter(reference.weight!.detach().clone());
        _bias = hasBias ? Parameter(reference.bias!.detach().clone()) : null;
        RegisterComponents();
        if (spectralNorm)
        {
            (_u, _v) = Models.SpectralNorm.InitialVectors(1, inputs * kernel * kernel);
            register_buffer("u", _u);
            register_buffer("v", _v);
        }
    }

    /// <summary>The kernel [1, C, k, k] (a Conv2d's <c>weight</c>), for initializations that treat the layer as a convolution.</summary>
    public Tensor Weight => _weight;

    /// <summary>True when the kernel is used spectrally normalised (it then keeps its convolution's default initialization).</summary>
    public bool SpectralNorm => _u is not null;

    /// <summary>The bias [1], or null without one.</summary>
    public Tensor? Bias => _bias;

    public override Tensor forward(Tensor input)
    {
        var channels = _weight.shape[1];
        var shape = input.shape; // one native call: each read of Tensor.shape makes a new array
        if (shape.Length != 4 || shape[1] != channels)
        {
            throw new ArgumentException($"input: expected [N, {channels}, H, W]; got [{string.Join(", ", shape)}]");
        }

        // The scope holds the intermediate until the result is made (see KeptScalars on temporaries).
        using var scope = NewDisposeScope();
        var weight = _u is null ? (Tensor)_weight : Models.SpectralNorm.Normalized(_weight, _u, _v!, training);
        Tensor output;
        if (_padding == 0 && shape[2] == _kernel && shape[3] == _kernel)
        {
            // The kernel covers the input: one output pixel, a dot product of each sample with the kernel.
            output = F.linear(input.flatten(1), weight.flatten(1), _bias).view(shape[0], 1, 1, 1);
        }
        else
        {
            var perChannel = F.conv2d(input, weight.view(channels, 1, _kernel, _kernel), strides: [_stride, _stride],
                padding: [_padding, _padding], groups: channels);
            output = perChannel.sum(1, keepdim: true);
            if (_bias is not null)
            {
                output = output.add(_bias.view(1, 1, 1, 1), KeptScalars.DefaultAlpha);
            }
        }

        return output.MoveToOuterDisposeScope();
    }
}
