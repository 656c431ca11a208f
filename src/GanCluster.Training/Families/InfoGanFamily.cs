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
/// InfoGAN (Chen et al. 2016) on 28x28 images: G reads noise z (latentSize, 62 in the paper's MNIST setup) plus the
/// latent codes c, one categorical code with <see cref="Categories"/> values (one-hot) and <see cref="ContinuousCodes"/>
/// continuous codes uniform in [-1, 1]; D carries a Q head on its shared body that predicts c from a sample. The codes
/// are drawn from G's stream in <see cref="DrawInput"/>, folded into G's input, and returned as the side inputs
/// <see cref="CategoricalInput"/> (int64 [N]) and <see cref="ContinuousInput"/> (float [N, 2]) that travel with the fake
/// batch to the discriminator half, where <see cref="Objectives.InfoGanObjective"/> reads them.
/// </summary>
public sealed class InfoGanFamily : GanFamily
{
    /// <summary>Values of the categorical code (the paper's c1 ~ Cat(K = 10) on MNIST).</summary>
    public const int Categories = 10;

    /// <summary>Continuous codes (the paper's c2, c3 ~ U(-1, 1)).</summary>
    public const int ContinuousCodes = 2;

    /// <summary>Side-input name of the categorical code: int64 [N], values 0..9.</summary>
    public const string CategoricalInput = "info/categorical";

    /// <summary>Side-input name of the continuous codes: float [N, 2] in [-1, 1].</summary>
    public const string ContinuousInput = "info/continuous";

    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    public override bool DiscriminatorNormalizesBatch => true;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) => new InfoGanGenerator(spec.LatentSize, ImageChannels(spec.Dataset));

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => new InfoGanDiscriminator(ImageChannels(spec.Dataset));

    public override long[] SampleShape(ExperimentSpec spec) => [ImageChannels(spec.Dataset), 28, 28];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigits(spec);
        if (spec.Infogan is null)
        {
            errors.Add(new SpecError("infogan", "is required for model infogan (for example {\"noise\": \"normal\", \"continuousWeight\": 0.1}); remove the null"));
        }
        else
        {
            if (!(spec.Infogan.ContinuousWeight >= 0) || !double.IsFinite(spec.Infogan.ContinuousWeight))
            {
                errors.Add(new SpecError("infogan.continuousWeight", $"the weight of the continuous codes in L_I must be a finite number >= 0 (0.1 default, 1 in the released code); got {spec.Infogan.ContinuousWeight}"));
            }

            // A number in the JSON parses to any value of the enum's type; an undefined one must not draw some distribution.
            if (!Enum.IsDefined(spec.Infogan.Noise))
            {
                errors.Add(new SpecError("infogan.noise", $"allowed: {SpecJson.Allowed<LatentNoise>()}"));
            }
        }

        if (!spec.IsImageData)
        {
            return errors;
        }

        // Without its objective the Q head is never trained and G has no reason to use the codes.
        if (spec.Loss != LossKind.InfoGan)
        {
            errors.Add(new SpecError("loss", "model infogan trains its codes with loss infogan; use \"loss\": \"infogan\""));
        }

        return errors;
    }

    /// <summary>z's distribution, <c>infogan.noise</c> (the codes are drawn as the paper draws them whatever it says).</summary>
    public override LatentNoise Noise(ExperimentSpec spec) => spec.Infogan.Noise;

    /// <summary>The traversal grid (<see cref="InfoGanTraversal"/>) from the first rows of the fixed noise batch.</summary>
    public override SampleGridInput GridInput(ExperimentSpec spec, Tensor fixedNoise, Tensor? fixedLabels) =>
        new(InfoGanTraversal.Input(fixedNoise), null, InfoGanTraversal.Columns);

    /// <summary>
    /// z [count, latentSize] (~ N(0, I), or U(-1, 1) with <c>"infogan": {"noise": "uniform"}</c>), then the categorical
    /// code ~ U{0..9}, then the continuous codes ~ U(-1, 1), in that order from the current (G's) stream; G reads
    /// [z, one-hot(c1), c2, c3].
    /// </summary>
    public override GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device)
    {
        using var scope = NewDisposeScope();
        var noise = DrawNoise(Noise(spec), count, spec.LatentSize, device);
        var categorical = randint(0, Categories, count, dtype: int64, device: device);
        var continuous = DrawNoise(LatentNoise.Uniform, count, ContinuousCodes, device);
        var z = InfoGanGenerator.Fold(noise, categorical, continuous);
        return new GeneratorInput(z.MoveToOuterDisposeScope(), null, new Dictionary<string, Tensor>
        {
            [CategoricalInput] = categorical.MoveToOuterDisposeScope(),
            [ContinuousInput] = continuous.MoveToOuterDisposeScope(),
        });
    }
}

/// <summary>
/// The generator of Chen et al.'s MNIST architecture (Table 1 of the appendix): FC 1024 BN ReLU, FC 7x7x128 BN ReLU,
/// 4x4 up-convolution 64 BN ReLU, 4x4 up-convolution to the image, tanh. Layers followed by BatchNorm have no bias:
/// BN removes it, so its gradient is rounding noise that Adam would scale up to full steps. Its input is z with the codes folded in
/// ([N, latent + 12]); a plain noise batch [N, latent] (the fixed batch behind sample grids) gets the categorical code
/// i mod 10 for row i and continuous codes 0, so a grid shows every category without any random draw.
/// </summary>
public sealed class InfoGanGenerator : GeneratorNet
{
    /// <summary>Width of the codes folded into z: the one-hot categorical code and the continuous codes.</summary>
    public const int CodeWidth = InfoGanFamily.Categories + InfoGanFamily.ContinuousCodes;

    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;

