using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Adversarial;

/// <summary>The error of a classifier on clean examples and under the fast gradient sign method at one or more epsilons.</summary>
/// <param name="Examples">Examples attacked.</param>
/// <param name="CleanError">Fraction of the clean examples misclassified.</param>
/// <param name="Epsilons">One entry per epsilon, in the order asked.</param>
public sealed record AttackResult(int Examples, double CleanError, IReadOnlyList<EpsilonResult> Epsilons);

/// <summary>The classifier under FGSM at one epsilon.</summary>
/// <param name="Epsilon">Step per pixel, in units of pixels in [0, 1].</param>
/// <param name="Error">Fraction of the perturbed examples misclassified (all examples, also those already wrong when clean), as in the paper.</param>
/// <param name="MeanConfidenceOnErrors">Mean softmax probability of the (wrong) predicted class over the misclassified perturbed examples (the paper's "average confidence"); 0 when none.</param>
/// <param name="FlippedFromCorrect">Fraction of the clean-correct examples the perturbation made wrong.</param>
/// <param name="UnchangedPixelShare">
/// Share of the pixels the attack left as they were: a zero gradient, or a step out of [0, 1] undone by the clipping
/// (a black background pixel pushed down). A large share against one model and not another hints at gradient masking:
/// the model's own gradient then understates its weakness (compare a transfer attack).
/// </param>
public sealed record EpsilonResult(double Epsilon, double Error, double MeanConfidenceOnErrors, double FlippedFromCorrect, double UnchangedPixelShare = 0);

/// <summary>
/// The fast gradient sign method (Goodfellow, Shlens &amp; Szegedy 2015): x' = clip(x + epsilon * sign(grad_x J(x, y)),
/// data range), with J the cross-entropy of the classifier's logits against the true label. Works for any
/// <see cref="Module{Tensor, Tensor}"/> that maps a batch to class logits [N, K] (the evaluation classifier, a
/// semi-supervised GAN's discriminator, ...).
/// </summary>
/// <remarks>
/// Images are always given as pixels in [0, 1] (what <see cref="SampleSet"/> holds) and epsilon is measured in those
/// units, the paper's convention for MNIST. A classifier that reads [-1, 1] (<see cref="SampleRange.Symmetric"/>) sees
/// 2x - 1: the gradient flows through that map, and clipping the pixels to [0, 1] is clipping its input to [-1, 1].
/// The classifier is evaluated in eval mode (no dropout), then put back in the mode it was in. No random draws.
/// </remarks>
public static class Fgsm
{
    /// <summary>Examples per forward/backward pass when attacking a data set.</summary>
    public const int Chunk = 500;

