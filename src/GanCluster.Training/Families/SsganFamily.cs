using GanCluster.Training.Adversarial;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Objectives;
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
public sealed class SsganFamily : GanFamily, IDigitClassifierFamily
{
    /// <summary>Digit classes D tells apart (the "fake" class is the implicit 11th).</summary>
    public const int DigitClasses = 10;

    public override SampleRange OutputRange => SampleRange.UnitInterval;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) => new SsganGenerator(spec.LatentSize);

    /// <summary>Training digits that set D's initial scales and biases (Salimans et al.'s code: 500).</summary>
    public const int InitializationDigits = 500;

    /// <summary>
    /// D with Salimans et al.'s data-dependent initialization on the first <see cref="InitializationDigits"/> digits of
    /// the training split (the bundled digits are already shuffled), its noise drawn from the current (D's) stream.
    /// </summary>
    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec)
    {
        if (Network(spec) == SsganNetwork.Conv)
        {
            return new SsganConvDiscriminator();
        }

        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        {
            var discriminator = new SsganDiscriminator();
            using var digits = train.Samples.narrow(0, 0, Math.Min(InitializationDigits, train.Count)); // held until InitializeFrom returns
            discriminator.InitializeFrom(digits);
            return discriminator;
        }
    }

    public override long[] SampleShape(ExperimentSpec spec) => [1, 28, 28];

    /// <summary>D's 10 class logits (not the fake class's fixed 0), read from digits in [0, 1]: the classifier the figure scores.</summary>
    public AttackTarget Classifier(Checkpoint checkpoint, string origin, string sha256)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return DiscriminatorClassifier.Load(
            checkpoint,
            SampleRange.UnitInterval,
            $"semi-supervised GAN discriminator ({Network(checkpoint.Spec).ToString().ToLowerInvariant()}, {LabelledSubset.PerClass * DigitClasses} labels) {origin}",
            sha256,
            (_, _, _) => (network, x) => ((SsganClassifier)network).Classify(x).Logits);
    }

    /// <summary>D's network: <c>ssgan.discriminator</c>, Salimans et al.'s MLP when the section is absent.</summary>
    public static SsganNetwork Network(ExperimentSpec spec) => spec.Ssgan?.Discriminator ?? SsganNetwork.Mlp;

    /// <summary>VAT's weight in D's loss, <c>ssgan.vatWeight</c> (0 = none).</summary>
    public static double VatWeight(ExperimentSpec spec) => spec.Ssgan?.VatWeight ?? 0;

    /// <summary>VAT's perturbation length, <c>ssgan.vatEpsilon</c> or Miyato et al.'s MNIST 0.3.</summary>
    public static double VatEpsilon(ExperimentSpec spec) => spec.Ssgan?.VatEpsilon ?? VirtualAdversarialTraining.DefaultEpsilon;

    /// <summary>The conditional entropy's weight in D's loss, <c>ssgan.entropyWeight</c> (0 = none).</summary>
    public static double EntropyWeight(ExperimentSpec spec) => spec.Ssgan?.EntropyWeight ?? 0;

    private static IEnumerable<SpecError> CheckRegularizers(SsganSpec? section)
    {
        if (section is null)
        {
            yield break;
        }

        foreach (var error in VirtualAdversarialTraining.Check("ssgan", section.VatWeight, section.VatEpsilon))
        {
            yield return error;
        }

        if (section.EntropyWeight is { } entropy && (!double.IsFinite(entropy) || entropy < 0))
        {
            yield return new SpecError("ssgan.entropyWeight", $"a weight >= 0 (0 = no entropy term); got {entropy}");
        }
    }

    /// <summary>The largest random shift of D's training images, <c>ssgan.translate</c> (0 = none).</summary>
    public static int Translation(ExperimentSpec spec) => spec.Ssgan?.Translate ?? 0;

    // Without its objective D never sees a label and is no classifier: the family's figure would be meaningless.
    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigitsAndObjective(spec, LossKind.Ssgan, "Salimans et al.'s MNIST MLPs", "is trained as a 10-class + fake classifier by loss ssgan");
        // A number in the JSON parses to any value of the enum's type; an undefined one must not build some network.
        if (spec.Ssgan is not null && !Enum.IsDefined(spec.Ssgan.Discriminator))
        {
            errors.Add(new SpecError("ssgan.discriminator", $"allowed: {SpecJson.Allowed<SsganNetwork>()}"));
        }

        if (RandomTranslation.Check("ssgan.translate", spec.Ssgan?.Translate) is { } translation)
        {
            errors.Add(translation);
        }

        errors.AddRange(CheckRegularizers(spec.Ssgan));

        return errors;
    }
}

