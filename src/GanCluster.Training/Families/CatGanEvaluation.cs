using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>
/// CatGAN's figures: D's most likely class for each digit (eval mode, no input noise), scored two ways.
/// </summary>
/// <param name="ClusteringError">Held-out digits whose class, under the best one-to-one matching of D's classes to labels
/// (<see cref="ClusterMatching"/>), is not their label: the unsupervised figure (the paper's MNIST table: 4.27%, with 20
/// clusters). With more classes than labels (catgan.clusters) each class is matched to its most frequent label instead
/// (many-to-one), the protocol for more clusters than digits.</param>
/// <param name="TestError">Held-out digits whose class is not their label, with no matching (the labels fix the classes'
/// meaning): the semi-supervised figure (the paper: 1.91% with 100 labels); null for an unsupervised run.</param>
/// <param name="UnlabelledTrainClusteringError">The clustering error on the training digits whose labels were not used
/// (all of them when unsupervised): the figure to select recipes on, as the held-out digits are only reported.</param>
/// <param name="UnlabelledTrainError">The plain error on those training digits; null for an unsupervised run.</param>
/// <param name="Labels">Labelled training digits D learned from (0 = unsupervised).</param>
/// <param name="TestDigits">Held-out digits classified.</param>
/// <param name="Assignment">Assignment[class] = the label D's class is matched to on the held-out digits.</param>
/// <param name="ClassSizes">Held-out digits D put in each class (balanced classes: about TestDigits / K each).</param>
public sealed record CatGanResult(
    double ClusteringError,
    double? TestError,
    double UnlabelledTrainClusteringError,
    double? UnlabelledTrainError,
    int Labels,
    int TestDigits,
    int[] Assignment,
    long[] ClassSizes)
{
    /// <summary>With discriminatorEma on: <see cref="ClusteringError"/> of D's current weights (the fields above read the average).</summary>
    public double? ClusteringErrorWithoutAverage { get; init; }

    /// <summary>With discriminatorEma on and labels: <see cref="TestError"/> of D's current weights.</summary>
    public double? TestErrorWithoutAverage { get; init; }

    /// <summary>With discriminatorEma on: <see cref="UnlabelledTrainClusteringError"/> of D's current weights.</summary>
    public double? UnlabelledTrainClusteringErrorWithoutAverage { get; init; }

    /// <summary>
    /// The mutual information between the training digits whose labels were not used and D's classes under D's own
    /// probabilities (<see cref="CodeInformation"/>, in nats, at most ln K for K classes): D's objective on real digits with its sign
    /// turned, a diagnostic that reads no label. Unlike InfoGAN's, it did not rank runs by their clustering error
    /// (docs/QUALITY-RECIPES.md, CatGAN, stop 45). Null in figures written before it existed.
    /// </summary>
    public double? UnlabelledTrainInformation { get; init; }
}

/// <summary>Computes <see cref="CatGanResult"/> for a trained CatGAN discriminator.</summary>
public static class CatGanEvaluation
{
    /// <summary>The figures of D with the experiment's data (images in [0, 1], as data sets hold them).</summary>
    /// <param name="withoutAverage">With discriminatorEma on, D's current weights (<paramref name="discriminator"/> is their
    /// average): their errors go beside the average's.</param>
    public static CatGanResult Evaluate(ExperimentSpec spec, CatGanDiscriminator discriminator, SampleSet train, SampleSet heldOut, CatGanDiscriminator? withoutAverage = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        var chosen = spec.LabelsPerClass > 0 ? LabelledSubset.Select(train, spec.Seed, spec.LabelsPerClass) : [];
        using var unlabelled = LabelledSubset.Complement(train, chosen);
        ClassScore test, selection;
        using (RealStatistics(discriminator, train))
        {
            test = Score(discriminator, heldOut);
            selection = Score(discriminator, unlabelled);
        }

        var semiSupervised = chosen.Length > 0;
        var result = new CatGanResult(
            test.ClusteringError,
            semiSupervised ? test.Error : null,
            selection.ClusteringError,
            semiSupervised ? selection.Error : null,
            chosen.Length,
            heldOut.Count,
            test.Assignment,
            test.ClassSizes)
        { UnlabelledTrainInformation = selection.Information };
        if (withoutAverage is null)
        {
            return result;
        }

        using (RealStatistics(withoutAverage, train))
        {
            var liveTest = Score(withoutAverage, heldOut);
            return result with
            {
                ClusteringErrorWithoutAverage = liveTest.ClusteringError,
                TestErrorWithoutAverage = semiSupervised ? liveTest.Error : null,
                UnlabelledTrainClusteringErrorWithoutAverage = Score(withoutAverage, unlabelled).ClusteringError,
            };
        }
    }

    /// <summary>
    /// With catgan.batchNorm, D's BatchNorm statistics recomputed on the training digits (all of them, no label read; no
    /// input noise) until the scope is disposed, which puts the trained ones back (<see cref="PreciseBatchNorm"/>): the
    /// running statistics average real and generated batches, and a digit's class should not depend on G's samples. Null
    /// (nothing to do) for a D without BatchNorm, as GeneratorHalf's standing statistics are when off.
    /// </summary>
    public static IDisposable? RealStatistics(CatGanDiscriminator discriminator, SampleSet train)
    {
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(train);
        if (!discriminator.HasBatchNorm)
        {
            return null;
        }

        var device = discriminator.parameters().First().device;
        return PreciseBatchNorm.Recalibrate(discriminator, train.Samples, x =>
        {
            using var scope = NewDisposeScope();
            discriminator.Logits(x.to(device).ToSymmetric(), inputNoise: false);
        });
    }

