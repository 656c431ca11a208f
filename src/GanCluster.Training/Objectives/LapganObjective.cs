using GanCluster.Training.Families;
using GanCluster.Training.Options;

namespace GanCluster.Training.Objectives;

/// <summary>
/// LAPGAN's objective (Denton et al. 2015, model lapgan): the non-saturating game of one pyramid level, played on what the
/// level's D judges. Real: D builds the pyramid from its own real batch of 28x28 digits and scores the level's pair
/// [h, l] (the 7x7 image at the coarsest level; <see cref="LapganPyramid.RealInput"/>). Fake: G's image at the level with
/// the condition l it read, the side input <see cref="LapganFamily.CoarseInput"/>, scored as [image - l, l]
/// (<see cref="LapganPyramid.FakeInput"/>). l is an input, so G's gradient dLoss/dImage is dLoss/dh: G learns the
/// residual. Instance noise, R1 and label smoothing apply to the pairs as to any score objective's inputs; no random
/// draws besides theirs.
/// </summary>
public sealed class LapganObjective : CrossEntropyObjective, IObjectiveDefinition
{
    private readonly int _level;

    private LapganObjective(ExperimentSpec spec)
        : base(spec, LossKind.NonSaturating)
    {
        _level = spec.Lapgan?.Level ?? throw new ArgumentException(
            "lapgan.level: the whole pyramid (level null) trains as one experiment per level; set level 0, 1 or 2 for one level");
    }

    public static IGanObjective Create(ExperimentSpec spec) => new LapganObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => spec.Model == ModelKind.Lapgan
        ? []
        : [new SpecError("loss", $"lapgan judges a pyramid level's residual beside its coarse image, which only model lapgan generates; got model {FamilyCatalog.Name(spec.Model)} (use \"model\": \"lapgan\")")];

    public override PhaseLoss DiscriminatorReal(Critic critic, GanBatch real) =>
        base.DiscriminatorReal(critic, real with { Samples = LapganPyramid.RealInput(real.Samples, _level) });

    public override PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake) =>
        base.DiscriminatorFake(critic, fake with { Samples = LapganPyramid.FakeInput(fake.Samples.detach(), Coarse(fake), _level) });

    public override GeneratorPhaseLoss Generator(Critic critic, GanBatch fake) =>
        base.Generator(critic, fake with { Samples = LapganPyramid.FakeInput(fake.Samples, Coarse(fake), _level) });

    private static TorchSharp.torch.Tensor? Coarse(GanBatch fake) => fake.SideInputs.GetValueOrDefault(LapganFamily.CoarseInput);
}