/// <summary>
/// A semi-supervised D: a 10-way classifier whose "fake" class has its logit fixed at 0, so D(x) = Z / (Z + 1) with
/// Z = sum_k exp(l_k). Its forward is the GAN score logsumexp(l) (the logit of D(x)); <see cref="Classify"/> gives the
/// class logits and the features feature matching compares, from one pass. The objective and the evaluation read D
/// through this type, so a network is one subclass.
/// </summary>
public abstract class SsganClassifier : DiscriminatorNet
{
    protected SsganClassifier(string name) : base(name)
    {
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

    /// <summary>The 10 class logits [N, 10] and the features of the layer feature matching compares [N, F], from one pass over images in [0, 1].</summary>
    public abstract SsganOutputs Classify(Tensor x);

    /// <summary>x + N(0, std^2) in train mode (a draw from the current stream, D's in training); x itself in eval mode.</summary>
    protected Tensor Noisy(Tensor x, double std) => training ? x.add(randn_like(x), KeptScalars.Of(std)) : x;
}

/// <summary>
/// A convolutional D for the semi-supervised GAN, CatGAN's network (<see cref="CatGanDiscriminator"/>) with the 10 class
/// logits read as the K+1 classifier's, regularized as Salimans et al.'s MNIST D is: the digits mapped from [0, 1] to
/// [-1, 1] (the range CatGAN's D sees), Gaussian noise of std <see cref="InputNoise"/> on them and of std
/// <see cref="HiddenNoise"/> on every hidden layer's output in train mode (drawn from the current, i.e. D's, stream),
/// 4x4 convolution 32 (stride 2), LeakyReLU 0.2, 4x4 convolution 64 (stride 2), LeakyReLU, FC 128, LeakyReLU (the
/// features feature matching compares, before their noise), FC 10. About 1.4 times the multiply-adds of Salimans et
/// al.'s MLP per digit; PyTorch's default initialization, no data-dependent one, no batch norm (eval-mode figures depend
/// on the digit alone). Measured three times the MLP's error here, so not the preset's (docs/QUALITY-RECIPES.md).
/// </summary>
public sealed class SsganConvDiscriminator : SsganClassifier
{
    /// <summary>Std of the Gaussian noise on D's input in [-1, 1] (CatGAN's D: 0.3).</summary>
    public const double InputNoise = 0.3;

    /// <summary>Width of the features feature matching compares.</summary>
    public const int FeatureCount = 128;

    /// <summary>Std of the Gaussian noise on every hidden layer's output in train mode (Salimans et al.'s MNIST D: 0.5).</summary>
    public const double HiddenNoise = 0.5;

    [ComponentName(Name = "conv1")]
    private readonly TorchSharp.Modules.Conv2d _conv1;
    [ComponentName(Name = "conv2")]
    private readonly TorchSharp.Modules.Conv2d _conv2;
    [ComponentName(Name = "fc")]
    private readonly TorchSharp.Modules.Linear _fc;
    [ComponentName(Name = "out")]
    private readonly TorchSharp.Modules.Linear _out;

    public SsganConvDiscriminator() : base(nameof(SsganConvDiscriminator))
    {
        _conv1 = Conv2d(1, 32, 4, 2, 1);
        _conv2 = Conv2d(32, 64, 4, 2, 1);
        _fc = Linear(64 * 7 * 7, FeatureCount);
        _out = Linear(FeatureCount, SsganFamily.DigitClasses);
        RegisterComponents();
    }