    /// <summary>The paper's MNIST epsilons.</summary>
    public static IReadOnlyList<double> PaperEpsilons { get; } = [0.1, 0.25];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="field"/> unless 0 &lt;= epsilon &lt;= 1.</summary>
    public static void CheckEpsilon(double epsilon, string field = "epsilon")
    {
        if (!(epsilon is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(field,
                $"{field}: {epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1]; it is a step per pixel for pixels in [0, 1] (the paper's MNIST values are 0.1 and 0.25). Fix: pass a value in [0, 1].");
        }
    }

    /// <summary>The classifier's input for pixels in [0, 1].</summary>
    public static Tensor ToClassifierInput(Tensor pixels, SampleRange input) => input switch
    {
        SampleRange.UnitInterval => pixels.alias(),
        SampleRange.Symmetric => pixels.ToSymmetric(),
        _ => throw new ArgumentException($"input range {input}: FGSM clips to the data range, so the classifier must read bounded images ([0, 1] or [-1, 1])", nameof(input)),
    };

    /// <summary>
    /// sign(grad_x J(x, y)) [same shape as <paramref name="pixels"/>], J = cross-entropy summed over the batch (so each
    /// example gets its own gradient, not one scaled by 1/N), with <paramref name="classifier"/> in eval mode.
    /// </summary>
    public static Tensor GradientSign(Module<Tensor, Tensor> classifier, Tensor pixels, Tensor labels, SampleRange input = SampleRange.UnitInterval)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var wasTraining = classifier.training;
        classifier.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var grad = enable_grad();
            var x = pixels.detach().to(float32).clone().requires_grad_(true);
            var logits = classifier.call(ToClassifierInput(x, input));
            var loss = functional.cross_entropy(logits, labels, reduction: Reduction.Sum);
            var gradient = autograd.grad([loss], [x])[0];
            return gradient.sign().MoveToOuterDisposeScope();
        }
        finally
        {
            classifier.train(wasTraining);
        }
    }

    /// <summary>clip(x + epsilon * sign, [0, 1]): the adversarial example for a precomputed gradient sign.</summary>
    public static Tensor Apply(Tensor pixels, Tensor gradientSign, double epsilon)
    {
        CheckEpsilon(epsilon);
        using var scope = NewDisposeScope();
        return pixels.detach().to(float32).add(gradientSign, KeptScalars.Of(epsilon)).clamp(KeptScalars.Of(0), KeptScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>The FGSM adversarial examples of <paramref name="pixels"/> (in [0, 1]) with true <paramref name="labels"/>.</summary>
    public static Tensor Perturb(Module<Tensor, Tensor> classifier, Tensor pixels, Tensor labels, double epsilon, SampleRange input = SampleRange.UnitInterval)
    {
        CheckEpsilon(epsilon);
        using var sign = GradientSign(classifier, pixels, labels, input);
        return Apply(pixels, sign, epsilon);
    }

    /// <summary>Predicted classes [N] (argmax of the logits) in eval mode, without gradients.</summary>
    public static Tensor Predict(Module<Tensor, Tensor> classifier, Tensor pixels, SampleRange input = SampleRange.UnitInterval) =>
        Softmax(classifier, pixels, input).argmax(1);

    /// <summary>Softmax of the logits [N, K] in eval mode, without gradients.</summary>
    public static Tensor Softmax(Module<Tensor, Tensor> classifier, Tensor pixels, SampleRange input = SampleRange.UnitInterval)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var wasTraining = classifier.training;
        classifier.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return functional.softmax(classifier.call(ToClassifierInput(pixels.detach().to(float32), input)), 1).MoveToOuterDisposeScope();
        }
        finally
        {
            classifier.train(wasTraining);
        }
    }

    /// <summary>
    /// The clean error and the error under FGSM at each of <paramref name="epsilons"/> of <paramref name="classifier"/>
    /// on <paramref name="data"/> (pixels in [0, 1], int64 labels), in chunks of <see cref="Chunk"/> examples.
    /// The gradient sign is computed once per example and shared by every epsilon. With <paramref name="source"/>, the
    /// perturbations are crafted on that classifier (reading <paramref name="sourceInput"/>) and shown to
    /// <paramref name="classifier"/>: a transfer (black-box) attack, the paper's cross-model figures.
    /// </summary>
    public static AttackResult Evaluate(
        Module<Tensor, Tensor> classifier, SampleSet data, IReadOnlyList<double> epsilons, SampleRange input = SampleRange.UnitInterval,
        Module<Tensor, Tensor>? source = null, SampleRange sourceInput = SampleRange.UnitInterval)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(epsilons);
        foreach (var epsilon in epsilons)
        {
            CheckEpsilon(epsilon);
        }

        var n = data.Count;
        if (n == 0)
        {
            throw new ArgumentException($"{data.Description}: no examples to attack", nameof(data));
        }

        long cleanWrong = 0;
        long pixels = 0;
        var unchanged = new long[epsilons.Count];
        var wrong = new long[epsilons.Count];
        var flipped = new long[epsilons.Count];
        var confidence = new double[epsilons.Count];
        var samples = data.Samples.cpu();
        var labels = data.Labels.cpu();
        for (long start = 0; start < n; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(Chunk, n - start);
            var x = samples.narrow(0, start, count);
            var y = labels.narrow(0, start, count);
            var cleanCorrect = Predict(classifier, x, input).eq(y);
            cleanWrong += count - cleanCorrect.sum().item<long>();
            var sign = source is null ? GradientSign(classifier, x, y, input) : GradientSign(source, x, y, sourceInput);
            pixels += sign.numel();
            for (var e = 0; e < epsilons.Count; e++)
            {
                var perturbed = Apply(x, sign, epsilons[e]);
                unchanged[e] += perturbed.eq(x).sum().item<long>();
                var probabilities = Softmax(classifier, perturbed, input);
                var (top, predicted) = probabilities.max(1);
                var isWrong = predicted.ne(y);
                wrong[e] += isWrong.sum().item<long>();
                flipped[e] += isWrong.logical_and(cleanCorrect).sum().item<long>();
                confidence[e] += top.masked_select(isWrong).to(float64).sum().item<double>();
            }
        }

        var cleanRight = n - cleanWrong;
        var results = epsilons.Select((epsilon, e) => new EpsilonResult(
            epsilon,
            (double)wrong[e] / n,
            wrong[e] == 0 ? 0 : confidence[e] / wrong[e],
            cleanRight == 0 ? 0 : (double)flipped[e] / cleanRight,
            (double)unchanged[e] / pixels)).ToList();
        return new AttackResult(n, (double)cleanWrong / n, results);
    }
}
