using GanCluster.Training.Models;
using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Families;

/// <summary>
/// LAPGAN's coarsest generator (level 2): an MLP z -> 256 -> 256 -> 49 (ReLU, then tanh), the 7x7 image [N, 1, 7, 7] in [-1, 1].
/// As in the paper's small-image levels, fully connected; no batch normalization, so a sample depends on its own noise only.
/// </summary>
public sealed class LapganCoarseGenerator : GeneratorNet
{
    /// <summary>Units of each hidden layer.</summary>
    public const int Width = 256;

    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;

    public LapganCoarseGenerator(int latentSize) : base(nameof(LapganCoarseGenerator))
    {
        if (latentSize < 1)
        {
            throw new ArgumentException($"lapgan generator: latentSize >= 1; got {latentSize}");
        }

        _latentSize = latentSize;
        var side = LapganFamily.Side(LapganFamily.Coarsest);
        _main = Sequential(Linear(latentSize, Width), ReLU(), Linear(Width, Width), ReLU(), Linear(Width, side * side), Tanh());
        RegisterComponents();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: lapgan is unconditional on labels; pass null labels");
        }

        if (z.ndim != 2 || z.shape[1] != _latentSize)
        {
            throw new ArgumentException($"z: lapgan's level-2 generator expects [N, {_latentSize}]; got [{string.Join(", ", z.shape)}]");
        }

        // The scope holds _main's output until reshape has read it (an unreferenced temporary may be freed mid-call, see KeptScalars).
        using var scope = NewDisposeScope();
        var side = LapganFamily.Side(LapganFamily.Coarsest);
        return _main.call(z).reshape(-1, 1, side, side).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// LAPGAN's conditional generator of level 1 (14x14) or 0 (28x28): the noise is mapped by a linear layer to a plane the
/// size of the image and stacked with the upsampled coarser image l as a second channel (the paper feeds the noise as an
/// extra plane too); three 3x3 convolutions (32, 32 features, ReLU) give the residual h = tanh(...), and the sample is the
/// level's image l + h [N, 1, s, s]. Its input Z is [noise, l flattened] (<see cref="Fold"/>); no batch normalization.
/// </summary>
public sealed class LapganResidualGenerator : GeneratorNet
{
    /// <summary>Feature maps of each hidden convolution.</summary>
    public const int Width = 32;

    [ComponentName(Name = "noise")]
    private readonly TorchSharp.Modules.Linear _noise;
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;
    private readonly int _side;

    /// <param name="latentSize">Dimension of the noise.</param>
    /// <param name="side">The level's image side: 14 or 28.</param>
    public LapganResidualGenerator(int latentSize, int side) : base(nameof(LapganResidualGenerator))
    {
        if (latentSize < 1 || side is not (14 or 28))
        {
            throw new ArgumentException($"lapgan generator: latentSize >= 1 and side 14 or 28; got {latentSize}, {side}");
        }

        _latentSize = latentSize;
        _side = side;
        _noise = Linear(latentSize, side * side);
        _main = Sequential(
            Conv2d(2, Width, 3, 1, 1), ReLU(),
            Conv2d(Width, Width, 3, 1, 1), ReLU(),
            new OneOutputConv2d(Width, 3, 1, 1), Tanh());
        RegisterComponents();
    }

    /// <summary>G's input for noise [N, latent] and conditions [N, 1, s, s]: [N, latent + s * s].</summary>
    public static Tensor Fold(Tensor noise, Tensor coarse) => cat(new[] { noise, coarse.flatten(1) }, 1);

