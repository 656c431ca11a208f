using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Models;

/// <summary>
/// Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks"): a layer's
/// weight W is used as W / sigma(W), sigma its largest singular value (of W viewed as [out, in * k * k]), estimated by one
/// step of power iteration per training forward from vectors u [out] and v [in * k * k] kept between calls. u and v are
/// buffers (saved with the network, so a checkpoint resumes the iteration where it stopped); in eval mode they are read,
/// not updated. The order and the detached vectors follow PyTorch's <c>torch.nn.utils.spectral_norm</c>.
/// </summary>
public static class SpectralNorm
{
    private static readonly Scalar Epsilon = KeptScalars.Of(1e-12);

    /// <summary>u [rows] and v [columns] of a weight with <paramref name="rows"/> output rows, unit vectors from the current random stream.</summary>
    public static (Tensor U, Tensor V) InitialVectors(long rows, long columns) => (Normalize(randn(rows)), Normalize(randn(columns)));

    /// <summary>
    /// W / sigma(W). In training mode, u and v first take one power-iteration step in place (v = W^T u / |W^T u|, u = W v / |W v|);
    /// sigma = u^T W v with u and v held constant: the gradient reaches W through the numerator and through sigma, never
    /// through the power iteration (as in the paper and PyTorch).
    /// </summary>
    public static Tensor Normalized(Tensor weight, Tensor u, Tensor v, bool training)
    {
        using var scope = NewDisposeScope();
        var matrix = weight.flatten(1);
        if (training)
        {
            using var noGrad = no_grad();
            v.copy_(Normalize(matrix.t().mv(u)));
            u.copy_(Normalize(matrix.mv(v)));
        }

        // Copies: a later training forward updates u and v in place while this call's graph may still need them.
        var sigma = u.clone().dot(matrix.mv(v.clone()));
        return weight.div(sigma).MoveToOuterDisposeScope();
    }

    private static Tensor Normalize(Tensor x) => x.div(x.norm().clamp_min(Epsilon));
}

/// <summary>A 2-D convolution without bias whose kernel is spectrally normalised (<see cref="SpectralNorm"/>); its kernel starts as a <see cref="Conv2d"/>'s.</summary>
public sealed class SpectralNormConv2d : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Parameter _weight;
    private readonly Tensor _u;
    private readonly Tensor _v;
    private readonly long _stride;
    private readonly long _padding;

    public SpectralNormConv2d(long inputs, long outputs, long kernel, long stride, long padding) : base(nameof(SpectralNormConv2d))
    {
        (_stride, _padding) = (stride, padding);
        // A Conv2d draws the initial kernel, so the random stream advances as it does for the plain layer; u and v after it.
        using (var reference = Conv2d(inputs, outputs, kernel, stride, padding, bias: false))
        {
            _weight = Parameter(reference.weight!.detach().clone());
        }

        (_u, _v) = SpectralNorm.InitialVectors(outputs, inputs * kernel * kernel);
        register_parameter("weight", _weight);
        register_buffer("u", _u);
        register_buffer("v", _v);
    }

    /// <summary>The kernel before normalisation [out, in, k, k], for initializations that treat the layer as a convolution.</summary>
    public Tensor Weight => _weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var kernel = SpectralNorm.Normalized(_weight, _u, _v, training);
        return F.conv2d(input, kernel, strides: [_stride, _stride], padding: [_padding, _padding]).MoveToOuterDisposeScope();
    }
}
