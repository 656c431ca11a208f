using GanCluster.Training.Runtime;
using TorchSharp;
using GanCluster.Training.Options;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Core;

/// <summary>
/// Discriminator-side stabilizers, all computed inside the discriminator half (the generator half only ever
/// receives dLoss/dFake): one-sided label smoothing, the R1 gradient penalty and instance noise. Every random
/// draw comes from the discriminator's own stream, in the same order in local and cluster runs.
/// </summary>
public static class DiscriminatorRegularizers
{
    /// <summary>
    /// The real-batch term of D's loss with one-sided label smoothing (Salimans et al. 2016, "Improved Techniques
    /// for Training GANs", section 3.4): the target for real samples is 1 - epsilon instead of 1, i.e. the binary
    /// cross-entropy (1 - epsilon) * -log D(x) + epsilon * -log(1 - D(x)). Fake targets stay 0. epsilon = 0 is
    /// exactly <see cref="Losses.DiscriminatorReal"/>.
    /// </summary>
    public static Tensor RealLoss(LossKind kind, Tensor realScores, double smoothing)
    {
        if (smoothing == 0)
        {
            return Losses.DiscriminatorReal(kind, realScores);
        }

        if (kind == LossKind.Hinge)
        {
            throw new ArgumentException("realLabelSmoothing: applies to the minimax and non-saturating losses; use 0 with hinge");
        }

        // softplus(-s) = -log sigmoid(s) and softplus(s) = -log(1 - sigmoid(s)), as in Losses.
        // Scalars held until the calls return (see KeptScalars).
        using var keep = (1.0 - smoothing).ToScalar();
        using var smooth = smoothing.ToScalar();
        return Losses.DiscriminatorReal(kind, realScores).mul(keep).add(Losses.Softplus(realScores).mean().mul(smooth), KeptScalars.One);
    }

    /// <summary>
    /// The R1 penalty (Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?"):
    /// gamma / 2 * E[ ||grad_x D(x)||^2 ] over the real batch, where D(x) is the raw score (logit).
    /// <paramref name="inputs"/> must require grad and <paramref name="scores"/> must have been computed from it;
    /// the gradient is built with create_graph so the penalty backpropagates into D's parameters.
    /// </summary>
    public static Tensor R1Penalty(Tensor scores, Tensor inputs, double gamma)
    {
        // One D(x) per sample: the packing-aware form with packing 1.
        return GradientPenalty.R1(scores, inputs, gamma, packing: 1);
    }

    /// <summary>
    /// Standard deviation of the instance noise (Sonderby et al. 2017, "Amortised MAP Inference for Image
    /// Super-resolution", appendix; Arjovsky &amp; Bottou 2017) for the step that follows <paramref name="discriminatorSteps"/>
    /// D steps: <paramref name="initial"/> annealed linearly to 0 over the run's k x rounds D steps.
    /// </summary>
    public static double InstanceNoiseStd(double initial, long discriminatorSteps, long totalDiscriminatorSteps)
    {
        if (initial == 0 || totalDiscriminatorSteps <= 0)
        {
            return 0;
        }

        return initial * Math.Max(0.0, 1.0 - ((double)discriminatorSteps / totalDiscriminatorSteps));
    }

    /// <summary>x + N(0, std^2) drawn from the current (the discriminator's) random stream; x itself when std is 0.</summary>
    public static Tensor AddInstanceNoise(Tensor x, double std)
    {
        if (!(std > 0))
        {
            return x;
        }

        using var scale = std.ToScalar(); // held until mul returns (KeptScalars)
        return x.add(randn_like(x).mul(scale), KeptScalars.One);
    }
}
