using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Objectives;

/// <summary>
/// The semi-supervised GAN objective of Salimans et al. (2016, section 5 and their mnist_feature_matching.py), on D's
/// class logits l (the fake class's logit fixed at 0, so D(x) = Z / (Z + 1), Z = sum exp(l_k), and its score is
/// s = logsumexp(l)):
/// <list type="bullet">
/// <item>D-real: the supervised cross-entropy of a labelled batch drawn from the <see cref="LabelledSubset"/> (10 labels
/// per class, a pure function of the seed) plus <see cref="UnlabelledWeight"/> x mean(softplus(s) - s) = -log D(x) on
/// the unlabelled real batch. The labelled batch is drawn here, on D's side and from D's stream, so a cluster run draws
/// it exactly as a local one.</item>
/// <item>D-fake: <see cref="UnlabelledWeight"/> x mean softplus(s) = -log(1 - D(G(z))).</item>
/// <item>G: feature matching, mean over features of (mean f(G(z)) - mean f(x))^2 with f D's last hidden layer and x
/// a fresh unlabelled real batch drawn from the training split in D's stream; the half sends G dLoss/dFake only.</item>
/// </list>
/// Draw order in D's stream: the labelled batch's permutation, then D's noise on the unlabelled batch, then on the
/// labelled batch (D-real); D's noise on the fake batch (D-fake); the real batch's indices, then D's noise on it, then
/// on the fake batch (G). With <c>ssgan.translate</c>, each batch's shifts are drawn just before D's noise on it, and
/// G's gradient reaches the fake batch through its shift. Terms: loss/d and d/real, d/fake are the unsupervised game's;
/// loss/d_supervised the cross-entropy and ssgan/labelled_accuracy D's accuracy on the labelled batch; loss/g the
/// feature-matching loss. With <c>ssgan.entropyWeight</c> and <c>ssgan.vatWeight</c>, D-real also has the conditional
/// entropy of D's classes on the unlabelled batch (from the same pass) and VAT's term on that batch (its random probe
/// drawn last in D-real), logged before their weights as loss/d_entropy and loss/d_vat.
/// </summary>
public sealed class SsganObjective : IGanObjective, IObjectiveDefinition
{
    /// <summary>Weight of each unsupervised term (Salimans et al.'s code: 0.5 on the real and on the fake part).</summary>
    public const double UnlabelledWeight = 0.5;

    /// <summary>The supervised cross-entropy on the labelled batch (part of D's loss, not of loss/d).</summary>
    public const string SupervisedTerm = "loss/d_supervised";

    /// <summary>D's accuracy on the labelled batch of the step.</summary>
    public const string LabelledAccuracyTerm = "ssgan/labelled_accuracy";

    private readonly int _batchSize;
    private readonly Tensor _labelledImages;
    private readonly Tensor _labelledClasses;
    private readonly Tensor _unlabelled;
    private readonly int _translate;
    private readonly double _vatWeight;
    private readonly double _vatEpsilon;
    private readonly double _entropyWeight;

    /// <summary>VAT's term (<c>ssgan.vatWeight</c>): the KL divergence, before its weight, on the unlabelled batch.</summary>
    public const string VatTerm = "loss/d_vat";

    /// <summary>The conditional entropy (<c>ssgan.entropyWeight</c>) of D's classes on the unlabelled batch, before its weight.</summary>
    public const string EntropyTerm = "loss/d_entropy";

