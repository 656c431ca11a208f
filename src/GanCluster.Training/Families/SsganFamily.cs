using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Families;

/// <summary>
/// The semi-supervised GAN (Odena 2016; Salimans et al. 2016, section 5) on 28x28 digits, with the networks of
/// Salimans et al.'s MNIST experiment: D is a 10-way classifier whose "fake" class has its logit fixed at 0, so
/// D(x) = Z / (Z + 1) with Z = sum_k exp(l_k), and its score (the logit of D(x)) is logsumexp(l). G is the paper's
/// 100-500-500-784 MLP. What makes it semi-supervised is the objective (<see cref="Objectives.SsganObjective"/>): D also
/// learns the classes from <see cref="LabelledSubset.PerClass"/> labels per class of the training split.
/// </summary>
public sealed class SsganFamily : GanFamily
{
    /// <summary>Digit classes D tells apart (the "fake" class is the implicit 11th).</summary>
    public const int DigitClasses = 10;

    public override SampleRange OutputRange => SampleRange.UnitInterval;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) => new SsganGenerator(spec.LatentSize);

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => new SsganDiscriminator();

    public override long[] SampleShape(ExperimentSpec spec) => [1, 28, 28];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var dataset = RequireImageData(spec).ToList();
        if (dataset.Count > 0)
        {
            return dataset;
        }

        var errors = new List<SpecError>();
        if (spec.ImageSize != 28)
        {
            errors.Add(new SpecError("imageSize", $"ssgan supports 28 (Salimans et al.'s MNIST MLPs); got {spec.ImageSize}"));
        }

        // Without its objective D never sees a label and is no classifier: the family's figure would be meaningless.
        if (spec.Loss != LossKind.Ssgan)
        {
            errors.Add(new SpecError("loss", $"model ssgan is trained as a 10-class + fake classifier by loss ssgan; got {FamilyCatalog.Name(spec.Loss)}; use \"loss\": \"ssgan\""));
        }

        return errors;
    }
}

/// <summary>
/// G of Salimans et al.'s MNIST experiment: z (100) -> 500 -> 500 with batch normalization and softplus, -> 784 through
/// a weight-normalized layer and a sigmoid, so its samples are in [0, 1] like the data. Layers followed by BatchNorm
/// have no bias (BN removes it). Softplus is written as relu(x) + log1p(exp(-|x|)) so no temporary scalar reaches libtorch.
/// </summary>
public sealed class SsganGenerator : GeneratorNet
{
    private const int Hidden = 500;

    [ComponentName(Name = "fc1")]
    private readonly TorchSharp.Modules.Linear _fc1;
    [ComponentName(Name = "bn1")]
    private readonly TorchSharp.Modules.BatchNorm _bn1;
    [ComponentName(Name = "fc2")]
    private readonly TorchSharp.Modules.Linear _fc2;
    [ComponentName(Name = "bn2")]
    private readonly TorchSharp.Modules.BatchNorm _bn2;
    [ComponentName(Name = "out")]
    private readonly WeightNormLinear _out;
    private readonly int _latentSize;

    public SsganGenerator(int latentSize) : base(nameof(SsganGenerator))
    {
        if (latentSize < 1)
        {
            throw new ArgumentException($"ssgan generator: latentSize >= 1; got {latentSize}");
        }

        _latentSize = latentSize;
        _fc1 = Linear(latentSize, Hidden, hasBias: false);
        _bn1 = BatchNorm2d(Hidden);
        _fc2 = Linear(Hidden, Hidden, hasBias: false);
        _bn2 = BatchNorm2d(Hidden);
        _out = new WeightNormLinear(Hidden, 28 * 28);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: ssgan's generator is unconditional; pass null labels");
        }

        if (z.ndim != 2 || z.shape[1] != _latentSize)
        {
            throw new ArgumentException($"z: ssgan generator expects [N, {_latentSize}]; got [{string.Join(", ", z.shape)}]");
        }

        using var scope = NewDisposeScope();
        var h = Softplus(Normalized(_bn1, _fc1.call(z)));
        h = Softplus(Normalized(_bn2, _fc2.call(h)));
        return _out.call(h).sigmoid().view(-1, 1, 28, 28).MoveToOuterDisposeScope();
    }

    /// <summary>softplus(x) = relu(x) + log1p(exp(-|x|)), stable for large |x| and free of scalar arguments.</summary>
    public static Tensor Softplus(Tensor x) => x.relu().add(x.abs().neg().exp().log1p());

    /// <summary>BatchNorm over features through the scalar-safe 2-D batch norm: [N, C] seen as [N, C, 1, 1].</summary>
    private static Tensor Normalized(TorchSharp.Modules.BatchNorm norm, Tensor x) => norm.call(x.view(x.shape[0], x.shape[1], 1, 1)).view(x.shape[0], x.shape[1]);
}

