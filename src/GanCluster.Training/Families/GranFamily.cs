using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Families;

/// <summary>
/// GRAN (Im, Kim, Jiang and Memisevic 2016, "Generating images with recurrent adversarial networks") on 28x28 images:
/// a recurrent generator that draws on a canvas over <see cref="GranSpec.Steps"/> steps (<see cref="GranGenerator"/>),
/// judged by the DCGAN discriminator unchanged. Any score objective trains it (the preset uses dcgan-mnist's).
/// </summary>
public sealed class GranFamily : GanFamily
{
    /// <summary>Fewest and most drawing steps a spec may ask for (the paper uses 3 to 5).</summary>
    public const int MinSteps = 1;

    /// <inheritdoc cref="MinSteps"/>
    public const int MaxSteps = 10;

    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool SupportsConditional => false;

    public override bool DiscriminatorNormalizesBatch => true;

    public override bool SupportsSpectralNorm => true;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) =>
        new GranGenerator(spec.LatentSize, spec.Gran.Steps, ImageChannels(spec.Dataset));

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) =>
        new DcganDiscriminator(28, ImageChannels(spec.Dataset), spec.Packing, spectralNorm: spec.SpectralNorm == true);

    public override long[] SampleShape(ExperimentSpec spec) => [ImageChannels(spec.Dataset), 28, 28];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigits(spec, "its decoder is DCGAN's 28x28 one");
        if (!spec.IsImageData)
        {
            return errors;
        }

        if (spec.Gran is null)
        {
            errors.Add(new SpecError("gran", "is required for model gran (for example {\"steps\": 3})"));
        }
        else if (spec.Gran.Steps is < MinSteps or > MaxSteps)
        {
            errors.Add(new SpecError("gran.steps", $"must be {MinSteps}..{MaxSteps} drawing steps (the paper uses 3 to 5); got {spec.Gran.Steps}"));
        }

        return errors;
    }
}

/// <summary>
/// GRAN's generator. z is projected once, h_z = tanh(W z), the same at every step; at step t = 1..T a convolutional
/// encoder f, shared by all steps, reads the canvas drawn so far as an image, tanh(C_{t-1}) (C_0 = 0), and gives the code
/// h_c = BN_t(f(tanh(C_{t-1}))); a DCGAN-style decoder g reads [h_z, h_c] and draws the increment ΔC_t; C_t = C_{t-1} + ΔC_t,
/// and the sample is tanh(C_T), in [-1, 1] like DCGAN's (<see cref="SampleRange.Symmetric"/>; the paper's sigmoid(C_T) is
/// the same map onto [0, 1]).
/// <para>
/// f: 4x4 conv 32 (stride 2), LeakyReLU 0.2, 4x4 conv 64 (stride 2), LeakyReLU 0.2, FC to <see cref="CodeSize"/>.
/// g: DCGAN's 28x28 generator at half width: 7x7 up-convolution of [h_z, h_c] to 128x7x7, BN, ReLU, 4x4 up-convolution
/// 64, BN, ReLU, 4x4 up-convolution 1 (no output nonlinearity). The convolutions are shared by the steps; each step has
/// its own BatchNorm layers (code, 128 and 64 maps), so the running statistics the evaluation uses (eval mode) are those
/// of that step's inputs, not a blend of every step's. No layer before a BatchNorm or feeding the decoder has a bias, and
/// the code is batch-normalized: measured on the training digits (fake-batch diversity, 150 rounds of gran-mnist), a
/// decoder input that is the same for every sample (a bias, or the code of the canvas's shared black background) lets G
/// draw one image for every z (diversity 1.4 against 15.6 with these choices, 20 for real batches). No randomness in the
/// forward pass.
/// </para>
/// </summary>
public sealed class GranGenerator : GeneratorNet
{
    /// <summary>Width of the projection h_z of z.</summary>
    public const int ProjectionSize = 100;

    /// <summary>Width of the encoder's code h_c of the canvas.</summary>
    public const int CodeSize = 100;