    /// <summary>The residuals h [N, 1, s, s] for noise [N, latent] and the upsampled coarser images l [N, 1, s, s].</summary>
    public Tensor Residual(Tensor noise, Tensor coarse)
    {
        using var scope = NewDisposeScope();
        var plane = _noise.call(noise).reshape(-1, 1, _side, _side);
        return _main.call(cat(new[] { plane, coarse }, 1)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: lapgan is unconditional on labels; pass null labels");
        }

        if (z.ndim != 2 || z.shape[1] != _latentSize + (_side * _side))
        {
            throw new ArgumentException($"z: lapgan's {_side}x{_side} generator expects [noise, coarse image] [N, {_latentSize} + {_side * _side}]; got [{string.Join(", ", z.shape)}]");
        }

        using var scope = NewDisposeScope();
        var noise = z.narrow(1, 0, _latentSize);
        var coarse = z.narrow(1, _latentSize, _side * _side).reshape(-1, 1, _side, _side);
        return coarse.add(Residual(noise, coarse), KeptScalars.DefaultAlpha).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// LAPGAN's coarsest discriminator (level 2): an MLP on the 7x7 image, 49 -> 256 (LeakyReLU 0.2), the batch's minibatch
/// standard deviation appended (<see cref="MinibatchStd"/>, against the collapse the 7x7 GAN shows early in training: its
/// fake batches are a fifth as diverse as real ones at round 300 and two thirds at round 1,000), -> 256 (LeakyReLU 0.2) -> 1 logit.
/// </summary>
public sealed class LapganCoarseDiscriminator : DiscriminatorNet
{
    [ComponentName(Name = "hidden1")]
    private readonly TorchSharp.Modules.Linear _hidden1;
    [ComponentName(Name = "hidden2")]
    private readonly TorchSharp.Modules.Linear _hidden2;
    [ComponentName(Name = "output")]
    private readonly TorchSharp.Modules.Linear _output;
    [ComponentName(Name = "act")]
    private readonly Module<Tensor, Tensor> _act;

    public LapganCoarseDiscriminator() : base(nameof(LapganCoarseDiscriminator))
    {
        var side = LapganFamily.Side(LapganFamily.Coarsest);
        const int width = LapganCoarseGenerator.Width;
        _hidden1 = Linear(side * side, width);
        _hidden2 = Linear(width + 1, width);
        _output = Linear(width, 1);
        _act = LeakyReLU(0.2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        var side = LapganFamily.Side(LapganFamily.Coarsest);
        if (x.ndim != 4 || x.shape[1] != 1 || x.shape[2] != side || x.shape[3] != side)
        {
            throw new ArgumentException($"x: lapgan's level-2 discriminator expects 7x7 images [N, 1, 7, 7]; got [{string.Join(", ", x.shape)}]");
        }

        using var scope = NewDisposeScope();
        var h = _act.call(_hidden1.call(x.flatten(1)));
        h = _act.call(_hidden2.call(MinibatchStd.Append(h)));
        return _output.call(h).reshape(-1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// LAPGAN's conditional discriminator of level 1 or 0: it judges the pair [residual h, coarse image l] [N, 2, s, s]: a
/// 3x3 convolution (32 features), a 4x4 convolution with stride 2 (32), LeakyReLU 0.2 after each, and a linear layer to
/// one logit. No batch normalization.
/// </summary>
public sealed class LapganResidualDiscriminator : DiscriminatorNet
{
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _side;

    /// <param name="side">The level's image side: 14 or 28.</param>
    public LapganResidualDiscriminator(int side) : base(nameof(LapganResidualDiscriminator))
    {
        if (side is not (14 or 28))
        {
            throw new ArgumentException($"lapgan discriminator: side 14 or 28; got {side}");
        }

        _side = side;
        const int width = LapganResidualGenerator.Width;
        _main = Sequential(
            Conv2d(2, width, 3, 1, 1), LeakyReLU(0.2),
            Conv2d(width, width, 4, 2, 1), LeakyReLU(0.2), Flatten(),
            Linear(width * (side / 2) * (side / 2), 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        if (x.ndim != 4 || x.shape[1] != 2 || x.shape[2] != _side || x.shape[3] != _side)
        {
            throw new ArgumentException($"x: lapgan's {_side}x{_side} discriminator expects pairs [residual, coarse image] [N, 2, {_side}, {_side}]; got [{string.Join(", ", x.shape)}]");
        }

        using var scope = NewDisposeScope(); // as in LapganCoarseGenerator.forward
        return _main.call(x).reshape(-1).MoveToOuterDisposeScope();
    }
}
