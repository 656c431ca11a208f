using GanCluster.Training.Models;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Adversarial;

/// <summary>Adversarial training's settings: J~ = alpha * J(x) + (1 - alpha) * J(x + epsilon * sign(grad_x J(x))).</summary>
/// <param name="Epsilon">FGSM step per pixel (pixels in [0, 1]); the paper's 0.25 for MNIST.</param>
/// <param name="Alpha">Weight of the clean loss; the paper's 0.5.</param>
public sealed record AdversarialTrainingOptions(double Epsilon = 0.25, double Alpha = 0.5)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field for a value out of range.</summary>
    public AdversarialTrainingOptions Validated()
    {
        Fgsm.CheckEpsilon(Epsilon, "epsilon");
        if (!(Alpha is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha),
                $"alpha: {Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1]; it weighs the clean loss against the adversarial one (the paper's 0.5). Fix: pass a value in [0, 1].");
        }

        return this;
    }
}

/// <summary>
/// The adversarial objective of Goodfellow, Shlens &amp; Szegedy (2015), eq. 6:
/// J~(theta, x, y) = alpha J(theta, x, y) + (1 - alpha) J(theta, x + epsilon sign(grad_x J(theta, x, y)), y),
/// J the mean cross-entropy of the batch. The adversarial examples are generated from the model as it is being
/// trained (its current mode: dropout stays on in training) and held constant (no gradient flows through the sign).
/// </summary>
public static class AdversarialTraining
{
    /// <summary>
    /// The scalar loss J~ of one batch, with its graph to the classifier's parameters (call backward on it).
    /// <paramref name="pixels"/> are in [0, 1]; the classifier reads them mapped to <paramref name="input"/>.
    /// Draws the classifier's random numbers (dropout) from torch's current generator: two forward passes.
    /// </summary>
    public static Tensor Loss(Module<Tensor, Tensor> classifier, Tensor pixels, Tensor labels, AdversarialTrainingOptions options, SampleRange input = SampleRange.UnitInterval)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(options);
        options.Validated();
        using var scope = NewDisposeScope();
        var x = pixels.detach().to(float32).clone().requires_grad_(true);
        var clean = functional.cross_entropy(classifier.call(Fgsm.ToClassifierInput(x, input)), labels);
        var gradient = autograd.grad([clean], [x], retain_graph: true)[0];
        var adversarial = Fgsm.Apply(x, gradient.sign(), options.Epsilon);
        var perturbed = functional.cross_entropy(classifier.call(Fgsm.ToClassifierInput(adversarial, input)), labels);
        return clean.mul(KeptScalars.Of(options.Alpha)).add(perturbed.mul(KeptScalars.Of(1 - options.Alpha)), KeptScalars.DefaultAlpha).MoveToOuterDisposeScope();
    }
}
