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
/// The survey's CNN image codec on 28x28 digits, trained as split learning on the GAN machinery. The generator node holds
/// the convolutional encoder and its binariser (<see cref="CodecEncoder"/>): it reads a batch of real training images,
/// as VAE-GAN's encoder does (the node loads the same bundled split, <see cref="DatasetCatalog.Load"/>, and draws the
/// indices from G's own stream), and its "fake batch" is the binary code of each image, <c>codec.bits</c> values in
/// {-1, +1} laid out as [1, 8, bits / 8]. The discriminator node holds the convolutional decoder
/// (<see cref="CodecDecoder"/>), trains it on the pixel MSE of its reconstructions in D's step, and sends dLoss/dCode
/// back in the G phase (<see cref="Objectives.CodecObjective"/>). The images encoded travel with the codes as the side
/// input <see cref="RealInput"/> (the decoder's target); nothing else crosses the wire.
/// <para>
/// Neither network normalises over the batch (no BatchNorm, no dropout): an image's code and its reconstruction depend on
/// that image alone, as a codec's must (<c>gancluster compress</c> encodes any number of images at once).
/// </para>
/// </summary>
public sealed class CodecFamily : GanFamily
{
    /// <summary>Side-input name of the real images the encoder coded: float [N, 1, 28, 28] in [-1, 1].</summary>
    public const string RealInput = "codec/real";

    /// <summary>Rows of the code layout [1, Rows, bits / Rows] (a grid of codes renders as small binary images).</summary>
    public const int Rows = 8;

    /// <summary>Smallest and largest code size a spec may give, in bits per image.</summary>
    public const int MinBits = 8, MaxBits = 1024;

    /// <summary>Images the sample grid codes: the first training digits, 8 per row.</summary>
    public const int GridImages = 64;

    private static readonly ConditionalWeakTable<ExperimentSpec, Tensor> TrainingImages = new();
    private static readonly Lock TrainingImagesLock = new();

    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) => new CodecEncoder(spec.Codec.Bits);

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => new CodecDecoder(spec.Codec.Bits);

    /// <summary>One code: [1, 8, bits / 8] values in {-1, +1}.</summary>
    public override long[] SampleShape(ExperimentSpec spec) => [1, Rows, spec.Codec.Bits / Rows];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigits(spec, "its encoder and decoder are 28x28 convolutional nets");
        if (!spec.IsImageData)
        {
            return errors;
        }

        if (spec.Loss != LossKind.Codec)
        {
            errors.Add(new SpecError("loss", $"model codec trains its encoder and decoder with loss codec; got {FamilyCatalog.Name(spec.Loss)}; use \"loss\": \"codec\""));
        }

        if (spec.Codec is null)
        {
            errors.Add(new SpecError("codec", "is required for model codec (for example {\"bits\": 64})"));
        }
        else if (BitsError(spec.Codec.Bits) is { } error)
        {
            errors.Add(new SpecError("codec.bits", error));
        }

        // An average of the encoder's weights would code for a decoder that was never trained on its codes.
        if (spec.GeneratorEma != 0)
        {
            errors.Add(new SpecError("generatorEma", $"model codec codes with the encoder the decoder trained against; got {spec.GeneratorEma}; use 0"));
        }

        return errors;
    }

    /// <summary>Why <paramref name="bits"/> is not a code size, or null when it is one.</summary>
    public static string? BitsError(int bits) => bits is >= MinBits and <= MaxBits && bits % Rows == 0
        ? null
        : $"bits per image must be a multiple of {Rows} from {MinBits} to {MaxBits} (e.g. 32, 64, 128, 256); got {bits}";

    /// <summary>
    /// The encoder's batch, from the current (G's) stream: the indices of <paramref name="count"/> training images drawn
    /// uniformly with replacement. The encoder reads them flattened, in [-1, 1]; they also travel as <see cref="RealInput"/>.
    /// </summary>
    public override GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device)
    {
        using var scope = NewDisposeScope();
        var images = Training(spec);
        var indices = randint(0, images.shape[0], count, dtype: int64);
        var real = images.index_select(0, indices).to(device).ToSymmetric();
        return new GeneratorInput(real.flatten(1).MoveToOuterDisposeScope(), null, new Dictionary<string, Tensor>
        {
            [RealInput] = real.MoveToOuterDisposeScope(),
        });
    }

    /// <summary>The sample grid: the codes of the first 64 training digits (no random draw), 8 per row.</summary>
    public override SampleGridInput GridInput(ExperimentSpec spec, Tensor fixedNoise, Tensor? fixedLabels)
    {
        using var scope = NewDisposeScope(); // holds the chain's temporaries until the calls that read them return
        var images = Training(spec);
        var count = Math.Min(GridImages, images.shape[0]);
        return new SampleGridInput(images.narrow(0, 0, count).to(fixedNoise.device).ToSymmetric().flatten(1).MoveToOuterDisposeScope(), null, 8);
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
/// The codec's encoder and binariser (the generator node's network): 4x4 conv 32 (stride 2), LeakyReLU 0.2, 4x4 conv 64
/// (stride 2), LeakyReLU 0.2, FC to bits, tanh; then each value is binarised to sign (+1 for 0) with a straight-through
/// gradient: the code is <c>sign(y) + (y - y.detach())</c>, whose values are exactly the signs (y - y.detach() is 0) and
/// whose gradient reaches y unchanged. Deterministic: the same image always gives the same code.
/// Input: images flattened [N, 784] in [-1, 1]; output: codes [N, 1, 8, bits / 8].
/// </summary>
public sealed class CodecEncoder : GeneratorNet
{
    [ComponentName(Name = "features")]
    private readonly TorchSharp.Modules.Sequential _features;
    [ComponentName(Name = "code")]
    private readonly TorchSharp.Modules.Linear _code;

    public CodecEncoder(int bits) : base(nameof(CodecEncoder))
    {
        if (CodecFamily.BitsError(bits) is { } error)
        {
            throw new ArgumentException($"codec.bits: {error}");
        }

        Bits = bits;
        _features = Sequential(
            Conv2d(1, 32, 4, 2, 1), LeakyReLU(0.2),
            Conv2d(32, 64, 4, 2, 1), LeakyReLU(0.2), Flatten());
        _code = Linear(64 * 7 * 7, bits);
        RegisterComponents();
    }

    /// <summary>Bits per image.</summary>
    public int Bits { get; }

    /// <summary>The encoder's soft output tanh(FC(...)) [N, bits] for images [N, 1, 28, 28] in [-1, 1], before binarising.</summary>
    public Tensor Soft(Tensor images)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireImages("codec encoder", images, 1, 28);
        return _code.call(_features.call(images)).tanh().MoveToOuterDisposeScope();
    }

    /// <summary>Binary codes [N, 1, 8, bits / 8] in {-1, +1} for images [N, 1, 28, 28] in [-1, 1], straight-through.</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var soft = Soft(images);
        var hard = soft.detach().ge(KeptScalars.Of(0)).to(soft.dtype).ToSymmetric();
        return hard.add(soft.sub(soft.detach()), KeptScalars.DefaultAlpha).reshape(-1, 1, CodecFamily.Rows, Bits / CodecFamily.Rows).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: codec is unconditional; pass null labels");
        }

        if (z.ndim != 2 || z.shape[1] != 28 * 28)
        {
            throw new ArgumentException($"z: codec encoder expects flattened images [N, 784] in [-1, 1]; got [{string.Join(", ", z.shape)}]");
        }

        using var scope = NewDisposeScope();
        return Encode(z.reshape(-1, 1, 28, 28)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The codec's decoder (the discriminator node's network): FC from bits to 128 x 7 x 7, ReLU, 4x4 transposed conv 64