    [ComponentName(Name = "project")]
    private readonly TorchSharp.Modules.Linear _project;
    [ComponentName(Name = "encoder")]
    private readonly TorchSharp.Modules.Sequential _encoder;
    [ComponentName(Name = "up1")]
    private readonly TorchSharp.Modules.ConvTranspose2d _up1;
    [ComponentName(Name = "up2")]
    private readonly TorchSharp.Modules.ConvTranspose2d _up2;
    [ComponentName(Name = "up3")]
    private readonly TorchSharp.Modules.ConvTranspose2d _up3;
    [ComponentName(Name = "norm1")]
    private readonly TorchSharp.Modules.ModuleList<TorchSharp.Modules.BatchNorm> _norm1;
    [ComponentName(Name = "normCode")]
    private readonly TorchSharp.Modules.ModuleList<TorchSharp.Modules.BatchNorm> _normCode;
    [ComponentName(Name = "norm2")]
    private readonly TorchSharp.Modules.ModuleList<TorchSharp.Modules.BatchNorm> _norm2;
    private readonly int _latentSize;
    private readonly int _channels;

    /// <param name="latentSize">Dimension of z.</param>
    /// <param name="steps">T, the drawing steps.</param>
    /// <param name="channels">Channels of the canvas (1 for MNIST-like data).</param>
    public GranGenerator(int latentSize, int steps, int channels = 1) : base(nameof(GranGenerator))
    {
        if (latentSize < 1 || channels < 1 || steps is < GranFamily.MinSteps or > GranFamily.MaxSteps)
        {
            throw new ArgumentException($"gran generator: latentSize and channels >= 1, steps {GranFamily.MinSteps}..{GranFamily.MaxSteps}; got {latentSize}, {channels}, {steps}");
        }

        _latentSize = latentSize;
        _channels = channels;
        Steps = steps;
        _project = Linear(latentSize, ProjectionSize, hasBias: false);
        _encoder = Sequential(
            Conv2d(channels, 32, 4, 2, 1, bias: false), LeakyReLU(0.2),
            Conv2d(32, 64, 4, 2, 1, bias: false), LeakyReLU(0.2), Flatten(),
            Linear(64 * 7 * 7, CodeSize, hasBias: false));
        _up1 = ConvTranspose2d(ProjectionSize + CodeSize, 128, 7, 1, 0, bias: false);
        _up2 = ConvTranspose2d(128, 64, 4, 2, 1, bias: false);
        _up3 = ConvTranspose2d(64, channels, 4, 2, 1, bias: false);
        _norm1 = new TorchSharp.Modules.ModuleList<TorchSharp.Modules.BatchNorm>();
        _norm2 = new TorchSharp.Modules.ModuleList<TorchSharp.Modules.BatchNorm>();
        _normCode = new TorchSharp.Modules.ModuleList<TorchSharp.Modules.BatchNorm>();
        for (var t = 0; t < steps; t++)
        {
            _norm1.Add(BatchNorm2d(128));
            _norm2.Add(BatchNorm2d(64));
            _normCode.Add(BatchNorm2d(CodeSize));
        }

        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    /// <summary>T, the drawing steps.</summary>
    public int Steps { get; }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var canvases = Draw(z, labels);
        return canvases[^1].tanh().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The canvases C_1 .. C_T [N, C, 28, 28] before the output tanh (forward is tanh of the last), in the caller's dispose
    /// scope: what the generator has drawn after each step.
    /// </summary>
    public IReadOnlyList<Tensor> Draw(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: gran is unconditional; pass null labels");
        }

        if (z.ndim != 2 || z.shape[1] != _latentSize)
        {
            throw new ArgumentException($"z: gran generator expects [N, {_latentSize}]; got [{string.Join(", ", z.shape)}]");
        }

        var n = z.shape[0];
        var hz = _project.call(z).tanh();
        var canvas = zeros(new long[] { n, _channels, 28, 28 }, dtype: z.dtype, device: z.device);
        var canvases = new List<Tensor>(Steps);
        for (var t = 0; t < Steps; t++)
        {
            var hc = _normCode[t].call(_encoder.call(canvas.tanh()).view(n, CodeSize, 1, 1)).view(n, CodeSize);
            var h = cat(new[] { hz, hc }, 1).view(n, ProjectionSize + CodeSize, 1, 1);
            var x = _norm1[t].call(_up1.call(h)).relu();
            x = _norm2[t].call(_up2.call(x)).relu();
            canvas = canvas.add(_up3.call(x), KeptScalars.One);
            canvases.Add(canvas);
        }

        return canvases;
    }
}
