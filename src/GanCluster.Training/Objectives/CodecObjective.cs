using GanCluster.Training.Families;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Objectives;

/// <summary>
/// The image codec's reconstruction loss across the split (model codec): the "fake batch" is the encoder's binary codes,
/// the side input <see cref="CodecFamily.RealInput"/> the images they code, and D is the decoder.
/// <list type="bullet">
/// <item>D-real: nothing to learn from D's own real batch; a zero loss (0 times D's first parameter, so D's gradients
/// exist and are zero).</item>
/// <item>D-fake: the decoder's pixel MSE, mean over pixels in the model's [-1, 1] range, on the detached codes: the
/// decoder's update.</item>
/// <item>G: the same MSE with the current decoder; the half sends dLoss/dCode, which the encoder's straight-through
/// binariser passes on to its soft output. The decoder gets no gradient here.</item>
/// </list>
/// No random draws. Terms: loss/d and loss/g the MSE of the phase's batch; d/real 1 and d/fake the share of +1 bits in
/// the codes (there is no real-vs-fake score; every objective reports these names); <see cref="PsnrTerm"/> the PSNR of
/// the D step's reconstructions in dB on [0, 1] pixels.
/// </summary>
public sealed class CodecObjective : IGanObjective, IObjectiveDefinition
{
    /// <summary>PSNR (dB, pixels in [0, 1]) of the D step's batch.</summary>
    public const string PsnrTerm = "codec/psnr";

    private static readonly Scalar Zero = KeptScalars.Of(0);

    public static IGanObjective Create(ExperimentSpec spec) => new CodecObjective();

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        if (spec.Model != ModelKind.Codec)
        {
            yield return new SpecError("loss", $"codec needs the encoder and decoder of model codec; got model {FamilyCatalog.Name(spec.Model)} (use \"model\": \"codec\")");
            yield break;
        }

        // Settings of a real-vs-fake game that a reconstruction loss would silently ignore.
        if (spec.InstanceNoise != 0)
        {
            yield return new SpecError("instanceNoise", $"loss codec adds no noise to the codes; got {spec.InstanceNoise}; use 0");
        }

        if (spec.R1Gamma != 0)
        {
            yield return new SpecError("r1Gamma", $"loss codec has no real scores to penalise; got {spec.R1Gamma}; use 0");
        }

        if (spec.RealLabelSmoothing != 0)
        {
            yield return new SpecError("realLabelSmoothing", $"loss codec has no labels to smooth; got {spec.RealLabelSmoothing}; use 0");
        }
    }

    public PhaseLoss DiscriminatorReal(Critic critic, GanBatch real)
    {
        var loss = critic.Network.parameters().First().sum().mul(Zero);
        return new PhaseLoss(loss, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = 0,
            [MetricNames.DReal] = 1,
        });
    }

    public PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
    {
        var codes = fake.Samples.detach();
        var loss = Mse(Decoder(critic).Decode(codes), RealImages(fake));
        var mse = loss.item<float>();
        return new PhaseLoss(loss, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = mse,
            [MetricNames.DFake] = OnesShare(codes),
            // MSE in [-1, 1] is 4x the MSE in [0, 1].
            [PsnrTerm] = 10 * Math.Log10(4 / Math.Max(mse, 1e-12)),
        });
    }

    public PhaseLoss? DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake) => null;

    public GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
    {
        var loss = Mse(Decoder(critic).Decode(fake.Samples), RealImages(fake));
        return new GeneratorPhaseLoss(loss, OnesShare(fake.Samples), new Dictionary<string, double>
        {
            [MetricNames.GLoss] = loss.item<float>(),
        });
    }

    /// <summary>Mean squared error over every pixel; the real images carry no gradient.</summary>
    public static Tensor Mse(Tensor reconstructions, Tensor real)
    {
        var difference = reconstructions.sub(real.detach());
        return difference.mul(difference).mean();
    }

    private static double OnesShare(Tensor codes)
    {
        using var noGrad = no_grad();
        return codes.gt(Zero).to(ScalarType.Float32).mean().item<float>();
    }

    private static CodecDecoder Decoder(Critic critic) => critic.Network as CodecDecoder
        ?? throw new InvalidOperationException($"loss: codec needs the codec decoder; got {critic.Network.GetType().Name}");

    private static Tensor RealImages(GanBatch fake) => fake.SideInputs.TryGetValue(CodecFamily.RealInput, out var value)
        ? value
        : throw new InvalidOperationException($"the fake batch carries no side input {CodecFamily.RealInput}: the images the encoder coded must travel with the codes (model codec draws them)");
}
