using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Objectives;

/// <summary>
/// The CatGAN objective (Springenberg 2016, equations 7 and 8, and 9 for the semi-supervised variant), on D's class
/// distribution p(y|x, D) = softmax(logits), with H the entropy, H_X[p(y|D)] the entropy of the class distribution
/// averaged over a batch (the "marginal") and E_x H[p(y|x, D)] the average entropy of the samples' distributions:
/// <list type="bullet">
/// <item>D minimizes E_x H[p(y|x, D)] - H_X[p(y|D)] - E_z H[p(y|G(z), D)]: certain on real digits, every class used
/// equally often on them, uncertain on G's samples (a catgan section weighs the second term by catgan.marginalWeight,
/// and from a round on by catgan.marginalWeightChange.weight; the paper: 1). D-real holds the first two terms (and,
/// with labelsPerClass &gt; 0, <see cref="SupervisedWeight"/> x the cross-entropy on a labelled batch of the
/// <see cref="LabelledSubset"/>), D-fake the third.</item>
/// <item>G minimizes E_z H[p(y|G(z), D)] - H_G[p(y|D)]: samples D is certain about, spread over all classes (a catgan
/// section weighs the second term by catgan.generatorMarginalWeight; the paper: 1).</item>
/// </list>
/// The labelled batch is drawn in D-real from D's stream (a permutation of the subset), on D's side, so nothing extra
/// travels and a cluster run draws it as a local one does. Draw order in D's stream: the permutation, then D's input
/// noise on the real batch, then on the labelled batch (D-real); the noise on the fake batch (D-fake, G); with
/// catgan.translate, each batch's shifts just before D's noise on it. Terms: loss/d the unsupervised part of D's loss;
/// d/real and d/fake the mean largest class probability (D's certainty) on the real and fake batch; catgan/* the
/// entropies; loss/d_supervised and catgan/labelled_accuracy with labels; loss/g. With catgan.vatWeight, D-real ends with
/// VAT's term on the real batch (unshifted, D without its noise; its probe the last draw of D-real), logged as loss/d_vat.
/// </summary>
public sealed class CatGanObjective : IGanObjective, IObjectiveDefinition
{
    /// <summary>Weight lambda of the cross-entropy on labelled digits (the paper: 1).</summary>
    public const double SupervisedWeight = 1.0;

    /// <summary>The largest catgan.marginalWeight accepted.</summary>
    public const double MaxMarginalWeight = 100;

    /// <summary>E_x H[p(y|x, D)] on the real batch (D-real).</summary>
    public const string RealEntropyTerm = "catgan/entropy_real";

    /// <summary>H_X[p(y|D)], the entropy of the real batch's average class distribution (D-real).</summary>
    public const string RealMarginalTerm = "catgan/marginal_entropy_real";

    /// <summary>E_z H[p(y|G(z), D)] on the fake batch of the D step (D-fake).</summary>
    public const string FakeEntropyTerm = "catgan/entropy_fake";

    /// <summary>H_G[p(y|D)] on the fake batch of the G step (G).</summary>
    public const string GeneratorMarginalTerm = "catgan/marginal_entropy_fake";

    /// <summary>The cross-entropy on the labelled batch (part of D's loss, not of loss/d); with labels only.</summary>
    public const string SupervisedTerm = "loss/d_supervised";

    /// <summary>D's accuracy on the labelled batch of the step; with labels only.</summary>
    public const string LabelledAccuracyTerm = "catgan/labelled_accuracy";

    private readonly int _batchSize;
    private readonly Scalar _marginalWeight;
    private readonly Scalar _laterMarginalWeight;
    private readonly long _marginalWeightChangeStep;
    private readonly Scalar _generatorMarginalWeight;
    private readonly Tensor? _labelledImages;
    private readonly Tensor? _labelledClasses;
    private readonly int _translate;
    private readonly double _vatWeight;
    private readonly double _vatEpsilon;

    /// <summary>VAT's term (catgan.vatWeight) on the real batch, before its weight (D-real).</summary>
    public const string VatTerm = "loss/d_vat";

