using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Objectives;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>How well InfoGAN's categorical code classifies real digits without ever having seen a label.</summary>
/// <param name="Accuracy">Fraction of the digits whose predicted code value maps to their label under the best matching.</param>
/// <param name="Count">Digits classified.</param>
/// <param name="Assignment">Assignment[code] = the label that code value is matched to.</param>
/// <param name="Confusion">Confusion[code][label]: digits of that label that Q assigned to that code value.</param>
/// <param name="Information">
/// The mutual information, in nats, between a digit and Q's code value under Q's probabilities, H(mean q) - mean H(q):
/// ln 10 (2.303) when Q puts the digits into ten equal groups with certainty, 0 when its answer does not depend on the
/// digit. Reads no label, so it can rank runs where labels are not to be used; null in evaluations written before it.
/// </param>
public sealed record CodeClassification(double Accuracy, int Count, int[] Assignment, long[][] Confusion, double? Information = null)
{
    /// <summary>1 - <see cref="Accuracy"/>: the paper's figure is the error (5%).</summary>
    public double Error => 1 - Accuracy;
}

/// <summary>InfoGAN's figure in evaluation.json: the categorical code as a classifier of the held-out and of the training digits.</summary>
/// <param name="HeldOut">On the held-out digits (8000-9999 of the bundled MNIST): the figure, reported and never tuned on.</param>
/// <param name="Train">On the training digits (0-7999), with its own matching: the figure to select recipes on.</param>
/// <param name="HeldOutRunningStatistics">
/// The held-out figure with D's BatchNorm running statistics as training left them (averaged mostly over G's fakes), the
/// figure reported before the statistics were recomputed on the training digits; null in evaluations written before it.
/// </param>
public sealed record InfoGanResult(CodeClassification HeldOut, CodeClassification Train, CodeClassification? HeldOutRunningStatistics = null);

/// <summary>
/// The figure of Chen et al. (2016) on MNIST: the categorical code used as an unsupervised classifier. Q's most likely
/// code value for each real held-out digit, then the best one-to-one matching of code values to labels (<see cref="ClusterMatching"/>,
/// exact), and the accuracy under that matching (the paper: 95%, i.e. 5% error). Q classifies in eval mode with D's
/// BatchNorm statistics recomputed on the training digits (<see cref="PreciseBatchNorm"/>): the running statistics
/// training leaves are averaged mostly over G's fakes, and Q is to classify real digits.
/// </summary>
public static class InfoGanEvaluation
{
    /// <summary>
    /// The figure for D (the GAN's discriminator with its Q head) on the experiment's training and held-out digits, with
    /// BatchNorm statistics of the training digits; beside it the held-out figure with the running statistics. D's
    /// weights, statistics and mode are as they were when it returns.
    /// </summary>
    public static InfoGanResult Evaluate(InfoGanDiscriminator discriminator, SampleSet train, SampleSet heldOut)
    {
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(train);
        var runningStatistics = ClassifyWithCodes(discriminator, heldOut);
        using var scope = NewDisposeScope();
        var device = discriminator.parameters().First().device;
        var trainImages = train.Samples.to(device).ToSymmetric();
        using (PreciseBatchNorm.Recalibrate(discriminator, trainImages, x => discriminator.Heads(x)))
        {
            return new InfoGanResult(ClassifyWithCodes(discriminator, heldOut), ClassifyWithCodes(discriminator, train), runningStatistics);
        }
    }

    /// <summary>
    /// Classifies <paramref name="digits"/> (images in [0, 1], as data sets hold them) with the Q head of
    /// <paramref name="discriminator"/> in eval mode (BatchNorm's running statistics), and matches code values to labels.
    /// </summary>
    public static CodeClassification ClassifyWithCodes(InfoGanDiscriminator discriminator, SampleSet digits, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(digits);
        var n = (int)digits.Samples.shape[0];
        var confusion = new long[InfoGanFamily.Categories][];
        for (var i = 0; i < confusion.Length; i++)
        {
            confusion[i] = new long[Math.Max(InfoGanFamily.Categories, digits.Classes)];
        }

        using var outer = NewDisposeScope();
        var logProbabilities = new List<Tensor>();
        var wasTraining = discriminator.training;
        var device = discriminator.parameters().First().device;
        using var noGrad = no_grad();
        discriminator.eval();
        try
        {
            for (var start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, n - start);
                var x = digits.Samples.narrow(0, start, length).to(device).ToSymmetric();
                var logits = discriminator.Heads(x).CategoricalLogits;
                logProbabilities.Add(logits.to(float64).log_softmax(1).MoveToOuterDisposeScope());
                var codes = logits.argmax(1).cpu().data<long>().ToArray();
                var labels = digits.Labels.narrow(0, start, length).cpu().data<long>().ToArray();
                for (var i = 0; i < length; i++)
                {
                    confusion[codes[i]][labels[i]]++;
                }
            }
        }
        finally
        {
            discriminator.train(wasTraining);
        }

        var (assignment, matched) = ClusterMatching.Best(confusion);
        var information = n == 0 ? 0 : CodeInformation.Nats(cat(logProbabilities, 0));
        return new CodeClassification(n == 0 ? 0 : (double)matched / n, n, assignment, confusion, information);
    }
}

/// <summary>
/// The mutual information between inputs and a classifier's categories under its own probabilities: I = H(mean_x p(c|x))
/// - mean_x H(p(c|x)), in nats (the quantity RIM and CatGAN maximize), from CatGAN's two entropies. Reads no label.
/// </summary>
public static class CodeInformation
{
    /// <summary>I in nats from the log-probabilities [N, K] of all inputs at once (the marginal is over all N); 0 for N = 0.</summary>
    public static double Nats(Tensor logProbabilities)
    {
        ArgumentNullException.ThrowIfNull(logProbabilities);
        if (logProbabilities.shape[0] == 0)
        {
            return 0;
        }

        using var scope = NewDisposeScope();
        return CatGanObjective.MarginalEntropy(logProbabilities).sub(CatGanObjective.MeanEntropy(logProbabilities)).item<double>();
    }
}
