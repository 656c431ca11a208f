using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>The classifier metrics of a set of generated digits.</summary>
/// <param name="Samples">Generated samples scored.</param>
/// <param name="Classes">Class distribution of the samples under the classifier.</param>
/// <param name="Fid">Frechet distance of the samples' features to the training digits' features ("MNIST FID").</param>
/// <param name="FidFloor">The same distance for the held-out real digits: what a perfect generator would score with this many real samples.</param>
/// <param name="ClassifierSha256">SHA-256 of the classifier's weights: figures are comparable only under the same weights.</param>
/// <param name="ClassifierAccuracy">The classifier's accuracy on the held-out digits.</param>
public sealed record MnistQualityResult(int Samples, ClassDistribution Classes, double Fid, double FidFloor, string ClassifierSha256, double ClassifierAccuracy);

/// <summary>
/// Scores generated MNIST digits with the evaluation classifier: class distribution (KL to uniform, smallest
/// class share) and the Frechet distance in the classifier's 128-d penultimate feature space. The reference is
/// always the bundled training split (digits 0-7999), whatever data the generator was trained on, so figures of
/// different runs compare; the floor is the distance of the held-out digits 8000-9999 to that reference.
/// </summary>
public sealed class MnistQuality : IDisposable
{
    private static readonly Lazy<MnistQuality> SharedInstance = new(() => new MnistQuality(MnistEvaluationClassifier.LoadShipped()), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly MnistEvaluationClassifier _classifier;
    private readonly GaussianStats _reference;
    private readonly object _lock = new();

    /// <summary>Computes the reference statistics of <paramref name="classifier"/> on the bundled digits (a few seconds on one core).</summary>
    public MnistQuality(MnistEvaluationClassifier classifier)
    {
        _classifier = classifier;
        var (train, heldOut) = BundledMnist.Load(0.2);
        using (train)
        using (heldOut)
        {
            using var scope = NewDisposeScope();
            _reference = GaussianStats.FromFeatures(classifier.Features(train.Samples));
            // Held for the life of this object, which may be created inside any caller's dispose scope (it is shared and lazy).
            _reference.Mean.DetachFromDisposeScope();
            _reference.Covariance.DetachFromDisposeScope();
            using var held = GaussianStats.FromFeatures(classifier.Features(heldOut.Samples));
            FidFloor = FrechetDistance.Compute(held, _reference);
            HeldOutAccuracy = classifier.Accuracy(heldOut);
        }
    }

    /// <summary>The shipped classifier with its reference statistics, built on first use and shared by the process.</summary>
    public static MnistQuality Shared => SharedInstance.Value;

    /// <summary>Frechet distance of the held-out digits to the training digits.</summary>
    public double FidFloor { get; }

    /// <summary>The classifier's accuracy on the held-out digits.</summary>
    public double HeldOutAccuracy { get; }

    public string ClassifierSha256 => _classifier.Sha256;

    /// <summary>Scores images [N, 1, 28, 28] in [0, 1] (N >= 2).</summary>
    public MnistQualityResult Evaluate(Tensor images)
    {
        lock (_lock)
        {
            using var scope = NewDisposeScope();
            var (features, classes) = _classifier.FeaturesAndClasses(images);
            using var stats = GaussianStats.FromFeatures(features);
            var distribution = ClassDistribution.FromPredictions(classes, MnistClassifierNet.Classes);
            return new MnistQualityResult((int)images.shape[0], distribution, FrechetDistance.Compute(stats, _reference), FidFloor, _classifier.Sha256, HeldOutAccuracy);
        }
    }

    public void Dispose()
    {
        _reference.Dispose();
        _classifier.Dispose();
    }
}
