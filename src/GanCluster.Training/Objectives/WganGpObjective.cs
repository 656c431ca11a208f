using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Objectives;

/// <summary>
/// WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1): D is a critic on raw scores,
/// L_D = E[D(fake)] - E[D(real)] + lambda * E[(||grad D(x_hat)||_2 - 1)^2] with x_hat = eps real + (1 - eps) fake,
/// eps ~ U[0, 1] per sample, lambda = 10; L_G = -E[D(fake)]. The penalty needs the real and the fake batch together,
/// so it is the D-regularizer phase: it runs when the fake batch arrives, on the real batch the half kept from its
/// prepared real phase, and eps comes from D's random stream, so local and cluster runs stay bit-exact.
/// </summary>
/// <remarks>
/// With PacGAN packing one D(x) judges a packed group of m samples: the group shares one eps and one gradient norm.
/// For a conditional model the interpolates carry the real batch's labels. loss/d is the critic's adversarial part
/// (minus the Wasserstein estimate); the penalty is reported as loss/d_gp.
/// </remarks>
public sealed class WganGpObjective(ExperimentSpec spec) : AdversarialObjective(spec), IObjectiveDefinition
{
    /// <summary>The paper's penalty weight lambda.</summary>
    public const double Lambda = 10.0;

    /// <summary>Name of the penalty's term, lambda * E[(||grad D(x_hat)|| - 1)^2].</summary>
    public const string GradientPenaltyTerm = "loss/d_gp";

    public static IGanObjective Create(ExperimentSpec spec) => new WganGpObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        foreach (var error in HingeObjective.NoLabelSmoothing(spec, "wgan-gp"))
        {
            yield return error;
        }

        if (FamilyCatalog.DiscriminatorNormalizesBatch(spec))
        {
            // The paper's section 4: batch normalization makes D(x) depend on the whole batch, which the per-sample penalty assumes it does not.
            yield return new SpecError("loss", $"wgan-gp penalizes each sample's gradient, which the batch normalization in {FamilyCatalog.Name(spec.Model)}'s discriminator invalidates; use a model without it{(FamilyCatalog.Find(spec.Model)?.SupportsSpectralNorm == true ? " or \"spectralNorm\": true (no BatchNorm in D)" : string.Empty)}");
        }
    }

    protected override Tensor RealLoss(Tensor realScores) => realScores.mean().neg();

    protected override Tensor FakeLoss(Tensor fakeScores) => fakeScores.mean();

    protected override Tensor GeneratorLoss(Tensor fakeScores) => fakeScores.mean().neg();

    public override PhaseLoss DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake)
    {
        var penalty = Penalty(critic, real.Samples, fake.Samples.detach(), real.Labels);
        return new PhaseLoss(penalty, new Dictionary<string, double> { [GradientPenaltyTerm] = penalty.item<float>() });
    }

    /// <summary>lambda * E[(||grad D(x_hat)||_2 - 1)^2] over packed groups, eps drawn from the current random stream.</summary>
    public static Tensor Penalty(Critic critic, Tensor real, Tensor fake, Tensor? labels)
    {
        var groups = real.shape[0] / critic.Packing;
        var shape = new long[real.shape.Length];
        Array.Fill(shape, 1L);
        shape[0] = real.shape[0];
        var eps = rand(groups, dtype: real.dtype, device: real.device).repeat_interleave(critic.Packing, 0).reshape(shape);
        var oneMinusEps = eps.neg().add(KeptScalars.One, KeptScalars.One);
        var interpolates = real.mul(eps).add(fake.mul(oneMinusEps), KeptScalars.One).detach().requires_grad_(true);
        var scores = critic.Score(interpolates, labels);
        var gradient = autograd.grad(new[] { scores.sum() }, new[] { interpolates }, retain_graph: true, create_graph: true)[0];
        // sqrt(sum + 1e-12): the norm's gradient stays finite where D's input gradient vanishes.
        // x.mul(x), never square(): TorchSharp's square() is pow(2) with a temporary scalar (see KeptScalars).
        var flat = gradient.reshape(groups, -1);
        var norms = flat.mul(flat).sum(1).add(KeptScalars.Of(1e-12), KeptScalars.One).sqrt();
        var distance = norms.add(KeptScalars.Of(-1.0), KeptScalars.One);
        return distance.mul(distance).mean().mul(KeptScalars.Of(Lambda));
    }
}