    public InfoGanGenerator(int latentSize, int channels = 1) : base(nameof(InfoGanGenerator))
    {
        if (latentSize < 1 || channels < 1)
        {
            throw new ArgumentException($"infogan generator: latentSize and channels >= 1; got {latentSize}, {channels}");
        }

        _latentSize = latentSize;
        _main = Sequential(
            Linear(latentSize + CodeWidth, 1024, hasBias: false), Unflatten(1, [1024, 1, 1]), BatchNorm2d(1024), ReLU(), Flatten(),
            Linear(1024, 128 * 7 * 7, hasBias: false), Unflatten(1, [128, 7, 7]), BatchNorm2d(128), ReLU(),
            ConvTranspose2d(128, 64, 4, 2, 1, bias: false), BatchNorm2d(64), ReLU(),
            ConvTranspose2d(64, channels, 4, 2, 1), Tanh());
        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    /// <summary>G's input [z, one-hot(categorical), continuous]: [N, latent + 12].</summary>
    public static Tensor Fold(Tensor noise, Tensor categorical, Tensor continuous) =>
        cat(new[] { noise, F.one_hot(categorical, InfoGanFamily.Categories).to(noise.dtype), continuous.to(noise.dtype) }, 1);

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: infogan is unconditional; pass null labels");
        }

        using var scope = NewDisposeScope();
        var input = z;
        if (z.ndim == 2 && z.shape[1] == _latentSize)
        {
            var n = z.shape[0];
            using var count = n.ToScalar(); // held until arange returns (see KeptScalars); n is the batch size, not a constant
            var categorical = arange(KeptScalars.OfInteger(0), count, KeptScalars.OfInteger(1), dtype: int64, device: z.device).remainder(KeptScalars.OfInteger(InfoGanFamily.Categories));
            input = Fold(z, categorical, zeros(n, InfoGanFamily.ContinuousCodes, dtype: z.dtype, device: z.device));
        }
        else if (z.ndim != 2 || z.shape[1] != _latentSize + CodeWidth)
        {
            throw new ArgumentException($"z: infogan generator expects [N, {_latentSize + CodeWidth}] (noise and codes) or [N, {_latentSize}]; got [{string.Join(", ", z.shape)}]");
        }

        return _main.call(input).MoveToOuterDisposeScope();
    }
}

/// <summary>D's outputs on one batch: the real/fake logit [N] and the Q head's categorical logits [N, 10] and continuous means [N, 2].</summary>
public sealed record InfoGanHeads(Tensor Score, Tensor CategoricalLogits, Tensor ContinuousMeans);

/// <summary>
/// The discriminator of Chen et al.'s MNIST architecture: 4x4 conv 64 lReLU (stride 2), 4x4 conv 128 BN lReLU
/// (stride 2), FC 1024 BN lReLU shared by D's FC output (one logit) and the Q head, FC 128 BN lReLU then FC to the
/// 10 categorical logits and the 2 means of a factored Gaussian with fixed standard deviation 1 for the continuous
/// codes. LeakyReLU slope 0.1 as the paper's appendix says (the released code's leaky_rectify defaults to 0.01); no bias before a BatchNorm (see <see cref="InfoGanGenerator"/>). Its forward returns D's logit
/// only; <see cref="Heads"/> gives both heads from one pass through the body.
/// </summary>
public sealed class InfoGanDiscriminator : DiscriminatorNet
{
    [ComponentName(Name = "body")]
    private readonly TorchSharp.Modules.Sequential _body;
    [ComponentName(Name = "d")]
    private readonly TorchSharp.Modules.Linear _d;
    [ComponentName(Name = "q")]
    private readonly TorchSharp.Modules.Sequential _q;
    private readonly int _channels;

    public InfoGanDiscriminator(int channels = 1) : base(nameof(InfoGanDiscriminator))
    {
        if (channels < 1)
        {
            throw new ArgumentException($"infogan discriminator: channels >= 1; got {channels}");
        }

        _channels = channels;
        _body = Sequential(
            Conv2d(channels, 64, 4, 2, 1), LeakyReLU(0.1),
            Conv2d(64, 128, 4, 2, 1, bias: false), BatchNorm2d(128), LeakyReLU(0.1), Flatten(),
            Linear(128 * 7 * 7, 1024, hasBias: false), Unflatten(1, [1024, 1, 1]), BatchNorm2d(1024), LeakyReLU(0.1), Flatten());
        _d = Linear(1024, 1);
        _q = Sequential(
            Linear(1024, 128, hasBias: false), Unflatten(1, [128, 1, 1]), BatchNorm2d(128), LeakyReLU(0.1), Flatten(),
            Linear(128, InfoGanGenerator.CodeWidth));
        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: infogan is unconditional; pass null labels");
        }

        using var scope = NewDisposeScope();
        NetInputs.RequireImages("infogan discriminator", x, _channels, 28);
        return _d.call(_body.call(x)).view(-1).MoveToOuterDisposeScope();
    }

    /// <summary>D's logit and the Q head's outputs from one pass through the shared body (train or eval mode as set).</summary>
    public InfoGanHeads Heads(Tensor x)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireImages("infogan discriminator", x, _channels, 28);
        var features = _body.call(x);
        var q = _q.call(features);
        var score = _d.call(features).view(-1);
        return new InfoGanHeads(
            score.MoveToOuterDisposeScope(),
            q.narrow(1, 0, InfoGanFamily.Categories).MoveToOuterDisposeScope(),
            q.narrow(1, InfoGanFamily.Categories, InfoGanFamily.ContinuousCodes).MoveToOuterDisposeScope());
    }
}
