using System.Runtime.CompilerServices;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Families;

/// <summary>
/// VAE-GAN (Larsen, Sønderby, Larochelle and Winther 2016, "Autoencoding beyond pixels using a learned similarity metric")
/// on 28x28 images. The generator node holds the encoder E and the decoder G (<see cref="VaeGanGenerator"/>, one module,
/// one optimizer); the discriminator node holds D (<see cref="VaeGanDiscriminator"/>), whose l-th layer features Dis_l
/// measure the reconstruction error.
/// <para>
/// Real images for E: the generator node reads the same training split as the discriminator node (both nodes have the
/// bundled data; <see cref="DatasetCatalog.Load"/>, as the discriminator half loads it) and draws the indices of E's batch
/// from G's own random stream in <see cref="DrawInput"/>. The discriminator cannot send them: in a round G's batch goes
/// first and D only answers it, so a real batch from D would need a new message ahead of every G step and would tie G's
/// step to D's stream. The images E encoded then travel to D with the fake batch as the side input <see cref="RealInput"/>,
/// because D needs exactly those images paired with their reconstructions for Dis_l(x).
/// </para>
/// <para>
/// One batch of N real images gives a fake batch of 3N images: [x~ for the GAN term (decoded from E's codes with the
/// codes detached, so the GAN gradient reaches G but not E), x_p = G(z_p) with z_p ~ N(0, I), x~ for the reconstruction
/// term (the same values, decoded from the codes through a gradient scale of 1/gamma)], each block decoded in a
/// train-mode pass of its own (G's BatchNorm running statistics thus see x~'s codes twice per step). The objective
/// (<see cref="Objectives.VaeGanObjective"/>) judges the first 2N as fakes and sends gamma dL_llike/dx~ for the last N;
/// by the chain rule G's parameters then receive gamma dL_llike + dL_GAN and E's receive dL_llike (plus its KL prior,
/// <see cref="GeneratorNet.TakeLocalLoss"/>): the paper's updates θ_Enc ← ∇(L_prior + L_llike), θ_Dec ← ∇(γ L_llike − L_GAN),
/// with one dLoss/dFake on the wire as for every family.
/// </para>
/// </summary>
public sealed class VaeGanFamily : GanFamily
{
    /// <summary>Side-input name of the real images E encoded: float [N, C, 28, 28] in [-1, 1].</summary>
    public const string RealInput = "vaegan/real";

    /// <summary>Smallest gamma, the weight of the reconstruction term in the decoder's loss, a spec may give.</summary>
    public const double MinGamma = 1e-6;

    private static readonly ConditionalWeakTable<ExperimentSpec, Tensor> TrainingImages = new();
    private static readonly Lock TrainingImagesLock = new();

    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    public override bool DiscriminatorNormalizesBatch => true;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) =>
        new VaeGanGenerator(spec.LatentSize, ImageChannels(spec.Dataset), spec.Vaegan.Gamma);

    public override bool SupportsSpectralNorm => true;

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => new VaeGanDiscriminator(ImageChannels(spec.Dataset), spec.SpectralNorm == true);

    public override long[] SampleShape(ExperimentSpec spec) => [ImageChannels(spec.Dataset), 28, 28];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigits(spec, "its encoder and decoder are 28x28 DCGAN-style nets");
        if (!spec.IsImageData)
        {
            return errors;
        }

        // Without its objective nothing trains E (no reconstruction term) and the third block of the batch is wasted.
        if (spec.Loss != LossKind.VaeGan)
        {
            errors.Add(new SpecError("loss", $"model vaegan trains its encoder with loss vaegan; got {FamilyCatalog.Name(spec.Loss)}; use \"loss\": \"vaegan\""));
        }

        if (spec.Vaegan is null)
        {
            errors.Add(new SpecError("vaegan", "is required for model vaegan (for example {\"gamma\": 0.01})"));
        }
        else if (!(spec.Vaegan.Gamma >= MinGamma) || !double.IsFinite(spec.Vaegan.Gamma))
        {
            errors.Add(new SpecError("vaegan.gamma", $"the weight of the reconstruction term in the decoder's loss must be a finite number >= {MinGamma}; got {spec.Vaegan.Gamma}"));
        }

        else if (spec.Vaegan.PlainVae && spec.Vaegan.Gamma != 1)
        {
            errors.Add(new SpecError("vaegan.gamma", $"a plain VAE (vaegan.plainVae) weighs its reconstruction term alike in E and G; use 1; got {spec.Vaegan.Gamma}"));
        }

        return errors;
    }

    /// <summary>
    /// E's batch and G's noise, from the current (G's) stream in this order: the indices of <paramref name="count"/> real
    /// images, drawn uniformly with replacement from the training split; eps ~ N(0, I) [count, latent] for the
    /// reparameterization; z_p ~ N(0, I) [count, latent]. G reads [x flattened, eps, z_p]; x (in [-1, 1]) also travels as
    /// the side input <see cref="RealInput"/>.
    /// </summary>
    public override GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device)
    {
        using var scope = NewDisposeScope();
        var images = Training(spec);
        var indices = randint(0, images.shape[0], count, dtype: int64);
        var real = images.index_select(0, indices).to(device).ToSymmetric();
        var eps = randn(count, spec.LatentSize, device: device);
        var prior = randn(count, spec.LatentSize, device: device);
        var z = cat(new[] { real.flatten(1), eps, prior }, 1);
        return new GeneratorInput(z.MoveToOuterDisposeScope(), null, new Dictionary<string, Tensor>
        {
            [RealInput] = real.MoveToOuterDisposeScope(),
        });
    }

    /// <summary>The training split's images in [0, 1] (CPU), loaded once per spec instance as the discriminator half loads them.</summary>
    private static Tensor Training(ExperimentSpec spec)
    {
        lock (TrainingImagesLock)
        {
            if (!TrainingImages.TryGetValue(spec, out var images))
            {
                var (train, heldOut) = DatasetCatalog.Load(spec);
                heldOut.Dispose();
                images = train.Samples.DetachFromDisposeScope();
                TrainingImages.Add(spec, images);
            }

            return images;
        }
    }
}