    /// <summary>D's classes for <paramref name="digits"/>, scored against their labels with and without the best matching, with D's information about them.</summary>
    public static ClassScore Score(CatGanDiscriminator discriminator, SampleSet digits, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(discriminator);
        var (classes, information) = Classify(discriminator, digits.Samples, batchSize);
        using var labels = digits.Labels.cpu(); // held while its data is read
        return Score(classes, labels.data<long>().ToArray(), digits.Classes, discriminator.ClassCount) with { Information = information };
    }

    /// <summary>
    /// Classes <paramref name="predicted"/> (0 to <paramref name="clusters"/> - 1) for digits of <paramref
    /// name="labels"/>, scored with and without a matching: the best one-to-one matching when there are no more clusters
    /// than label classes, else each cluster's most frequent label (<see cref="ClusterMatching.Majority"/>).
    /// </summary>
    public static ClassScore Score(long[] predicted, long[] labels, int labelClasses, int clusters = CatGanFamily.ClassCount)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(labels);
        var confusion = new long[clusters][];
        for (var i = 0; i < confusion.Length; i++)
        {
            confusion[i] = new long[labelClasses];
        }

        long wrong = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            confusion[predicted[i]][labels[i]]++;
            wrong += predicted[i] == labels[i] ? 0 : 1;
        }

        var (assignment, matched) = clusters > labelClasses ? ClusterMatching.Majority(confusion) : ClusterMatching.Best(confusion);
        var n = predicted.Length;
        return new ClassScore(
            n == 0 ? 0 : (double)(n - matched) / n,
            n == 0 ? 0 : (double)wrong / n,
            assignment,
            [.. confusion.Select(row => row.Sum())]);
    }

    /// <summary>Logit of a digit none of D's classes is named after (<see cref="DigitLogits"/>): never the most likely digit.</summary>
    public const double UnnamedDigitLogit = -1e4;

    /// <summary>
    /// Digit logits [N, <paramref name="digits"/>] from D's class logits [N, K] and a naming of its classes
    /// (<paramref name="assignment"/>[class] = digit, as <see cref="Score(long[], long[], int, int)"/> returns it): a
    /// digit's logit is the largest logit of the classes named after it, so the most likely digit is the name of the most
    /// likely class, the prediction the clustering figure scores. (A log-sum-exp, the digit's probability as the sum of its
    /// classes', would let two middling classes of one digit outvote the most likely class: another classifier than the
    /// one the figure reports.) A digit no class is named after gets <see cref="UnnamedDigitLogit"/>. Differentiable in
    /// the class logits almost everywhere (for FGSM).
    /// </summary>
    public static Tensor DigitLogits(Tensor classLogits, int[] assignment, int digits)
    {
        ArgumentNullException.ThrowIfNull(classLogits);
        ArgumentNullException.ThrowIfNull(assignment);
        if (classLogits.ndim != 2 || classLogits.shape[1] != assignment.Length)
        {
            throw new ArgumentException($"classLogits: expected [N, {assignment.Length}] (one logit per named class); got [{string.Join(", ", classLogits.shape)}]");
        }

        using var scope = NewDisposeScope();
        var columns = new List<Tensor>(digits);
        for (var digit = 0; digit < digits; digit++)
        {
            var members = Enumerable.Range(0, assignment.Length).Where(c => assignment[c] == digit).Select(c => (long)c).ToArray();
            columns.Add(members.Length == 0
                ? full(classLogits.shape[0], KeptScalars.Of(UnnamedDigitLogit), dtype: classLogits.dtype, device: classLogits.device)
                : classLogits.index_select(1, tensor(members, device: classLogits.device)).amax([1]));
        }

        return stack(columns, 1).MoveToOuterDisposeScope();
    }

    /// <summary>D's most likely class for each image (in [0, 1], as data sets hold them; mapped to D's [-1, 1]), in eval mode (no noise); D's mode is restored afterwards.</summary>
    public static long[] Predict(CatGanDiscriminator discriminator, Tensor images, int batchSize = 500) =>
        Classify(discriminator, images, batchSize).Classes;

    /// <summary>
    /// <see cref="Predict"/>'s classes and the information between the images and D's classes under D's probabilities
    /// (<see cref="CodeInformation"/>, the marginal over all images).
    /// </summary>
    public static (long[] Classes, double Information) Classify(CatGanDiscriminator discriminator, Tensor images, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(images);
        var n = images.shape[0];
        var predicted = new long[n];
        var wasTraining = discriminator.training;
        var device = discriminator.parameters().First().device;
        using var outer = NewDisposeScope();
        var logProbabilities = new List<Tensor>();
        using var noGrad = no_grad();
        discriminator.eval();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, n - start);
                var x = images.narrow(0, start, length).to(device).ToSymmetric();
                var logits = discriminator.Logits(x);
                logProbabilities.Add(logits.to(float64).log_softmax(1).cpu().MoveToOuterDisposeScope());
                var classes = logits.argmax(1).cpu().data<long>().ToArray();
                classes.CopyTo(predicted, start);
            }
        }
        finally
        {
            discriminator.train(wasTraining);
        }

        return (predicted, n == 0 ? 0 : CodeInformation.Nats(cat(logProbabilities, 0)));
    }
}

/// <summary>One set of digits scored: the error under the best matching, the plain error, the matching and the class sizes.</summary>
public sealed record ClassScore(double ClusteringError, double Error, int[] Assignment, long[] ClassSizes)
{
    /// <summary>D's information about the digits (<see cref="CatGanEvaluation.Classify"/>); null when scored from classes alone.</summary>
    public double? Information { get; init; }
}
