using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Models;

/// <summary>
/// A 2-D convolution to one output channel, computed as im2col and a matrix product (<c>unfold</c>, then
/// <c>weight [1, C k k] x columns [N, C k k, L]</c>) instead of by libtorch's convolution, so that neither its forward nor
/// its backward reaches oneDNN. The parameters are a <see cref="Conv2d"/>'s: the same names (<c>weight</c> [1, C, k, k],
/// <c>bias</c> [1]), shapes and initial values for the same random stream, so checkpoints written with the plain layer load.
/// </summary>
/// <remarks>
/// Why: on this project's CPUs (AMD EPYC with AVX-512, libtorch 2.10's oneDNN), the gradient with respect to the input of a
/// convolution with one output channel comes back NaN or infinite now and then, for finite inputs, weights and output
/// gradients: LAPGAN's 3x3 32 -> 1 layer in about one call in 300 in a test process (more when oneDNN is limited to AVX2,
/// <c>DNNL_MAX_CPU_ISA=AVX2</c>), DCGAN-64's 4x4 512 -> 1 head more rarely; two output channels fail too, 32 and more
/// do not. That gradient is dLoss/dFake on every generator step through these layers, so one bad call sets G's weights to
/// NaN: lapgan-mnist's levels 0 and 1 diverged at round 2 in about one run in ten with a seed that trains normally
/// otherwise. Switching oneDNN off for the whole process cures it but slows every convolutional preset by 1.5-2x
/// (dcgan-mnist, measured side by side), so only these layers leave it. <c>OneOutputConv2dTests</c> checks the
/// arithmetic against <see cref="F.conv2d"/>; the end-to-end check is LAPGAN's level 0 trained under AVX2 by the
/// executable (<c>NativeMemorySafetyTests</c>).
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

    public OneOutputConv2d(long inputs, long kernel, long stride = 1, long padding = 0, bool hasBias = true) : base(nameof(OneOutputConv2d))
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
    }

    /// <summary>The kernel [1, C, k, k] (a Conv2d's <c>weight</c>), for initializations that treat the layer as a convolution.</summary>
    public Tensor Weight => _weight;

    /// <summary>The bias [1], or null without one.</summary>
    public Tensor? Bias => _bias;

    public override Tensor forward(Tensor input)
    {
        if (input.ndim != 4 || input.shape[1] != _weight.shape[1])
        {
            throw new ArgumentException($"input: expected [N, {_weight.shape[1]}, H, W]; got [{string.Join(", ", input.shape)}]");
        }

        // The scope holds the columns and the product until view has read them (see KeptScalars on temporaries).
        using var scope = NewDisposeScope();
        var height = ((input.shape[2] + (2 * _padding) - _kernel) / _stride) + 1;
        var width = ((input.shape[3] + (2 * _padding) - _kernel) / _stride) + 1;
        var columns = F.unfold(input, _kernel, padding: _padding, stride: _stride);
        var output = _weight.flatten(1).matmul(columns);
        if (_bias is not null)
        {
            output = output.add(_bias.view(1, 1, 1), KeptScalars.DefaultAlpha);
        }

        return output.view(input.shape[0], 1, height, width).MoveToOuterDisposeScope();
    }
}
