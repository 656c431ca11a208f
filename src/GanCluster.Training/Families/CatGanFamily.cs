using GanCluster.Training.Adversarial;
using GanCluster.Training.Core;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Families;

/// <summary>
/// CatGAN (Springenberg 2016, "Unsupervised and semi-supervised learning with categorical generative adversarial
/// networks") on 28x28 digits: D is a <see cref="ClassCount"/>-way classifier p(y|x, D) with no real/fake output; the
/// entropy objectives of <see cref="Objectives.CatGanObjective"/> make it certain on real digits, uncertain on G's, and
/// use every class equally often, so its classes become clusters of the data (with labelsPerClass &gt; 0 a cross-entropy
/// on the seed's labelled subset also ties them to the digits). The networks are a CPU-sized version of the paper's MNIST
/// pair: a DCGAN-style G with batch normalization and a small convolutional D with Gaussian input noise (see the
/// network classes for what differs from the paper).
/// </summary>
public sealed class CatGanFamily : GanFamily, IDigitClassifierFamily
{
    /// <summary>Classes of D by default (K in the paper; 10 for the digits); <see cref="CatGanSpec.Clusters"/> changes it.</summary>
    public const int ClassCount = 10;

    /// <summary>Largest <see cref="CatGanSpec.Clusters"/>.</summary>
    public const int MaxClusters = 50;

    /// <summary>Largest labelsPerClass: the bundled training split holds a few hundred digits of its rarest class.</summary>
    public const int MaxLabelsPerClass = 100;

    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) => new CatGanGenerator(spec.LatentSize);

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => new CatGanDiscriminator(Clusters(spec), Network(spec), BatchNorm(spec));

    /// <summary>D's classes for <paramref name="spec"/>: catgan.clusters, or the digits' <see cref="ClassCount"/>.</summary>
    public static int Clusters(ExperimentSpec spec) => spec.Catgan?.Clusters ?? ClassCount;

    /// <summary>D's network for <paramref name="spec"/>: catgan.discriminator, or the small one.</summary>
    public static CatGanNetwork Network(ExperimentSpec spec) => spec.Catgan?.Discriminator ?? CatGanNetwork.Small;

    /// <summary>Whether D has batch normalization: catgan.batchNorm, off when absent.</summary>
    public static bool BatchNorm(ExperimentSpec spec) => spec.Catgan?.BatchNorm == true;

    public override long[] SampleShape(ExperimentSpec spec) => [1, 28, 28];

    /// <summary>
    /// D as a digit classifier reading [-1, 1]: with labels its classes are the digits; unsupervised, each class is named
    /// by the matching of the clustering figure (on the held-out digits, as that figure is) and a digit's logit is the
    /// largest of its classes' (<see cref="CatGanEvaluation.DigitLogits"/>), so the clean error is the clustering error.
    /// </summary>
    public AttackTarget Classifier(Checkpoint checkpoint, string origin, string sha256)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var spec = checkpoint.Spec;
        var clusters = Clusters(spec);
        var kind = spec.LabelsPerClass > 0
            ? $"{spec.LabelsPerClass * ClassCount} labels"
            : $"unsupervised, its {clusters} classes named by the {(clusters > ClassCount ? "majority label" : "best one-to-one matching")} of the held-out digits";
        return DiscriminatorClassifier.Load(
            checkpoint,
            SampleRange.Symmetric,
            $"CatGAN discriminator ({Network(spec).ToString().ToLowerInvariant()}, {kind}) {origin}",
            sha256,
            (network, train, heldOut) =>
            {
                // With BatchNorm, the statistics of the training digits, kept for the attack (the network is the attack's own copy).
                CatGanEvaluation.RealStatistics((CatGanDiscriminator)network, train);
                if (spec.LabelsPerClass > 0)
                {
                    return (d, x) => ((CatGanDiscriminator)d).Logits(x);
                }

                var assignment = CatGanEvaluation.Score((CatGanDiscriminator)network, heldOut).Assignment;
                return (d, x) => CatGanEvaluation.DigitLogits(((CatGanDiscriminator)d).Logits(x), assignment, heldOut.Classes);
            });
    }

    // Trained by another loss, D's 10 outputs would be read as one score and never become classes.
    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigitsAndObjective(spec, LossKind.CatGan, "the paper's MNIST networks", $"is a {ClassCount}-class classifier trained by the entropy objectives of loss catgan");
        // A number in the JSON parses to any value of the enum's type; an undefined one must not build some network.
        if (spec.Catgan?.Discriminator is { } network && !Enum.IsDefined(network))
        {
            errors.Add(new SpecError("catgan.discriminator", $"allowed: {SpecJson.Allowed<CatGanNetwork>()} (small is the default, deep the paper's layer plan); got {(int)network}"));
        }

        return errors;
    }
}

