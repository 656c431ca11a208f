using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Adversarial;

/// <summary>
/// The paper's kind of MNIST model (Goodfellow et al. 2013 maxout network, as attacked and adversarially trained by
/// Goodfellow, Shlens &amp; Szegedy 2015): 784 -> maxout 240 units x 5 pieces -> maxout 240 x 5 -> 10 logits, dropout
/// 0.2 on the input and 0.5 on the hidden layers. Input [N, 1, 28, 28] in [0, 1]. Trained like the evaluation CNN
/// (<see cref="ClassifierTraining.Run"/>: Adam, shifts), not with the paper's SGD and max-norm constraints.
/// </summary>
public sealed class MaxoutMlpClassifier : Module<Tensor, Tensor>
{
    /// <summary>The architecture's name in a <see cref="ClassifierFile"/>.</summary>
    public const string Architecture = "maxout-mlp-240x5";

    private const int Units = 240;
    private const int Pieces = 5;

    [ComponentName(Name = "fc1")]
    private readonly TorchSharp.Modules.Linear _fc1;
    [ComponentName(Name = "fc2")]
    private readonly TorchSharp.Modules.Linear _fc2;
    [ComponentName(Name = "fc3")]
    private readonly TorchSharp.Modules.Linear _fc3;
    [ComponentName(Name = "dropoutIn")]
    private readonly TorchSharp.Modules.Dropout _dropoutIn;
    [ComponentName(Name = "dropout")]
    private readonly TorchSharp.Modules.Dropout _dropout;

    public MaxoutMlpClassifier()
        : base(nameof(MaxoutMlpClassifier))
    {
        _fc1 = Linear(ImageData.Side * ImageData.Side, Units * Pieces);
        _fc2 = Linear(Units, Units * Pieces);
        _fc3 = Linear(Units, ImageData.Classes);
        _dropoutIn = Dropout(0.2);
        _dropout = Dropout(0.5);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _dropoutIn.call(x.flatten(1));
        h = _dropout.call(Maxout(_fc1.call(h)));
        h = _dropout.call(Maxout(_fc2.call(h)));
        return _fc3.call(h).MoveToOuterDisposeScope();
    }

    private static Tensor Maxout(Tensor z)
    {
        var (values, _) = z.view(z.shape[0], Units, Pieces).max(2);
        return values;
    }

    /// <summary>Trains one from scratch (seeded, deterministic for a thread count); returns it in eval mode with its file bytes' SHA-256.</summary>
    public static (MaxoutMlpClassifier Classifier, string Sha256, ClassifierTrainingReport Report) Train(
        SampleSet train, SampleSet heldOut, long seed = 1, int epochs = 20, Action<int, double>? progress = null, AdversarialTrainingOptions? adversarial = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        adversarial?.Validated();
        using var rng = new RngStream(seed);
        var net = rng.Run(() => new MaxoutMlpClassifier());
        var accuracy = ClassifierTraining.Run(net, rng, train, heldOut, epochs, progress, adversarial);
        return (net, Hashing.Sha256Hex(ClassifierFile.ToBytes(net, Architecture)), new ClassifierTrainingReport(seed, epochs, accuracy, adversarial));
    }
}

/// <summary>
/// A classifier's weights with the name of its architecture: "GANCLSF1", the name (BinaryWriter string), then
/// TorchSharp's state dict. (The evaluation CNN ships as a bare state dict, <see cref="MnistEvaluationClassifier"/>.)
/// </summary>
public static class ClassifierFile
{
    private static readonly byte[] Magic = "GANCLSF1"u8.ToArray();

    /// <summary>Whether <paramref name="bytes"/> start like a classifier file.</summary>
    public static bool Matches(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    public static byte[] ToBytes(Module<Tensor, Tensor> net, string architecture)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(architecture);
            net.save(writer);
        }

        return stream.ToArray();
    }

    /// <summary>The network in eval mode and its architecture; <see cref="InvalidDataException"/> for an unknown architecture or damaged weights.</summary>
    public static (Module<Tensor, Tensor> Net, string Architecture) FromBytes(byte[] bytes, string origin)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        if (!Matches(reader.ReadBytes(Magic.Length)))
        {
            throw new InvalidDataException($"{origin}: not a classifier file (no GANCLSF1 header)");
        }

        var architecture = reader.ReadString();
        Module<Tensor, Tensor> net = architecture switch
        {
            MaxoutMlpClassifier.Architecture => new MaxoutMlpClassifier(),
            _ => throw new InvalidDataException($"{origin}: classifier architecture '{architecture}' is unknown to this build; expected {MaxoutMlpClassifier.Architecture}"),
        };
        try
        {
            net.load(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            net.Dispose();
            throw new InvalidDataException($"{origin}: damaged {architecture} weights ({e.Message.Split('\n')[0]})");
        }

        net.eval();
        return (net, architecture);
    }
}
