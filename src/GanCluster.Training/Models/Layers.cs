using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// Maxout (Goodfellow et al. 2013): a linear layer to units x pieces, then the maximum over the pieces of
/// each unit. Goodfellow et al. (2014) use it in the MNIST discriminator. Input [..., inputs], output
/// [..., units]. State-dict keys: <c>linear.weight</c> [units * pieces, inputs], <c>linear.bias</c>.
/// </summary>
public sealed class Maxout : Module<Tensor, Tensor>
{
    [ComponentName(Name = "linear")]
    private readonly TorchSharp.Modules.Linear _linear;
    private readonly int _units;
    private readonly int _pieces;

    public Maxout(long inputs, int units, int pieces) : base(nameof(Maxout))
    {
        if (inputs < 1 || units < 1 || pieces < 1)
        {
            throw new ArgumentException($"maxout: inputs, units and pieces must be >= 1; got {inputs}, {units}, {pieces}");
        }

        _units = units;
        _pieces = pieces;
        _linear = Linear(inputs, (long)units * pieces);
        RegisterComponents();
    }

    /// <summary>Number of output units.</summary>
    public int Units => _units;

    /// <summary>Linear pieces per unit.</summary>
    public int Pieces => _pieces;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();

        // Unit j owns the consecutive rows j*pieces .. j*pieces+pieces-1 of the linear layer, the grouping
        // pylearn2's Maxout uses, so weights laid out for one read the same in the other.
        // TorchSharp's unflatten does not take negative axes: name the last one explicitly.
        var h = _linear.call(input);
        var pieces = h.unflatten(h.ndim - 1, _units, _pieces);
        return pieces.amax(new long[] { pieces.ndim - 1 }).MoveToOuterDisposeScope();
    }
}

/// <summary>Input checks and label features shared by the networks: one-hot labels, packing-aware label features.</summary>
internal static class NetInputs
{
    /// <summary>
    /// The generator's input: z [N, latent], with the label's one-hot [N, classes] appended when
    /// <paramref name="classes"/> &gt; 0 (Mirza &amp; Osindero 2014). Call inside the caller's dispose scope.
    /// </summary>
    public static Tensor GeneratorInput(string model, Tensor z, Tensor? labels, int latentSize, int classes)
    {
        if (z.ndim != 2 || z.shape[1] != latentSize)
        {
            throw new ArgumentException($"z: {model} expects noise [N, {latentSize}]; got {Shape(z)}");
        }

        if (classes == 0)
        {
            RequireNoLabels(model, labels);
            return z;
        }

        var required = RequireLabels(model, labels, "[N]");
        if (required.ndim != 1 || required.shape[0] != z.shape[0])
        {
            throw new ArgumentException($"labels: {model} expects labels [N] = [{z.shape[0]}] for z {Shape(z)}; got {Shape(required)}");
        }

        return cat(new[] { z, functional.one_hot(required, classes).to(z.dtype) }, 1);
    }

    /// <summary>
    /// Packed label features for a discriminator: int64 labels [B, m] -> float [B, m * classes], the
    /// one-hots of the m packed samples side by side in packing order (the same order as the samples).
    /// Null when the model is unconditional.
    /// </summary>
    public static Tensor? PackedOneHot(string model, Tensor? labels, long batch, int packing, int classes, ScalarType dtype)
    {
        if (classes == 0)
        {
            RequireNoLabels(model, labels);
            return null;
        }

        var required = RequireLabels(model, labels, "[B, m]");
        if (required.ndim != 2 || required.shape[0] != batch || required.shape[1] != packing)
        {
            throw new ArgumentException($"labels: {model} expects labels [B, m] = [{batch}, {packing}]; got {Shape(required)}");
        }

        return functional.one_hot(required, classes).to(dtype).reshape(batch, (long)packing * classes);
    }

    /// <summary>Checks a discriminator's image input: [B, channels, side, side].</summary>
    public static void RequireImages(string model, Tensor x, long channels, int side)
    {
        if (x.ndim != 4 || x.shape[1] != channels || x.shape[2] != side || x.shape[3] != side)
        {
            throw new ArgumentException($"x: {model} expects packed images [B, {channels}, {side}, {side}]; got {Shape(x)}");
        }
    }

    /// <summary>Checks a discriminator's vector input: [B, ...] with <paramref name="features"/> values per row.</summary>
    public static void RequireFeatures(string model, Tensor x, long features)
    {
        if (x.ndim < 2 || x.shape.Skip(1).Aggregate(1L, (a, b) => a * b) != features)
        {
            throw new ArgumentException($"x: {model} expects [B, ...] with {features} values per packed sample; got {Shape(x)}");
        }
    }

    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static Tensor RequireLabels(string model, Tensor? labels, string shape)
    {
        if (labels is null)
        {
            throw new ArgumentException($"labels: {model} is conditional and needs int64 labels {shape}; got null");
        }

        if (labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"labels: {model} needs int64 labels; got {labels.dtype}");
        }

        return labels;
    }

    private static void RequireNoLabels(string model, Tensor? labels)
    {
        // The contract is "labels non-null exactly when conditional": labels reaching an unconditional net
        // mean the two halves disagree about the experiment, which silently ignoring them would hide.
        if (labels is not null)
        {
            throw new ArgumentException($"labels: {model} is unconditional; pass null labels");
        }
    }
}

/// <summary>Weight initializations. All draw from torch's global generator, so creation follows torch.manual_seed.</summary>
internal static class WeightInit
{
    /// <summary>pylearn2's <c>irange</c>: every Linear weight U(-range, range), every Linear bias 0.</summary>
    public static void UniformLinear(Module module, double range)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            if (child is TorchSharp.Modules.Linear linear)
            {
                init.uniform_(linear.weight, -range, range);
                if (linear.bias is not null)
                {
                    init.zeros_(linear.bias);
                }
            }
        }
    }

    /// <summary>The DCGAN paper's initialization: convolutions N(0, 0.02), BatchNorm weight N(1, 0.02), all biases 0.</summary>
    public static void Dcgan(Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case TorchSharp.Modules.Conv2d conv:
                    init.normal_(conv.weight, 0.0, 0.02);
                    ZeroBias(conv.bias);
                    break;
                case TorchSharp.Modules.ConvTranspose2d deconv:
                    init.normal_(deconv.weight, 0.0, 0.02);
                    ZeroBias(deconv.bias);
                    break;
                case OneOutputConv2d { SpectralNorm: false } head:
                    init.normal_(head.Weight, 0.0, 0.02);
                    ZeroBias(head.Bias);
                    break;
                case TorchSharp.Modules.BatchNorm norm:
                    init.normal_(norm.weight, 1.0, 0.02);
                    ZeroBias(norm.bias);
                    break;
            }
        }
    }

    private static void ZeroBias(Tensor? bias)
    {
        if (bias is not null)
        {
            init.zeros_(bias);
        }
    }
}
