using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>Bounds of the toy networks' shape (<see cref="Options.ToyModelSpec"/>).</summary>
public static class ToyModelLimits
{
    /// <summary>Largest hidden width.</summary>
    public const int MaxWidth = 4096;

    /// <summary>Largest number of hidden layers.</summary>
    public const int MaxDepth = 8;

    /// <summary>Linear layers with an activation after each but the last: main.0, main.2, ..., main.(2 * depth).</summary>
    internal static TorchSharp.Modules.Sequential Mlp(int input, int hidden, int depth, int output, Func<Module<Tensor, Tensor>> activation)
    {
        var layers = new List<Module<Tensor, Tensor>>();
        var width = input;
        for (var i = 0; i < depth; i++)
        {
            layers.Add(Linear(width, hidden));
            layers.Add(activation());
            width = hidden;
        }

        layers.Add(Linear(width, output));
        return Sequential(layers);
    }
}

/// <summary>
/// A small MLP generator for 2-D toy data: z -> hidden x depth -> 2 (128 x 2 by default), ReLU, linear output
/// (<see cref="SampleRange.Unbounded"/>). Conditional: the label's one-hot is concatenated to z.
/// Initialization is torch's Linear default (Kaiming-uniform weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
/// biases), as in the usual mixture-of-Gaussians GAN baselines.
/// State-dict keys: <c>main.0.*</c>, <c>main.2.*</c>, ..., <c>main.(2 * depth).*</c> (the Linear layers of the
/// Sequential; <c>main.0</c>, <c>main.2</c>, <c>main.4</c> at the default depth 2).
/// </summary>
public sealed class ToyGenerator : GeneratorNet
{
    /// <summary>Dimension of a generated point.</summary>
    public const int PointSize = 2;

    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;
    private readonly int _classes;
    private readonly int _categories;

    /// <param name="latentSize">Dimension of z.</param>
    /// <param name="classes">Number of classes (mixture modes) for a conditional generator; 0 = unconditional.</param>
    /// <param name="hidden">Width of every hidden layer.</param>
    /// <param name="depth">Number of hidden layers.</param>
    /// <param name="categories">0, or K &gt;= 2 for a disconnected latent space (see <see cref="Options.ToyModelSpec.LatentCategories"/>).</param>
    public ToyGenerator(int latentSize, int classes = 0, int hidden = 128, int depth = 2, int categories = 0) : base(nameof(ToyGenerator))
    {
        if (latentSize < 1 || classes < 0 || hidden < 1 || depth < 1 || categories < 0 || categories == 1 || (categories > 0 && latentSize < 2))
        {
            throw new ArgumentException($"toy generator: latentSize >= 1, classes >= 0, hidden >= 1, depth >= 1, categories 0 or >= 2 with latentSize >= 2; got {latentSize}, {classes}, {hidden}, {depth}, {categories}");
        }

        _latentSize = latentSize;
        _classes = classes;
        _categories = categories;
        var input = categories > 0 ? latentSize - 1 + categories : latentSize;
        _main = ToyModelLimits.Mlp(input + classes, hidden, depth, PointSize, () => ReLU());
        RegisterComponents();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = NetInputs.GeneratorInput("toy generator", z, labels, _latentSize, _classes);
        if (_categories > 0)
        {
            // A continuous G of a connected latent space must bridge separated modes with a path of samples; a
            // categorical coordinate makes the latent space disconnected (DeLiGAN, Gurumurthy et al. 2017; Khayatkhoei
            // et al. 2018). Phi(z_0) is uniform on (0, 1), so the category is uniform; the rest of z stays continuous.
            // Kept scalars, the values and types of the implicit conversions they replace (see KeptScalars).
            var uniform = special.erf(input[.., 0].div(KeptScalars.Of(Math.Sqrt(2.0)))).add(KeptScalars.One, KeptScalars.DefaultAlpha).mul(KeptScalars.Of(0.5));
            var category = uniform.mul(KeptScalars.OfInteger(_categories)).floor().clamp(KeptScalars.OfInteger(0), KeptScalars.OfInteger(_categories - 1)).to(int64);
            input = cat(new[] { functional.one_hot(category, _categories).to(input.dtype), input[.., 1..] }, 1);
        }

        return _main.call(input).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A small MLP discriminator for 2-D toy data: m x 2 (+ m x classes one-hot when conditional) -> hidden x depth
/// (128 x 2 by default) -> 1 logit per packed group, shape [B], LeakyReLU(0.2). Initialization is torch's Linear
/// default. State-dict keys: <c>main.0.*</c>, <c>main.2.*</c>, ..., <c>main.(2 * depth).*</c>.
/// </summary>
public sealed class ToyDiscriminator : DiscriminatorNet
{
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _packing;
    private readonly int _classes;

    /// <param name="packing">PacGAN packing m: points judged together (1 = off).</param>
    /// <param name="classes">Number of classes for a conditional discriminator; 0 = unconditional.</param>
    /// <param name="hidden">Width of every hidden layer.</param>
    /// <param name="depth">Number of hidden layers.</param>
    public ToyDiscriminator(int packing = 1, int classes = 0, int hidden = 128, int depth = 2) : base(nameof(ToyDiscriminator))
    {
        if (packing < 1 || classes < 0 || hidden < 1 || depth < 1)
        {
            throw new ArgumentException($"toy discriminator: packing >= 1, classes >= 0, hidden >= 1, depth >= 1; got {packing}, {classes}, {hidden}, {depth}");
        }

        _packing = packing;
        _classes = classes;
        _main = ToyModelLimits.Mlp(packing * (ToyGenerator.PointSize + classes), hidden, depth, 1, () => LeakyReLU(0.2));
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