/// <summary>
/// G: z -> FC 128x7x7, BN, ReLU -> 4x4 up-convolution 64, BN, ReLU -> 4x4 up-convolution 1, tanh, so samples are in
/// [-1, 1] (<see cref="SampleRange.Symmetric"/>; the half maps real digits there). The paper's MNIST G is similar (FC to
/// 8x8x96, BN, two upsamplings with 5x5 convolutions of 64, sigmoid output); this is the DCGAN 28x28 shape with DCGAN's
/// tanh output, about a quarter of the paper's cost. No bias before a BatchNorm (BN removes it).
/// </summary>
public sealed class CatGanGenerator : GeneratorNet
{
    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;
    private readonly int _latentSize;

    public CatGanGenerator(int latentSize) : base(nameof(CatGanGenerator))
    {
        if (latentSize < 1)
        {
            throw new ArgumentException($"catgan generator: latentSize >= 1; got {latentSize}");
        }

        _latentSize = latentSize;
        _main = Sequential(
            Linear(latentSize, 128 * 7 * 7, hasBias: false), Unflatten(1, [128, 7, 7]), BatchNorm2d(128), ReLU(),
            ConvTranspose2d(128, 64, 4, 2, 1, bias: false), BatchNorm2d(64), ReLU(),
            ConvTranspose2d(64, 1, 4, 2, 1), Tanh());
        RegisterComponents();
        WeightInit.Dcgan(this);
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: catgan's generator is unconditional; pass null labels");
        }

        if (z.ndim != 2 || z.shape[1] != _latentSize)
        {
            throw new ArgumentException($"z: catgan generator expects [N, {_latentSize}]; got [{string.Join(", ", z.shape)}]");
        }

        using var scope = NewDisposeScope();
        return _main.call(z).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// D: Gaussian noise of std <see cref="InputNoise"/> on the input (train mode only, drawn from the current, i.e. D's,
/// stream), then one of two networks to the class logits (<see cref="CatGanFamily.ClassCount"/> unless catgan.clusters
/// says otherwise), LeakyReLU 0.2 after every hidden layer:
/// <list type="bullet">
/// <item><see cref="CatGanNetwork.Small"/>: 4x4 convolution 32 (stride 2), 4x4 convolution 64 (stride 2), FC 128.</item>
/// <item><see cref="CatGanNetwork.Deep"/>: the layer plan of the paper's MNIST D (its appendix): 5x5 convolution
/// 32, 3x3 max-pool (stride 2), two 3x3 convolutions 64, 3x3 max-pool (stride 2), 3x3 convolution 128, 1x1 convolution
/// 10, FC 128; "same" padding throughout, so the maps are 28, 14 and 7 pixels wide.</item>
/// </list>
/// The paper's D also has batch normalization; neither network here has any, so D's eval-mode outputs (the figure) depend
/// on the digit alone and not on running statistics that fake batches also feed. Its forward is the GAN "score" -H[p(y|x,
/// D)], the certainty of its class prediction (0 for a one-hot prediction, -log K for a uniform one); <see cref="Logits"/>
/// gives the class logits.
/// </summary>
public sealed class CatGanDiscriminator : DiscriminatorNet
{
    /// <summary>Std of the Gaussian noise on D's input in train mode (the paper's MNIST D: 0.3).</summary>
    public const double InputNoise = 0.3;