/// (stride 2), ReLU, 4x4 transposed conv 1 (stride 2), tanh: images [N, 1, 28, 28] in [-1, 1]. Its forward returns the
/// reconstruction, not a score: only loss codec reads it.
/// </summary>
public sealed class CodecDecoder : DiscriminatorNet
{
    [ComponentName(Name = "expand")]
    private readonly TorchSharp.Modules.Linear _expand;
    [ComponentName(Name = "upsample")]
    private readonly TorchSharp.Modules.Sequential _upsample;

    public CodecDecoder(int bits) : base(nameof(CodecDecoder))
    {
        if (CodecFamily.BitsError(bits) is { } error)
        {
            throw new ArgumentException($"codec.bits: {error}");
        }

        Bits = bits;
        _expand = Linear(bits, 128 * 7 * 7);
        _upsample = Sequential(
            ReLU(), ConvTranspose2d(128, 64, 4, 2, 1), ReLU(),
            ConvTranspose2d(64, 1, 4, 2, 1), Tanh());
        RegisterComponents();
    }

    /// <summary>Bits per image.</summary>
    public int Bits { get; }

    /// <summary>Reconstructions [N, 1, 28, 28] in [-1, 1] of codes [N, 1, 8, bits / 8] (or [N, bits]).</summary>
    public Tensor Decode(Tensor codes)
    {
        if (codes.ndim < 2 || codes.shape[0] < 1 || codes.numel() != codes.shape[0] * Bits)
        {
            throw new ArgumentException($"codes: the codec decoder expects [N, 1, {CodecFamily.Rows}, {Bits / CodecFamily.Rows}] (or [N, {Bits}]); got [{string.Join(", ", codes.shape)}]");
        }

        using var scope = NewDisposeScope();
        return _upsample.call(_expand.call(codes.reshape(-1, Bits)).reshape(-1, 128, 7, 7)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: codec is unconditional; pass null labels");
        }

        return Decode(x);
    }
}
