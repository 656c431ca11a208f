using GanCluster.Training.Core;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Objectives;

/// <summary>
/// The cross-entropy game of Goodfellow et al. (2014) on logits, D(x) = sigmoid(score), with one-sided label
/// smoothing of the real target (Salimans et al. 2016) as its option; the generator's loss is the subclass's.
/// </summary>
public abstract class CrossEntropyObjective : AdversarialObjective
{
    private readonly LossKind _kind;
    private readonly double _smoothing;

    protected CrossEntropyObjective(ExperimentSpec spec, LossKind kind)
        : base(spec)
    {
        _kind = kind;
        _smoothing = spec.RealLabelSmoothing;
    }

    protected override Tensor RealLoss(Tensor realScores) => DiscriminatorRegularizers.RealLoss(_kind, realScores, _smoothing);

    protected override Tensor FakeLoss(Tensor fakeScores) => Losses.DiscriminatorFake(_kind, fakeScores);

    protected override Tensor GeneratorLoss(Tensor fakeScores) => Losses.Generator(_kind, fakeScores);
}

/// <summary>The paper's minimax game: G minimizes log(1 - D(G(z))).</summary>
public sealed class MinimaxObjective(ExperimentSpec spec) : CrossEntropyObjective(spec, LossKind.Minimax), IObjectiveDefinition
{
    public static IGanObjective Create(ExperimentSpec spec) => new MinimaxObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => [];
}

/// <summary>The non-saturating variant: G maximizes log D(G(z)).</summary>
public sealed class NonSaturatingObjective(ExperimentSpec spec) : CrossEntropyObjective(spec, LossKind.NonSaturating), IObjectiveDefinition
{
    public static IGanObjective Create(ExperimentSpec spec) => new NonSaturatingObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => [];
}

/// <summary>Hinge loss (Lim &amp; Ye 2017; Miyato et al. 2018) on raw scores; G minimizes -D(G(z)).</summary>
public sealed class HingeObjective(ExperimentSpec spec) : AdversarialObjective(spec), IObjectiveDefinition
{
    public static IGanObjective Create(ExperimentSpec spec) => new HingeObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => NoLabelSmoothing(spec, "hinge");

    /// <summary>Label smoothing is a cross-entropy target; objectives on raw scores refuse it naming themselves.</summary>
    public static IEnumerable<SpecError> NoLabelSmoothing(ExperimentSpec spec, string name) => spec.RealLabelSmoothing == 0
        ? []
        : [new SpecError("realLabelSmoothing", $"applies to the minimax and non-saturating losses; use 0 with {name}")];

    protected override Tensor RealLoss(Tensor realScores) => Losses.DiscriminatorReal(LossKind.Hinge, realScores);

    protected override Tensor FakeLoss(Tensor fakeScores) => Losses.DiscriminatorFake(LossKind.Hinge, fakeScores);

    protected override Tensor GeneratorLoss(Tensor fakeScores) => Losses.Generator(LossKind.Hinge, fakeScores);
}
