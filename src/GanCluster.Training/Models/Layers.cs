using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// Maxout (Goodfellow et al. 2013): a linear layer to units x pieces, then the maximum over the pieces.
/// Goodfellow et al. (2014) use it in the MNIST discriminator.
/// </summary>
public sealed class Maxout : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear linear;
    private readonly int _units;
    private readonly int _pieces;

    public Maxout(long inputs, int units, int pieces) : base(nameof(Maxout))
    {
        _units = units;
        _pieces = pieces;
        linear = Linear(inputs, (long)units * pieces);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var z = linear.call(input).view(input.shape[0], _units, _pieces);
        return z.amax(new long[] { 2 }).MoveToOuterDisposeScope();
    }
}

/// <summary>Helpers shared by the networks: one-hot labels, packing-aware label features.</summary>
internal static class LabelFeatures
{
    /// <summary>int64 labels [N] -> float one-hot [N, classes].</summary>
    public static Tensor OneHot(Tensor labels, int classes, ScalarType dtype) =>
        functional.one_hot(labels, classes).to(dtype);

    /// <summary>int64 labels [B, m] -> float [B, m * classes], the one-hots of the packed samples side by side.</summary>
    public static Tensor PackedOneHot(Tensor labels, int classes, ScalarType dtype) =>
        functional.one_hot(labels, classes).to(dtype).reshape(labels.shape[0], -1);

    public static Tensor Require(Tensor? labels, string model) =>
        labels ?? throw new ArgumentException($"{model} is conditional: labels are required");
}
