using GanCluster.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>Regularizers of the discriminator's loss. They stay on the discriminator's side of the G/D split.</summary>
public static class GradientPenalty
{
    /// <summary>
    /// R1's weight at discriminator step <paramref name="step"/> (0-based) of a run: r1Gamma, or with r1FinalGamma the line
    /// from r1Gamma at the first step to r1FinalGamma at the last (rounds x k steps): the line
    /// <see cref="OptimizerFactory.LearningRateAt"/> runs the learning rate on.
    /// </summary>
    public static double R1GammaAt(ExperimentSpec spec, long step) => LinearSchedule.At(spec.R1Gamma, spec.R1FinalGamma, step, (long)spec.Rounds * spec.K);

    /// <summary>
    /// R1 (Mescheder, Geiger &amp; Nowozin 2018, eq. 9): gamma / 2 * E_x ||grad_x D(x)||^2 over the real batch, where one
    /// D(x) is one packed group of <paramref name="packing"/> samples. <paramref name="real"/> must require grad and
    /// <paramref name="realScores"/> must have been computed from it; the returned term can be backpropagated into D.
    /// </summary>
    public static Tensor R1(Tensor realScores, Tensor real, double gamma, int packing)
    {
        var gradient = autograd.grad(new[] { realScores.sum() }, new[] { real }, retain_graph: true, create_graph: true)[0];
        var groups = Math.Max(1, real.shape[0] / packing);
        // The factor is held until mul returns: a temporary scalar may be freed mid-call (KeptScalars).
        using var factor = (gamma / 2.0 / groups).ToScalar();
        // gradient * gradient, not square(): TorchSharp's square() is pow(2) with a temporary scalar (KeptScalars). Same values.
        return gradient.mul(gradient).sum().mul(factor);
    }
}