/// <summary>
/// D of Salimans et al.'s MNIST experiment: 784-1000-500-250-250-250-10, ReLU, every layer weight-normalized (Salimans
/// &amp; Kingma 2016), Gaussian noise of std <see cref="InputNoise"/> on the input and <see cref="HiddenNoise"/> on every
/// hidden layer's output in train mode (drawn from the current, i.e. D's, stream; none in eval mode). Its forward is
/// the GAN score logsumexp(logits) = logit of D(x) = Z / (Z + 1); <see cref="Classify"/> gives the 10 class logits and
/// the features feature matching compares (the last hidden layer, before its noise). Data-dependent initialization is
/// left out (g starts at 1, the bias at 0): it needs a data batch when the network is built, which the family seam
/// does not give; Adam adapts g within the first steps.
/// </summary>
public sealed class SsganDiscriminator : DiscriminatorNet
{
    /// <summary>Std of the Gaussian noise added to D's input (Salimans et al.: 0.3).</summary>
    public const double InputNoise = 0.3;

    /// <summary>Std of the Gaussian noise added to every hidden layer's output (Salimans et al.: 0.5).</summary>
    public const double HiddenNoise = 0.5;

    /// <summary>Widths of the layers, input to class logits.</summary>
    public static readonly int[] Widths = [28 * 28, 1000, 500, 250, 250, 250, SsganFamily.DigitClasses];

    [ComponentName(Name = "layers")]
    private readonly TorchSharp.Modules.ModuleList<WeightNormLinear> _layers;

    public SsganDiscriminator() : base(nameof(SsganDiscriminator))
    {
        _layers = new TorchSharp.Modules.ModuleList<WeightNormLinear>();
        for (var i = 0; i + 1 < Widths.Length; i++)
        {
            _layers.Add(new WeightNormLinear(Widths[i], Widths[i + 1]));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: ssgan's discriminator reads no labels (they train it through loss ssgan); pass null labels");
        }

        using var scope = NewDisposeScope();
        return Classify(x).Logits.logsumexp(1).MoveToOuterDisposeScope();
    }

    /// <summary>The 10 class logits [N, 10] and the last hidden layer's features [N, 250], from one pass.</summary>
    public SsganOutputs Classify(Tensor x)
    {
        NetInputs.RequireImages("ssgan discriminator", x, 1, 28);
        using var scope = NewDisposeScope();
        var h = Noisy(x.flatten(1), InputNoise);
        Tensor features = h;
        for (var i = 0; i < _layers.Count; i++)
        {
            var output = _layers[i].call(h);
            if (i == _layers.Count - 1)
            {
                return new SsganOutputs(output.MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope());
            }

            features = output.relu();
            h = Noisy(features, HiddenNoise);
        }

        throw new InvalidOperationException("ssgan discriminator has no layers");
    }

    /// <summary>x + N(0, std^2) in train mode (a draw from the current stream); x itself in eval mode.</summary>
    private Tensor Noisy(Tensor x, double std) => training ? x.add(randn_like(x), KeptScalars.Of(std)) : x;
}

/// <summary>D's outputs on one batch: the class logits [N, 10] (the fake class's logit is 0) and the features [N, 250].</summary>
public sealed record SsganOutputs(Tensor Logits, Tensor Features);

/// <summary>
/// A linear layer with weight normalization (Salimans &amp; Kingma 2016): W = g * v / ||v|| per output unit, so the
/// direction v and the length g are learned apart. v starts N(0, 0.05^2) as in Salimans et al.'s code, g at 1, b at 0;
/// the three are drawn or set in that order from the current stream.
/// </summary>
public sealed class WeightNormLinear : Module<Tensor, Tensor>
{
    [ComponentName(Name = "v")]
    private readonly TorchSharp.Modules.Parameter _v;
    [ComponentName(Name = "g")]
    private readonly TorchSharp.Modules.Parameter _g;
    [ComponentName(Name = "b")]
    private readonly TorchSharp.Modules.Parameter _b;

    public WeightNormLinear(int inputs, int outputs) : base(nameof(WeightNormLinear))
    {
        using (no_grad())
        {
            _v = new TorchSharp.Modules.Parameter(randn(outputs, inputs).mul_(KeptScalars.Of(0.05)));
            _g = new TorchSharp.Modules.Parameter(ones(outputs));
            _b = new TorchSharp.Modules.Parameter(zeros(outputs));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var length = _v.mul(_v).sum(1, keepdim: true).sqrt();
        var weight = _v.mul(_g.unsqueeze(1).div(length));
        return F.linear(x, weight, _b).MoveToOuterDisposeScope();
    }
}