    public override SsganOutputs Classify(Tensor x)
    {
        NetInputs.RequireImages("ssgan discriminator", x, 1, 28);
        using var scope = NewDisposeScope();
        var h = Noisy(x.mul(KeptScalars.Of(2.0)).sub(KeptScalars.One), InputNoise);
        h = Noisy(F.leaky_relu(_conv1.call(h), 0.2), HiddenNoise);
        h = Noisy(F.leaky_relu(_conv2.call(h), 0.2), HiddenNoise);
        var features = F.leaky_relu(_fc.call(h.flatten(1)), 0.2);
        var logits = _out.call(Noisy(features, HiddenNoise));
        return new SsganOutputs(logits.MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope());
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

    /// <summary>softplus(x) = relu(x) + log1p(exp(-|x|)), stable for large |x|; no temporary scalar (TorchSharp's softplus and add(Tensor) make one).</summary>
    public static Tensor Softplus(Tensor x) => x.relu().add(x.abs().neg().exp().log1p(), KeptScalars.One);

    /// <summary>BatchNorm over features through the scalar-safe 2-D batch norm: [N, C] seen as [N, C, 1, 1].</summary>
    private static Tensor Normalized(TorchSharp.Modules.BatchNorm norm, Tensor x) => norm.call(x.view(x.shape[0], x.shape[1], 1, 1)).view(x.shape[0], x.shape[1]);
}

/// <summary>
/// D of Salimans et al.'s MNIST experiment: 784-1000-500-250-250-250-10, ReLU, every layer weight-normalized (Salimans
/// &amp; Kingma 2016), Gaussian noise of std <see cref="InputNoise"/> on the input and <see cref="HiddenNoise"/> on every
/// hidden layer's output in train mode (drawn from the current, i.e. D's, stream; none in eval mode). Its forward is
/// the GAN score logsumexp(logits) = logit of D(x) = Z / (Z + 1); <see cref="Classify"/> gives the 10 class logits and
/// the features feature matching compares (the last hidden layer, before its noise). As in the paper's code the
/// hidden layers' scales g are fixed after <see cref="InitializeFrom"/> (buffers, not trained) and the output layer's is
/// trained.
/// </summary>
public sealed class SsganDiscriminator : SsganClassifier
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
            _layers.Add(new WeightNormLinear(Widths[i], Widths[i + 1], trainScale: i + 2 == Widths.Length));
        }

        RegisterComponents();
    }

    /// <summary>The 10 class logits [N, 10] and the last hidden layer's features [N, 250], from one pass.</summary>
    public override SsganOutputs Classify(Tensor x)
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

    /// <summary>
    /// Data-dependent initialization (Salimans &amp; Kingma 2016, as in Salimans et al.'s code): layer by layer, with the
    /// noise layers on (train mode, draws from the current stream), set g = 1 / std and b = -mean / std of the layer's
    /// pre-activations on <paramref name="digits"/>, so every unit starts with zero mean and unit variance on the data.
    /// </summary>
    public void InitializeFrom(Tensor digits)
    {
        NetInputs.RequireImages("ssgan discriminator", digits, 1, 28);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var wasTraining = training;
        train();
        var h = Noisy(digits.flatten(1), InputNoise);
        for (var i = 0; i < _layers.Count; i++)
        {
            var output = _layers[i].InitializeFrom(h);
            if (i < _layers.Count - 1)
            {
                h = Noisy(output.relu(), HiddenNoise);
            }
        }

        train(wasTraining);
    }
}

/// <summary>D's outputs on one batch: the class logits [N, 10] (the fake class's logit is 0) and the features feature matching compares [N, F].</summary>
public sealed record SsganOutputs(Tensor Logits, Tensor Features);

/// <summary>
/// A linear layer with weight normalization (Salimans &amp; Kingma 2016): W = g * v / ||v|| per output unit, so the
/// direction v and the length g are learned apart. v starts N(0, 0.05^2) as in Salimans et al.'s code, g at 1, b at 0
/// (until <see cref="InitializeFrom"/>); with trainScale false g is a buffer (saved, not trained).
/// </summary>
public sealed class WeightNormLinear : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Parameter _v;
    private readonly Tensor _g;
    private readonly TorchSharp.Modules.Parameter _b;

    public WeightNormLinear(int inputs, int outputs, bool trainScale = true) : base(nameof(WeightNormLinear))
    {
        using (no_grad())
        {
            _v = new TorchSharp.Modules.Parameter(randn(outputs, inputs).mul_(KeptScalars.Of(0.05)));
            _g = trainScale ? new TorchSharp.Modules.Parameter(ones(outputs)) : ones(outputs);
            _b = new TorchSharp.Modules.Parameter(zeros(outputs));
        }

        register_parameter("v", _v);
        if (_g is TorchSharp.Modules.Parameter scale)
        {
            register_parameter("g", scale);
        }
        else
        {
            register_buffer("g", _g);
        }

        register_parameter("b", _b);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return F.linear(x, Weight(), _b).MoveToOuterDisposeScope();
    }

    /// <summary>Sets g and b so the pre-activations on <paramref name="x"/> have zero mean and unit variance per unit; returns them.</summary>
    public Tensor InitializeFrom(Tensor x)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var direction = _v.div(_v.mul(_v).sum(1, keepdim: true).sqrt());
        var t = F.linear(x, direction);
        var mean = t.mean([0]);
        var centered = t.sub(mean);
        var std = centered.mul(centered).mean([0]).sqrt();
        _g.copy_(std.reciprocal());
        _b.copy_(mean.neg().div(std));
        return forward(x).MoveToOuterDisposeScope();
    }

    private Tensor Weight()
    {
        var length = _v.mul(_v).sum(1, keepdim: true).sqrt();
        return _v.mul(_g.unsqueeze(1).div(length));
    }
}