    /// <param name="training">The training split as data sets hold it (images in [0, 1], mapped here to D's [-1, 1]); read
    /// only for the labelled subset, and may be null when <paramref name="spec"/> has labelsPerClass 0.</param>
    public CatGanObjective(ExperimentSpec spec, SampleSet? training)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _batchSize = spec.BatchSize;
        _marginalWeight = KeptScalars.Of(spec.Catgan?.MarginalWeight ?? 1);
        // catgan.marginalWeightChange: D's step number (the same locally and on the cluster) from which the later weight holds.
        var change = spec.Catgan?.MarginalWeightChange;
        _laterMarginalWeight = KeptScalars.Of(change?.Weight ?? 1);
        _marginalWeightChangeStep = change is null ? long.MaxValue : (long)change.AfterRound * spec.K;
        _generatorMarginalWeight = KeptScalars.Of(spec.Catgan?.GeneratorMarginalWeight ?? 1);
        _translate = spec.Catgan?.Translate ?? 0;
        _vatWeight = spec.Catgan?.VatWeight ?? 0;
        // catgan.vatEpsilon is a length for digits in [0, 1]; D reads them in [-1, 1], twice as long.
        _vatEpsilon = 2 * (spec.Catgan?.VatEpsilon ?? VirtualAdversarialTraining.DefaultEpsilon);
        if (spec.LabelsPerClass == 0)
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(training);
        var chosen = LabelledSubset.Select(training, spec.Seed, spec.LabelsPerClass);
        using var indices = tensor(chosen, dtype: int64);
        using var images = training.Samples.index_select(0, indices);
        _labelledImages = images.ToSymmetric();
        _labelledClasses = training.Labels.index_select(0, indices);
    }

    /// <summary>The objective; with labels, the training split <paramref name="spec"/> names is loaded here, as the half loads it.</summary>
    public static IGanObjective Create(ExperimentSpec spec)
    {
        if (spec.LabelsPerClass == 0)
        {
            return new CatGanObjective(spec, null);
        }

        var (train, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (train)
        {
            return new CatGanObjective(spec, train);
        }
    }

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        if (spec.Model != ModelKind.CatGan)
        {
            yield return new SpecError("loss", $"catgan needs the class-per-cluster discriminator of model catgan; got model {FamilyCatalog.Name(spec.Model)} (use \"model\": \"catgan\")");
        }

        if (spec.Catgan is { MarginalWeight: var weight } && !(weight is > 0 and <= MaxMarginalWeight))
        {
            yield return new SpecError("catgan.marginalWeight", $"the weight of the marginal class entropy in D's loss must be in (0, {MaxMarginalWeight}]; the paper's objective has 1; got {weight}");
        }

        if (spec.Catgan?.MarginalWeightChange is { } change)
        {
            if (change.AfterRound < 1 || change.AfterRound >= spec.Rounds)
            {
                yield return new SpecError("catgan.marginalWeightChange.afterRound", $"the last round at catgan.marginalWeight must be in [1, rounds) = [1, {spec.Rounds}); got {change.AfterRound}");
            }

            if (!(change.Weight is > 0 and <= MaxMarginalWeight))
            {
                yield return new SpecError("catgan.marginalWeightChange.weight", $"D's marginal weight after the change must be in (0, {MaxMarginalWeight}]; the paper's objective has 1; got {change.Weight}");
            }
        }

        if (spec.Catgan is { GeneratorMarginalWeight: { } generatorWeight } && !(generatorWeight is > 0 and <= MaxMarginalWeight))
        {
            yield return new SpecError("catgan.generatorMarginalWeight", $"the weight of the marginal class entropy in G's loss must be in (0, {MaxMarginalWeight}]; the paper's objective has 1 (or leave it out); got {generatorWeight}");
        }

        if (RandomTranslation.Check("catgan.translate", spec.Catgan?.Translate) is { } translation)
        {
            yield return translation;
        }

        foreach (var error in VirtualAdversarialTraining.Check("catgan", spec.Catgan?.VatWeight, spec.Catgan?.VatEpsilon))
        {
            yield return error;
        }

        if (spec.Catgan?.Clusters is { } clusters)
        {
            if (clusters is < 2 or > CatGanFamily.MaxClusters)
            {
                yield return new SpecError("catgan.clusters", $"D's classes must be 2 to {CatGanFamily.MaxClusters} (the paper's unsupervised MNIST figure used 20; leave it out for the digits' {CatGanFamily.ClassCount}); got {clusters}");
            }
            else if (clusters != CatGanFamily.ClassCount && spec.LabelsPerClass > 0)
            {
                yield return new SpecError("catgan.clusters", $"with labelsPerClass {spec.LabelsPerClass} D's classes are the {CatGanFamily.ClassCount} digits; got {clusters}; leave clusters out, or set labelsPerClass 0 for clustering");
            }
        }

        if (spec.LabelsPerClass is < 0 or > CatGanFamily.MaxLabelsPerClass)
        {
            yield return new SpecError("labelsPerClass", $"must be 0 (unsupervised) to {CatGanFamily.MaxLabelsPerClass}; 10 is the paper's 100 labels; got {spec.LabelsPerClass}");
        }

        if (spec.R1Gamma > 0)
        {
            yield return new SpecError("r1Gamma", $"loss catgan has no real/fake score to penalize; got {spec.R1Gamma}; use 0");
        }

        if (spec.InstanceNoise > 0)
        {
            yield return new SpecError("instanceNoise", $"loss catgan's D adds its own Gaussian noise to its input (std {CatGanDiscriminator.InputNoise}); got {spec.InstanceNoise}; use 0");
        }

        if (spec.RealLabelSmoothing > 0)
        {
            yield return new SpecError("realLabelSmoothing", $"loss catgan has no real/fake target to smooth (D is a classifier); got {spec.RealLabelSmoothing}; use 0");
        }
    }

    /// <summary>True when D also learns from the labelled subset.</summary>
    public bool IsSemiSupervised => _labelledClasses is not null;

    /// <summary>Labels per step: the batch size, at most the labelled subset (then the whole subset, reshuffled).</summary>
    public int LabelledBatchSize => _labelledClasses is null ? 0 : (int)Math.Min(_batchSize, _labelledClasses.shape[0]);

    public PhaseLoss DiscriminatorReal(Critic critic, GanBatch real)
    {
        var d = Discriminator(critic);
        var order = IsSemiSupervised ? randperm(_labelledClasses!.shape[0], dtype: int64).narrow(0, 0, LabelledBatchSize) : null;
        var logProbabilities = F.log_softmax(d.Logits(Seen(real.Samples)), 1);
        var entropy = MeanEntropy(logProbabilities);
        var marginal = MarginalEntropy(logProbabilities);
        // x 1 (the paper's weight) is exact in floating point, forward and backward: weight 1 computes what it did before the option.
        var unsupervised = entropy.sub(marginal.mul(critic.Step >= _marginalWeightChangeStep ? _laterMarginalWeight : _marginalWeight));
        var terms = new Dictionary<string, double>
        {
            [MetricNames.DLoss] = unsupervised.item<float>(),
            [MetricNames.DReal] = Certainty(logProbabilities),
            [RealEntropyTerm] = entropy.item<float>(),
            [RealMarginalTerm] = marginal.item<float>(),
        };
        var loss = unsupervised;
        if (order is not null)
        {
            var device = real.Samples.device;
            var logits = d.Logits(Seen(_labelledImages!.index_select(0, order).to(device)));
            var classes = _labelledClasses!.index_select(0, order).to(device);
            var supervised = F.cross_entropy(logits, classes);
            terms[SupervisedTerm] = supervised.item<float>();
            terms[LabelledAccuracyTerm] = logits.argmax(1).eq(classes).to(float32).mean().item<float>();
            loss = unsupervised.add(supervised, KeptScalars.Of(SupervisedWeight));
        }

        if (_vatWeight > 0)
        {
            var vat = VirtualAdversarialTraining.Term(d, x => d.Logits(x), real.Samples, _vatEpsilon);
            terms[VatTerm] = vat.item<float>();
            loss = loss.add(vat, KeptScalars.Of(_vatWeight));
        }

        return new PhaseLoss(loss, terms);
    }

    public PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
    {
        var logProbabilities = F.log_softmax(Discriminator(critic).Logits(Seen(fake.Samples.detach())), 1);
        var entropy = MeanEntropy(logProbabilities);
        var loss = entropy.neg();
        return new PhaseLoss(loss, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = loss.item<float>(),
            [MetricNames.DFake] = Certainty(logProbabilities),
            [FakeEntropyTerm] = entropy.item<float>(),
        });
    }

    public PhaseLoss? DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake) => null;

    public GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
    {
        var logProbabilities = F.log_softmax(Discriminator(critic).Logits(Seen(fake.Samples)), 1);
        var marginal = MarginalEntropy(logProbabilities);
        var loss = MeanEntropy(logProbabilities).sub(marginal.mul(_generatorMarginalWeight));
        return new GeneratorPhaseLoss(loss, Certainty(logProbabilities), new Dictionary<string, double>
        {
            [MetricNames.GLoss] = loss.item<float>(),
            [GeneratorMarginalTerm] = marginal.item<float>(),
        });
    }

    /// <summary>E_x H[p(y|x)] = -mean_i sum_k p_ik log p_ik, from log p [N, K].</summary>
    public static Tensor MeanEntropy(Tensor logProbabilities) => logProbabilities.exp().mul(logProbabilities).sum(1).mean().neg();

    /// <summary>
    /// H[mean_i p_i], from log p [N, K]; log mean_i p_ik = logsumexp_i log p_ik - log N keeps it finite when a class is
    /// (numerically) never predicted.
    /// </summary>
    public static Tensor MarginalEntropy(Tensor logProbabilities)
    {
        var logMarginal = logProbabilities.logsumexp(0).sub(KeptScalars.Of(Math.Log(logProbabilities.shape[0])));
        return logMarginal.exp().mul(logMarginal).sum().neg();
    }

    /// <summary>Mean largest class probability: 1 when D is sure of every sample, 1/K when it is uniform on all.</summary>
    private static double Certainty(Tensor logProbabilities) => logProbabilities.max(1).values.exp().mean().item<float>();

    /// <summary>What D is shown of a batch in [-1, 1]: the batch, or with <c>catgan.translate</c> each image randomly shifted over a background of -1 (a draw from D's stream).</summary>
    private Tensor Seen(Tensor images) => _translate == 0 ? images : RandomTranslation.Apply(images, _translate, fill: -1);

    private static CatGanDiscriminator Discriminator(Critic critic) => critic.Network as CatGanDiscriminator
        ?? throw new InvalidOperationException($"loss: catgan needs the discriminator of model catgan; got {critic.Network.GetType().Name}");
}
