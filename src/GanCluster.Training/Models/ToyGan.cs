using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// A small MLP generator for 2-D toy data: z -> 128 -> 128 -> 2, ReLU, linear output
/// (<see cref="SampleRange.Unbounded"/>). Conditional: the label's one-hot is concatenated to z.
/// Initialization is torch's Linear default (Kaiming-uniform weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
/// biases), as in the usual mixture-of-Gaussians GAN baselines.
/// State-dict keys: <c>main.0.*</c>, <c>main.2.*</c>, <c>main.4.*</c> (the Linear layers of the Sequential).
/// </summary>
public sealed class ToyGenerator : GeneratorNet
{
    /// <summary>Dimension of a generated point.</summary>
    public const int PointSize = 2;

    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;
    private readonly int _classes;

    /// <param name="latentSize">Dimension of z.</param>
    /// <param name="classes">Number of classes (mixture modes) for a conditional generator; 0 = unconditional.</param>
    /// <param name="hidden">Width of both hidden layers.</param>
    public ToyGenerator(int latentSize, int classes = 0, int hidden = 128) : base(nameof(ToyGenerator))
    {
        if (latentSize < 1 || classes < 0 || hidden < 1)
        {
            throw new ArgumentException($"toy generator: latentSize >= 1, classes >= 0, hidden >= 1; got {latentSize}, {classes}, {hidden}");
        }

        _latentSize = latentSize;
        _classes = classes;
        _main = Sequential(
            Linear(latentSize + classes, hidden), ReLU(),
            Linear(hidden, hidden), ReLU(),
            Linear(hidden, PointSize));
        RegisterComponents();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = NetInputs.GeneratorInput("toy generator", z, labels, _latentSize, _classes);
        return _main.call(input).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A small MLP discriminator for 2-D toy data: m x 2 (+ m x classes one-hot when conditional) -> 128 ->
/// 128 -> 1 logit per packed group, shape [B], LeakyReLU(0.2). Initialization is torch's Linear default.
/// State-dict keys: <c>main.0.*</c>, <c>main.2.*</c>, <c>main.4.*</c>.
/// </summary>
public sealed class ToyDiscriminator : DiscriminatorNet
{
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _packing;
    private readonly int _classes;

    /// <param name="packing">PacGAN packing m: points judged together (1 = off).</param>
    /// <param name="classes">Number of classes for a conditional discriminator; 0 = unconditional.</param>
    /// <param name="hidden">Width of both hidden layers.</param>
    public ToyDiscriminator(int packing = 1, int classes = 0, int hidden = 128) : base(nameof(ToyDiscriminator))
    {
        if (packing < 1 || classes < 0 || hidden < 1)
        {
            throw new ArgumentException($"toy discriminator: packing >= 1, classes >= 0, hidden >= 1; got {packing}, {classes}, {hidden}");
        }

        _packing = packing;
        _classes = classes;
        _main = Sequential(
            Linear(packing * (ToyGenerator.PointSize + classes), hidden), LeakyReLU(0.2),
            Linear(hidden, hidden), LeakyReLU(0.2),
            Linear(hidden, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireFeatures("toy discriminator", x, (long)_packing * ToyGenerator.PointSize);
        var input = x.flatten(1);
        var labelFeatures = NetInputs.PackedOneHot("toy discriminator", labels, x.shape[0], _packing, _classes, x.dtype);
        if (labelFeatures is not null)
        {
            input = cat(new[] { input, labelFeatures }, 1);
        }

        return _main.call(input).view(-1).MoveToOuterDisposeScope();
    }
}