    /// <param name="training">The training split, as the discriminator half reads it (images in [0, 1]); its labels
    /// are read only for the <see cref="LabelledSubset"/> chosen by the seed.</param>
    public SsganObjective(ExperimentSpec spec, SampleSet training)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(training);
        _batchSize = spec.BatchSize;
        var chosen = LabelledSubset.Select(training, spec.Seed);
        using var indices = tensor(chosen, dtype: int64);
        _labelledImages = training.Samples.index_select(0, indices);
        _labelledClasses = training.Labels.index_select(0, indices);
        _unlabelled = training.Samples;
        _translate = SsganFamily.Translation(spec);
        _vatWeight = SsganFamily.VatWeight(spec);
        _vatEpsilon = SsganFamily.VatEpsilon(spec);
        _entropyWeight = SsganFamily.EntropyWeight(spec);
    }

    /// <summary>The objective with the training split <paramref name="spec"/> names (loaded here, as the half loads it).</summary>
    public static IGanObjective Create(ExperimentSpec spec)
    {
        var (train, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        return new SsganObjective(spec, train);
    }

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        if (spec.Model != ModelKind.Ssgan)
        {
            yield return new SpecError("loss", $"ssgan needs the 10-class discriminator of model ssgan; got model {FamilyCatalog.Name(spec.Model)} (use \"model\": \"ssgan\")");
        }

        if (spec.R1Gamma > 0)
        {
            yield return new SpecError("r1Gamma", $"loss ssgan has no R1 penalty (its D is regularized by its noise layers); got {spec.R1Gamma}; use 0");
        }

        if (spec.InstanceNoise > 0)
        {
            yield return new SpecError("instanceNoise", $"loss ssgan's D adds its own Gaussian noise to its input (std {SsganDiscriminator.InputNoise}); got {spec.InstanceNoise}; use 0");
        }

        if (spec.RealLabelSmoothing > 0)
        {
            yield return new SpecError("realLabelSmoothing", $"loss ssgan has no real/fake target to smooth (D is a classifier); got {spec.RealLabelSmoothing}; use 0");
        }
    }

    /// <summary>Labels per step: the batch size, at most the labelled subset (then the whole subset, reshuffled).</summary>
    public int LabelledBatchSize => (int)Math.Min(_batchSize, _labelledClasses.shape[0]);

    public PhaseLoss DiscriminatorReal(Critic critic, GanBatch real)
    {
        var d = Discriminator(critic);
        var device = real.Samples.device;
        var order = randperm(_labelledClasses.shape[0], dtype: int64).narrow(0, 0, LabelledBatchSize);
        var unlabelledLogits = d.Classify(Seen(real.Samples)).Logits;
        var unlabelled = unlabelledLogits.logsumexp(1);
        var labelledLogits = d.Classify(Seen(_labelledImages.index_select(0, order).to(device))).Logits;
        var classes = _labelledClasses.index_select(0, order).to(device);
        var supervised = F.cross_entropy(labelledLogits, classes);
        var adversarial = RealLoss(unlabelled);
        var accuracy = labelledLogits.argmax(1).eq(classes).to(float32).mean().item<float>();
        var loss = supervised.add(adversarial, KeptScalars.One);
        var terms = new Dictionary<string, double>
        {
            [MetricNames.DLoss] = adversarial.item<float>(),
            [MetricNames.DReal] = unlabelled.sigmoid().mean().item<float>(),
            [SupervisedTerm] = supervised.item<float>(),
            [LabelledAccuracyTerm] = accuracy,
        };
        if (_entropyWeight > 0)
        {
            var entropy = ConditionalEntropy(unlabelledLogits);
            loss = loss.add(entropy, KeptScalars.Of(_entropyWeight));
            terms[EntropyTerm] = entropy.item<float>();
        }

        if (_vatWeight > 0)
        {
            var vat = VirtualAdversarial(d, real.Samples, _vatEpsilon);
            loss = loss.add(vat, KeptScalars.Of(_vatWeight));
            terms[VatTerm] = vat.item<float>();
        }

        return new PhaseLoss(loss, terms);
    }

    /// <summary>The mean over rows of the entropy of softmax(<paramref name="logits"/>) (nats): CatGAN's certainty term.</summary>
    public static Tensor ConditionalEntropy(Tensor logits) => CatGanObjective.MeanEntropy(F.log_softmax(logits, 1));

    /// <summary>VAT's term for D on <paramref name="images"/> (<see cref="VirtualAdversarialTraining.Term(nn.Module, Func{Tensor, Tensor}, Tensor, double)"/>: D read without its noise).</summary>
    public static Tensor VirtualAdversarial(SsganClassifier d, Tensor images, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(d);
        return VirtualAdversarialTraining.Term(d, x => d.Classify(x).Logits, images, epsilon);
    }

    public PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
    {
        var scores = Discriminator(critic).Classify(Seen(fake.Samples.detach())).Logits.logsumexp(1);
        var loss = FakeLoss(scores);
        return new PhaseLoss(loss, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = loss.item<float>(),
            [MetricNames.DFake] = scores.sigmoid().mean().item<float>(),
        });
    }

    public PhaseLoss? DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake) => null;

    public GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
    {
        var d = Discriminator(critic);
        var indices = randint(0, _unlabelled.shape[0], fake.Samples.shape[0], dtype: int64);
        Tensor realMean;
        using (no_grad())
        {
            realMean = d.Classify(Seen(_unlabelled.index_select(0, indices).to(fake.Samples.device))).Features.mean([0]);
        }

        var outputs = d.Classify(Seen(fake.Samples));
        var loss = FeatureMatching(outputs.Features, realMean);
        return new GeneratorPhaseLoss(loss, outputs.Logits.logsumexp(1).sigmoid().mean().item<float>(), new Dictionary<string, double>
        {
            [MetricNames.GLoss] = loss.item<float>(),
        });
    }

    /// <summary>-log D(x) with D(x) = sigmoid(s): softplus(s) - s, weighted and averaged over the batch.</summary>
    public static Tensor RealLoss(Tensor scores) =>
        SsganGenerator.Softplus(scores).sub(scores).mean().mul(KeptScalars.Of(UnlabelledWeight));

    /// <summary>-log(1 - D(G(z))) = softplus(s), weighted and averaged over the batch.</summary>
    public static Tensor FakeLoss(Tensor scores) => SsganGenerator.Softplus(scores).mean().mul(KeptScalars.Of(UnlabelledWeight));

    /// <summary>mean_j (mean_i f(fake)_ij - realMean_j)^2 (Salimans et al.'s code averages over the features).</summary>
    public static Tensor FeatureMatching(Tensor fakeFeatures, Tensor realMean)
    {
        var difference = fakeFeatures.mean([0]).sub(realMean);
        return difference.mul(difference).mean();
    }

    /// <summary>What D is shown of a batch: the batch itself, or with <c>ssgan.translate</c> each image randomly shifted (a draw from D's stream).</summary>
    private Tensor Seen(Tensor images) => _translate == 0 ? images : RandomTranslation.Apply(images, _translate);

    private static SsganClassifier Discriminator(Critic critic) => critic.Network as SsganClassifier
        ?? throw new InvalidOperationException($"loss: ssgan needs the discriminator of model ssgan; got {critic.Network.GetType().Name}");
}