/// <summary>
/// VAE-GAN's generator node: the encoder E and the decoder G in one module (so one optimizer holds both; Adam's
/// per-parameter state makes that the same as two of the same settings).
/// <para>
/// E: 4x4 conv 64 (stride 2), LeakyReLU 0.2, 4x4 conv 128 (stride 2), BN, LeakyReLU 0.2, FC to 2 x latent: mu and
/// log sigma^2. G: DCGAN's 28x28 generator (<see cref="DcganGenerator"/>, width 64), tanh output.
/// </para>
/// <para>
/// Input: [N, latent] noise gives G(z) (sample grids). The folded batch [N, C*784 + 2 latent] of
/// <see cref="VaeGanFamily.DrawInput"/> gives, in train mode, the 3N images the family describes and keeps the KL prior
/// of E's codes for <see cref="TakeLocalLoss"/> when a graph is being built; in eval mode (evaluation samples) it gives
/// only x_p = G(z_p), N images.
/// </para>
/// </summary>
public sealed class VaeGanGenerator : GeneratorNet
{
    [ComponentName(Name = "encoder")]
    private readonly TorchSharp.Modules.Sequential _encoder;
    [ComponentName(Name = "decoder")]
    private readonly DcganGenerator _decoder;
    private readonly int _latentSize;
    private readonly int _channels;
    private readonly Scalar _inverseGamma;
    private Tensor? _localLoss;

    public VaeGanGenerator(int latentSize, int channels = 1, double gamma = 1.0) : base(nameof(VaeGanGenerator))
    {
        if (latentSize < 1 || channels < 1 || !(gamma > 0))
        {
            throw new ArgumentException($"vaegan generator: latentSize and channels >= 1, gamma > 0; got {latentSize}, {channels}, {gamma}");
        }

        _latentSize = latentSize;
        _channels = channels;
        _inverseGamma = KeptScalars.Of(1.0 / gamma);
        _encoder = Sequential(
            Conv2d(channels, 64, 4, 2, 1), LeakyReLU(0.2),
            Conv2d(64, 128, 4, 2, 1, bias: false), BatchNorm2d(128), LeakyReLU(0.2), Flatten(),
            Linear(128 * 7 * 7, 2 * latentSize));
        _decoder = new DcganGenerator(latentSize, 28, channels);
        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    /// <summary>Width of the folded input: the flattened image, eps and z_p.</summary>
    public int FoldedWidth => (_channels * 28 * 28) + (2 * _latentSize);

    /// <summary>E's mu and log sigma^2 [N, latent] each, for images in [-1, 1].</summary>
    public (Tensor Mu, Tensor LogVariance) Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireImages("vaegan encoder", x, _channels, 28);
        var codes = _encoder.call(x);
        return (codes.narrow(1, 0, _latentSize).MoveToOuterDisposeScope(), codes.narrow(1, _latentSize, _latentSize).MoveToOuterDisposeScope());
    }

    /// <summary>G's images [N, C, 28, 28] in [-1, 1] for codes [N, latent].</summary>
    public Tensor Decode(Tensor z) => _decoder.call(z, null);

    /// <summary>The KL prior of the last train-mode forward of a folded batch that built a graph, or null.</summary>
    public override Tensor? TakeLocalLoss()
    {
        var loss = _localLoss;
        _localLoss = null;
        return loss;
    }

