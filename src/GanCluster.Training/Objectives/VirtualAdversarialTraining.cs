using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Objectives;

/// <summary>
/// Virtual adversarial training (Miyato et al. 2018), the regularizer a classifying discriminator (ssgan's, catgan's) can
/// add to its loss on unlabelled digits: the KL divergence of the class distribution at each digit from the one at the
/// digit moved by epsilon in the direction (L2) that changes it most, found by one power iteration. It stays on D's side
/// of the split; its one random draw comes from the current (D's) stream.
/// </summary>
public static class VirtualAdversarialTraining
{
    /// <summary>Miyato et al.'s MNIST perturbation (their semi-supervised code), an L2 length for digits in [0, 1].</summary>
    public const double DefaultEpsilon = 0.3;

    /// <summary>The largest epsilon accepted: the L2 length of a 28x28 digit that is all ones.</summary>
    public const double MaxEpsilon = 28;

    /// <summary>
    /// The length of the random probe the power iteration differentiates at. Miyato et al. use 1e-6 in their code; in
    /// float32 that moves a pixel of a digit in [0, 1] by less than one rounding unit, so here the probe is 1e-3, still 300
    /// times shorter than the perturbation (0.3).
    /// </summary>
    public const double Probe = 1e-3;

    /// <summary>
    /// The term for a network whose <paramref name="logits"/> depend on its mode: read in eval mode (no noise, no dropout:
    /// as the figures read it, and so the perturbation is the only difference between the passes), restored after.
    /// </summary>
    public static Tensor Term(nn.Module network, Func<Tensor, Tensor> logits, Tensor images, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(network);
        var wasTraining = network.training;
        network.eval();
        try
        {
            return Term(logits, images, epsilon);
        }
        finally
        {
            if (wasTraining)
            {
                network.train();
            }
        }
    }

    /// <summary>
    /// mean_i KL(p(.|x_i) || p(.|x_i + r_i)), p = softmax(<paramref name="logits"/>), with r_i of L2 length
    /// <paramref name="epsilon"/> along the gradient of that KL at a random probe of length <see cref="Probe"/> (one power
    /// iteration towards the direction that changes p most). p at x_i is a constant: the term trains the logits at the
    /// perturbed digits towards it. Draws one normal tensor the shape of the images from the current stream.
    /// </summary>
    public static Tensor Term(Func<Tensor, Tensor> logits, Tensor images, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(images);
        Tensor target;
        using (no_grad())
        {
            target = F.log_softmax(logits(images), 1);
        }

        var probe = UnitLength(randn_like(images)).mul(KeptScalars.Of(Probe)).requires_grad_(true);
        var probeDivergence = Divergence(target, F.log_softmax(logits(images.add(probe, KeptScalars.DefaultAlpha)), 1));
        var direction = autograd.grad(new[] { probeDivergence }, new[] { probe })[0];
        var perturbation = UnitLength(direction).mul(KeptScalars.Of(epsilon));
        return Divergence(target, F.log_softmax(logits(images.add(perturbation, KeptScalars.DefaultAlpha)), 1));
    }

    /// <summary>mean over rows of KL(p || q) = sum_k p_k (log p_k - log q_k), from log-probabilities.</summary>
    public static Tensor Divergence(Tensor logP, Tensor logQ)
    {
        ArgumentNullException.ThrowIfNull(logP);
        return logP.exp().mul(logP.sub(logQ)).sum(1).mean();
    }

    /// <summary>
    /// Each sample of <paramref name="t"/> (dimension 0) scaled to L2 length 1: first by its largest |value| (Miyato
    /// et al.'s code, so small gradients are not lost in the second guard), then by its length.
    /// </summary>
    public static Tensor UnitLength(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var flat = t.reshape(t.shape[0], -1);
        var scaled = flat.div(flat.abs().amax([1], keepdim: true).add(KeptScalars.Of(1e-12)));
        return scaled.div(scaled.mul(scaled).sum(1, keepdim: true).add(KeptScalars.Of(1e-6)).sqrt()).reshape(t.shape);
    }

    /// <summary>Errors in a section's <c>vatWeight</c> and <c>vatEpsilon</c>, named <paramref name="section"/>.vatWeight and so on.</summary>
    public static IEnumerable<SpecError> Check(string section, double? weight, double? epsilon)
    {
        if (weight is { } w && (!double.IsFinite(w) || w < 0))
        {
            yield return new SpecError($"{section}.vatWeight", $"a weight >= 0 (Miyato et al. use 1; 0 = no VAT term); got {w}");
        }

        if (epsilon is { } e && (!double.IsFinite(e) || e <= 0 || e > MaxEpsilon))
        {
            yield return new SpecError($"{section}.vatEpsilon", $"an L2 length > 0 and <= {MaxEpsilon} for digits in [0, 1] (Miyato et al. use {DefaultEpsilon}); got {e}");
        }
        else if (epsilon is not null && (weight ?? 0) == 0)
        {
            yield return new SpecError($"{section}.vatEpsilon", $"it sets VAT's perturbation, which only a VAT term uses; set {section}.vatWeight > 0 or remove {section}.vatEpsilon");
        }
    }
}
