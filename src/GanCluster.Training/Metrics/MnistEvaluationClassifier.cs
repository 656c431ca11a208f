using GanCluster.Training.Adversarial;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>How the shipped classifier was trained, and what it scored on the held-out digits.</summary>
/// <param name="Seed">Seed of the initialization, the shuffles, the shifts and dropout.</param>
/// <param name="Epochs">Passes over the 8,000 training digits.</param>
/// <param name="HeldOutAccuracy">Accuracy on the held-out digits 8000-9999.</param>
/// <param name="Adversarial">The adversarial training objective it was trained with (Goodfellow et al. 2015), or null.</param>
public sealed record ClassifierTrainingReport(long Seed, int Epochs, double HeldOutAccuracy, AdversarialTrainingOptions? Adversarial = null);

/// <summary>
/// The MNIST evaluation classifier (<see cref="MnistClassifierNet"/>) with its weights. The weights ship inside this
/// assembly (Metrics/Bundled/mnist-classifier.bin, about 1.8 MB), trained once by
/// <c>gancluster classifier train</c> (<see cref="Train"/>, seed 1) on the bundled digits 0-7999 and checked on
/// 8000-9999. Shipped rather than trained on first use so that every machine scores with the same weights: a
/// Frechet distance is only comparable between runs that use the same feature extractor (as FID fixes its
/// Inception weights), and CPU training is only bit-reproducible for one thread count and one libtorch build.
/// <see cref="Sha256"/> identifies the weights in every evaluation.json.
/// </summary>
public sealed class MnistEvaluationClassifier : IDisposable
{
    /// <summary>Manifest resource name of the shipped weights.</summary>
    public const string WeightsResource = "GanCluster.Training.Metrics.Bundled.mnist-classifier.bin";

    /// <summary>Images per forward pass when scoring: small enough to keep memory flat for 10,000 samples.</summary>
    public const int Chunk = 500;

    private static readonly Lazy<byte[]> Shipped = new(ReadShipped);
    private readonly MnistClassifierNet _net;

    private MnistEvaluationClassifier(MnistClassifierNet net, string sha256)
    {
        _net = net;
        _net.eval();
        Sha256 = sha256;
    }

    /// <summary>Lowercase hex SHA-256 of the weights file.</summary>
    public string Sha256 { get; }

    /// <summary>The classifier shipped with this build.</summary>
    public static MnistEvaluationClassifier LoadShipped() => FromBytes(Shipped.Value);

    /// <summary>A classifier saved by <see cref="Save"/>.</summary>
    public static MnistEvaluationClassifier Load(string path) => FromBytes(File.ReadAllBytes(path));

    /// <summary>A classifier from the bytes <see cref="Save"/> writes (TorchSharp throws on bytes of anything else).</summary>
    public static MnistEvaluationClassifier FromWeights(byte[] weights) => FromBytes(weights);

    /// <summary>
    /// The network itself (logits of images in [0, 1]), for code that needs a module, such as the adversarial attack
    /// (<see cref="Fgsm"/>). It stays owned by this object. Left in eval mode; a caller that changes that restores it.
    /// </summary>
    public TorchSharp.torch.nn.Module<Tensor, Tensor> Network => _net;

    private static MnistEvaluationClassifier FromBytes(byte[] weights)
    {
        var net = new MnistClassifierNet();
        using (var reader = new BinaryReader(new MemoryStream(weights, writable: false)))
        {
            net.load(reader);
        }

        return new MnistEvaluationClassifier(net, Hashing.Sha256Hex(weights));
    }

    /// <summary>Writes the weights (TorchSharp's state-dict format).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        _net.save(writer);
    }

    /// <summary>Penultimate features [N, 128] (float64) of images [N, 1, 28, 28] in [0, 1].</summary>
    public Tensor Features(Tensor images)
    {
        using var features = Map(images, x => _net.Features(x)); // held until to() returns (an unreferenced temporary may be freed mid-call)
        return features.to(float64);
    }

    /// <summary>Predicted class [N] (int64) of images [N, 1, 28, 28] in [0, 1].</summary>
    public Tensor Predict(Tensor images) => Map(images, x => _net.call(x).argmax(1));

    /// <summary>Features [N, 128] (float64) and predicted classes [N] (two forward passes; scoring 10,000 digits takes seconds).</summary>
    public (Tensor Features, Tensor Classes) FeaturesAndClasses(Tensor images) => (Features(images), Predict(images));

    /// <summary>Fraction of <paramref name="data"/> classified as its label.</summary>
    public double Accuracy(SampleSet data)
    {
        using var scope = NewDisposeScope();
        var predicted = Predict(data.Samples);
        return predicted.eq(data.Labels.cpu()).to(float64).mean().item<double>();
    }

    private Tensor Map(Tensor images, Func<Tensor, Tensor> forward)
    {
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[2] != ImageData.Side || images.shape[3] != ImageData.Side)
        {
            throw new ArgumentException($"images [{string.Join(", ", images.shape)}]; expected [N, 1, 28, 28] in [0, 1]");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _net.eval();
        var x = images.detach().cpu().to(float32);
        var n = x.shape[0];
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += Chunk)
        {
            parts.Add(forward(x.narrow(0, start, Math.Min(Chunk, n - start))));
        }

        return (parts.Count == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Trains a classifier from scratch, deterministically for a given seed and thread count (<see cref="ClassifierTraining.Run"/>:
    /// Adam, lr 1e-3 halved every 6 epochs, batches of 64, shifts of up to 2 pixels), dropout 0.3 on the features.
    /// <paramref name="progress"/> gets (epoch, held-out accuracy) after each epoch. With <paramref name="adversarial"/>,
    /// each batch's loss is the adversarial objective of Goodfellow et al. (2015) (<see cref="AdversarialTraining.Loss"/>).
    /// </summary>
    public static (MnistEvaluationClassifier Classifier, ClassifierTrainingReport Report) Train(
        SampleSet train, SampleSet heldOut, long seed = 1, int epochs = 20, Action<int, double>? progress = null, AdversarialTrainingOptions? adversarial = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        adversarial?.Validated();
        using var rng = new RngStream(seed);
        var net = rng.Run(() => new MnistClassifierNet());
        var accuracy = ClassifierTraining.Run(net, rng, train, heldOut, epochs, progress, adversarial);
        net.eval();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            net.save(writer);
        }

        var trained = new MnistEvaluationClassifier(net, Hashing.Sha256Hex(stream.ToArray()));
        return (trained, new ClassifierTrainingReport(seed, epochs, accuracy, adversarial));
    }

    public void Dispose() => _net.Dispose();

    private static byte[] ReadShipped()
    {
        var assembly = typeof(MnistEvaluationClassifier).Assembly;
        using var stream = assembly.GetManifestResourceStream(WeightsResource)
            ?? throw new InvalidDataException(
                $"{WeightsResource}: resource missing from {assembly.GetName().Name}; expected the MNIST evaluation classifier embedded at build time. "
                + "Fix: run 'gancluster classifier train --out src/GanCluster.Training/Metrics/Bundled/mnist-classifier.bin' and rebuild.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