    /// <summary>
    /// KL(q(z|x) || N(0, I)) summed over the latent axis, mean over the batch: -0.5 mean_n sum_j (1 + log sigma^2 - mu^2 - sigma^2).
    /// </summary>
    public static Tensor KlPrior(Tensor mu, Tensor logVariance) =>
        logVariance.add(KeptScalars.One, KeptScalars.DefaultAlpha).sub(mu.mul(mu)).sub(logVariance.exp()).sum(1).mean().mul(KeptScalars.Of(-0.5));

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: vaegan is unconditional; pass null labels");
        }

        if (z.ndim == 2 && z.shape[1] == _latentSize)
        {
            return Decode(z);
        }

        if (z.ndim != 2 || z.shape[1] != FoldedWidth)
        {
            throw new ArgumentException($"z: vaegan generator expects [N, {FoldedWidth}] (image, eps and z_p) or [N, {_latentSize}]; got [{string.Join(", ", z.shape)}]");
        }

        using var scope = NewDisposeScope();
        var pixels = _channels * 28 * 28;
        var prior = z.narrow(1, pixels + _latentSize, _latentSize);
        if (!training)
        {
            return Decode(prior).MoveToOuterDisposeScope();
        }

        var x = z.narrow(1, 0, pixels).reshape(-1, _channels, 28, 28);
        var eps = z.narrow(1, pixels, _latentSize);
        var (mu, logVariance) = Encode(x);
        var codes = mu.add(logVariance.mul(KeptScalars.Of(0.5)).exp().mul(eps), KeptScalars.DefaultAlpha);

        // Same values as the codes (codes - codes.detach() is exactly 0), gradient scaled by 1/gamma: D sends gamma dL_llike
        // for this block, so E receives dL_llike and G gamma dL_llike. Each block is decoded in a pass of its own: in one
        // pass of 3N, BatchNorm's batch statistics would carry the GAN gradient of the first blocks into the codes of the
        // third, and so (scaled by 1/gamma) into E. Both x~ blocks are the same pass on the same codes, so the same images.
        var detached = codes.detach();
        var scaled = detached.add(codes.sub(detached).mul(_inverseGamma), KeptScalars.DefaultAlpha);
        var images = cat(new[] { Decode(detached), Decode(prior), Decode(scaled) }, 0);
        _localLoss?.Dispose();
        _localLoss = is_grad_enabled() ? KlPrior(mu, logVariance).DetachFromDisposeScope() : null;
        return images.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _localLoss?.Dispose();
            _localLoss = null;
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// VAE-GAN's discriminator: DCGAN's 28x28 D (4x4 conv 64 stride 2, LeakyReLU 0.2, 4x4 conv 128 stride 2, BN, LeakyReLU
/// 0.2, 7x7 conv to one logit), with the output of its second layer, 128 x 7 x 7, as Dis_l (<see cref="Features"/>): the
/// last hidden layer, as the paper takes D's deepest convolutional features.
/// </summary>
public sealed class VaeGanDiscriminator : DiscriminatorNet
{
    /// <summary>Dis_l's width: 128 maps of 7x7.</summary>
    public const int FeatureSize = 128 * 7 * 7;

    [ComponentName(Name = "features")]
    private readonly TorchSharp.Modules.Sequential _features;
    [ComponentName(Name = "head")]
    private readonly OneOutputConv2d _head;
    private readonly int _channels;

    /// <param name="channels">Channels of one image.</param>
    /// <param name="spectralNorm">
    /// Both convolutions and the head spectrally normalised and no BatchNorm (Miyato et al. 2018, as <see
    /// cref="DcganDiscriminator"/>'s option): Dis_l is then the second convolution's LeakyReLU output without normalisation.
    /// </param>
    public VaeGanDiscriminator(int channels = 1, bool spectralNorm = false) : base(nameof(VaeGanDiscriminator))
    {
        if (channels < 1)
        {
            throw new ArgumentException($"vaegan discriminator: channels >= 1; got {channels}");
        }

        _channels = channels;
        _features = spectralNorm
            ? Sequential(
                new SpectralNormConv2d(channels, 64, 4, 2, 1), LeakyReLU(0.2),
                new SpectralNormConv2d(64, 128, 4, 2, 1), LeakyReLU(0.2))
            : Sequential(
                Conv2d(channels, 64, 4, 2, 1, bias: false), LeakyReLU(0.2),
                Conv2d(64, 128, 4, 2, 1, bias: false), BatchNorm2d(128), LeakyReLU(0.2));
        _head = new OneOutputConv2d(128, 7, 1, 0, hasBias: false, spectralNorm: spectralNorm);
        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    /// <summary>Dis_l(x): [N, 128 * 7 * 7] (train or eval mode as set).</summary>
    public Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireImages("vaegan discriminator", x, _channels, 28);
        return _features.call(x).flatten(1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: vaegan is unconditional; pass null labels");
        }

        using var scope = NewDisposeScope();
        NetInputs.RequireImages("vaegan discriminator", x, _channels, 28);
        return _head.call(_features.call(x)).view(-1).MoveToOuterDisposeScope();
    }
}