    [ComponentName(Name = "main")]
    private readonly TorchSharp.Modules.Sequential _main;

    public CatGanDiscriminator(int classes = CatGanFamily.ClassCount, CatGanNetwork network = CatGanNetwork.Small, bool batchNorm = false) : base(nameof(CatGanDiscriminator))
    {
        if (classes is < 2 or > CatGanFamily.MaxClusters)
        {
            throw new ArgumentException($"classes: catgan discriminator has 2-{CatGanFamily.MaxClusters} classes; got {classes}");
        }

        ClassCount = classes;
        Network = network;
        HasBatchNorm = batchNorm;
        // A hidden layer: its convolution (no bias before a BatchNorm, which removes it), the BatchNorm when asked for
        // (not after the first layer, which reads the noisy image: DCGAN's placement), LeakyReLU 0.2.
        Module<Tensor, Tensor>[] Conv(long input, long output, long kernel, long stride, long padding, bool first = false) =>
            batchNorm && !first
                ? [Conv2d(input, output, kernel, stride, padding, bias: false), BatchNorm2d(output), LeakyReLU(0.2)]
                : [Conv2d(input, output, kernel, stride, padding), LeakyReLU(0.2)];
        Module<Tensor, Tensor>[] Dense(long input, long output) =>
            batchNorm ? [Linear(input, output, hasBias: false), BatchNorm1d(output), LeakyReLU(0.2)] : [Linear(input, output), LeakyReLU(0.2)];
        Module<Tensor, Tensor>[] layers = network switch
        {
            CatGanNetwork.Small => [
                .. Conv(1, 32, 4, 2, 1, first: true),
                .. Conv(32, 64, 4, 2, 1), Flatten(),
                .. Dense(64 * 7 * 7, 128),
                Linear(128, classes)],
            CatGanNetwork.Deep => [
                .. Conv(1, 32, 5, 1, 2, first: true), MaxPool2d(3, 2, 1),
                .. Conv(32, 64, 3, 1, 1),
                .. Conv(64, 64, 3, 1, 1), MaxPool2d(3, 2, 1),
                .. Conv(64, 128, 3, 1, 1),
                .. Conv(128, 10, 1, 1, 0), Flatten(),
                .. Dense(10 * 7 * 7, 128),
                Linear(128, classes)],
            _ => throw new ArgumentException($"network: catgan discriminator is small or deep; got {network}"),
        };
        _main = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>Whether D has batch normalization (catgan.batchNorm): its figures then need statistics recomputed on real digits.</summary>
    public bool HasBatchNorm { get; }

    /// <summary>Which of the two networks this is.</summary>
    public CatGanNetwork Network { get; }

    /// <summary>The number of classes (clusters) D's logits have.</summary>
    public int ClassCount { get; }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        if (labels is not null)
        {
            throw new ArgumentException("labels: catgan's discriminator reads no labels (they train it through loss catgan); pass null labels");
        }

        using var scope = NewDisposeScope();
        var logProbabilities = F.log_softmax(Logits(x), 1);
        return logProbabilities.exp().mul(logProbabilities).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>The class logits [N, K] of images in [-1, 1] (with input noise in train mode, a draw from the current stream; none in eval mode).</summary>
    public Tensor Logits(Tensor x) => Logits(x, inputNoise: training);

    /// <summary>
    /// The class logits with or without the input noise, whatever the mode: without it a train-mode pass draws no random
    /// numbers, which recomputing the BatchNorm statistics on real digits needs.
    /// </summary>
    public Tensor Logits(Tensor x, bool inputNoise)
    {
        NetInputs.RequireImages("catgan discriminator", x, 1, 28);
        using var scope = NewDisposeScope();
        var input = inputNoise ? x.add(randn_like(x), KeptScalars.Of(InputNoise)) : x;
        return _main.call(input).MoveToOuterDisposeScope();
    }
}
