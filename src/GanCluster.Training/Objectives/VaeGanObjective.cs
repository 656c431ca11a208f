using GanCluster.Training.Families;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Objectives;

/// <summary>
/// VAE-GAN (Larsen et al. 2016) on D's side of the split, for the 3N fake batch of <see cref="VaeGanFamily"/>
/// [x~ (GAN), x_p, x~ (reconstruction)] with E's real images x as the side input <see cref="VaeGanFamily.RealInput"/>:
/// <list type="bullet">
/// <item>D-real: the non-saturating game's -log D(x) on D's own real batch (D's sampler, as for every family).</item>
/// <item>D-fake: -log(1 - D(x~)) - log(1 - D(x_p)), each a mean over its N images: the paper's L_GAN with both x~ and
/// x_p as fakes (two terms, summed as the paper writes them).</item>
/// <item>G: -log D(x~) - log D(x_p) (the non-saturating form of -L_GAN) plus gamma L_llike, where
/// L_llike^Dis_l = 0.5 mean_n sum_features (Dis_l(x~) - Dis_l(x))^2 is the negative Gaussian log-likelihood (identity
/// covariance, constant dropped) of x's features under x~'s, on the third block. Dis_l of x~ and x come from one
/// train-mode pass of both through D's feature layers (one set of batch statistics); x's are detached. D's parameters get
/// no gradient here: the paper trains D on L_GAN only.</item>
/// </list>
/// G's node turns dLoss/dFake into the paper's separate encoder and decoder updates (see <see cref="VaeGanFamily"/>).
/// No random draws beyond instance noise (if on) on the 2N GAN images. Terms: loss/d, d/real, d/fake as for every
/// objective (d/fake over x~ and x_p); loss/g the adversarial part; <see cref="LlikeTerm"/> L_llike (unweighted).
/// With vaegan.plainVae (the paper's baseline, gamma 1) the G phase is the Gaussian pixel likelihood of the third block
/// alone (<see cref="PixelLlike"/>, reported as loss/g and <see cref="PixelLlikeTerm"/>): E and G train as a plain VAE.
/// </summary>
public sealed class VaeGanObjective : CrossEntropyObjective, IObjectiveDefinition
{
    /// <summary>L_llike^Dis_l on the G phase's batch (part of G's loss, weighted by gamma, not of loss/g).</summary>
    public const string LlikeTerm = "loss/g_llike";

    /// <summary>With vaegan.plainVae: the Gaussian pixel likelihood 0.5 mean_n sum_pixels (x~ - x)^2 of the G phase (its loss/g).</summary>
    public const string PixelLlikeTerm = "loss/g_pixel_llike";

    private readonly Scalar _gamma;
    private readonly bool _plainVae;

    public VaeGanObjective(ExperimentSpec spec)
        : base(spec, LossKind.NonSaturating)
    {
        _gamma = KeptScalars.Of(spec.Vaegan.Gamma);
        _plainVae = spec.Vaegan.PlainVae;
    }

    public static IGanObjective Create(ExperimentSpec spec) => new VaeGanObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => spec.Model == ModelKind.VaeGan
        ? []
        : [new SpecError("loss", $"vaegan needs the encoder and feature layer of model vaegan; got model {FamilyCatalog.Name(spec.Model)} (use \"model\": \"vaegan\")")];

    public override PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
    {
        var n = BlockSize(fake);
        var scores = critic.Score(critic.AddInstanceNoise(fake.Samples.narrow(0, 0, 2 * n).detach()), null);
        var loss = FakeLoss(scores.narrow(0, 0, n)).add(FakeLoss(scores.narrow(0, n, n)), KeptScalars.One);
        return new PhaseLoss(loss, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = loss.item<float>(),
            [MetricNames.DFake] = sigmoid(scores).mean().item<float>(),
        });
    }

    public override GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
    {
        var n = BlockSize(fake);
        if (_plainVae)
        {
            // The VAE baseline: the pixel term alone on the third block (gamma is 1); x~ and x_p get no gradient, D scores
            // them only for the feedback's mean D(G(z)).
            double dFake;
            using (no_grad())
            {
                dFake = sigmoid(critic.Score(fake.Samples.narrow(0, 0, 2 * n).detach(), null)).mean().item<float>();
            }

            var pixel = PixelLlike(fake.Samples.narrow(0, 2 * n, n), RealImages(fake));
            return new GeneratorPhaseLoss(pixel, dFake, new Dictionary<string, double>
            {
                [MetricNames.GLoss] = pixel.item<float>(),
                [PixelLlikeTerm] = pixel.item<float>(),
            });
        }

        var scores = critic.Score(critic.AddInstanceNoise(fake.Samples.narrow(0, 0, 2 * n)), null);
        var adversarial = GeneratorLoss(scores.narrow(0, 0, n)).add(GeneratorLoss(scores.narrow(0, n, n)), KeptScalars.One);
        var llike = Llike(Discriminator(critic), fake.Samples.narrow(0, 2 * n, n), RealImages(fake));
        return new GeneratorPhaseLoss(adversarial.add(llike, _gamma), sigmoid(scores).mean().item<float>(), new Dictionary<string, double>
        {
            [MetricNames.GLoss] = adversarial.item<float>(),
            [LlikeTerm] = llike.item<float>(),
        });
    }

    /// <summary>
    /// L_llike^Dis_l = 0.5 mean_n sum_features (Dis_l(x~) - Dis_l(x))^2, with the features of both from one pass through D
    /// (train or eval mode as set); the real images' features carry no gradient.
    /// </summary>
    public static Tensor Llike(VaeGanDiscriminator discriminator, Tensor reconstructions, Tensor real)
    {
        var n = reconstructions.shape[0];
        var features = discriminator.Features(cat(new[] { reconstructions, real.detach() }, 0));
        var difference = features.narrow(0, 0, n).sub(features.narrow(0, n, n).detach());
        return difference.mul(difference).sum(1).mean().mul(KeptScalars.Of(0.5));
    }

    /// <summary>0.5 mean_n sum_pixels (x~ - x)^2: the negative Gaussian log-likelihood (unit variance, constant dropped) in the model's range.</summary>
    public static Tensor PixelLlike(Tensor reconstructions, Tensor real)
    {
        var difference = reconstructions.sub(real.detach());
        return difference.mul(difference).flatten(1).sum(1).mean().mul(KeptScalars.Of(0.5));
    }

    private static long BlockSize(GanBatch fake)
    {
        var total = fake.Samples.shape[0];
        if (total % 3 != 0)
        {
            throw new ArgumentException($"loss vaegan reads a fake batch of 3N images (x~, x_p, x~) from model vaegan; got {total}");
        }

        return total / 3;
    }

    private static VaeGanDiscriminator Discriminator(Critic critic) => critic.Network as VaeGanDiscriminator
        ?? throw new InvalidOperationException($"loss: vaegan needs the vaegan discriminator's feature layer; got {critic.Network.GetType().Name}");

    private static Tensor RealImages(GanBatch fake) => fake.SideInputs.TryGetValue(VaeGanFamily.RealInput, out var value)
        ? value
        : throw new InvalidOperationException($"the fake batch carries no side input {VaeGanFamily.RealInput}: the images E encoded must travel with it (model vaegan draws them)");
}
