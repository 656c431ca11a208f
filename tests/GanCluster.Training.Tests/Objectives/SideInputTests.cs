using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Tests.Core;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Objectives;

/// <summary>
/// Side inputs: a family attaches named tensors to a fake batch in the generator half (InfoGAN's codes c), and the
/// objective reads them in the discriminator half, in the D step and in the generator feedback alike.
/// </summary>
public sealed class SideInputTests
{
    private const string Code = "test/code";

    [Fact]
    public void A_side_input_drawn_by_the_family_reaches_the_objective_in_both_phases_and_its_term_is_reported()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);
        using var data = TinyData.Points(spec);
        var objective = new RecordingObjective(NonSaturatingObjective.Create(spec));
        using var generator = new GeneratorHalf(spec, CPU, new CodedToyFamily());
        using var discriminator = new DiscriminatorHalf(spec, CPU, data, objective);

        using var fake = generator.ProduceForDiscriminator();
        var sent = fake.SideInputs[Code];
        Assert.Equal(new long[] { spec.BatchSize }, sent.shape);
        var result = discriminator.Step(fake.Samples, fake.Labels, sideInputs: fake.SideInputs);
        Assert.True(Identical(sent, objective.SeenInDiscriminatorStep!));
        Assert.Equal(sent.to_type(ScalarType.Float64).mean().item<double>(), result.Terms[RecordingObjective.CodeTerm], 12);

        using var forUpdate = generator.ProduceForUpdate();
        using var feedback = discriminator.Feedback(forUpdate.Samples, forUpdate.Labels, forUpdate.SideInputs);
        Assert.True(Identical(forUpdate.SideInputs[Code], objective.SeenInGeneratorPhase!));
        Assert.Contains(RecordingObjective.CodeTerm, feedback.Terms.Keys);
        generator.ApplyGradient(feedback.Gradient);
    }

    [Fact]
    public void Families_without_side_inputs_attach_none_and_draw_nothing_more()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);
        using var plain = new GeneratorHalf(spec, CPU);
        using var fake = plain.ProduceForDiscriminator();
        Assert.Empty(fake.SideInputs);
    }

    private static bool Identical(Tensor a, Tensor b)
    {
        using var eq = a.eq(b);
        using var all = eq.all();
        return a.shape.SequenceEqual(b.shape) && all.item<bool>();
    }

    /// <summary>The toy family, plus a categorical code per sample drawn after z from G's stream (G itself ignores it here).</summary>
    private sealed class CodedToyFamily : GanFamily
    {
        private readonly ToyFamily _toy = new();

        public override SampleRange OutputRange => _toy.OutputRange;

        public override GeneratorNet CreateGenerator(ExperimentSpec spec) => _toy.CreateGenerator(spec);

        public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => _toy.CreateDiscriminator(spec);

        public override long[] SampleShape(ExperimentSpec spec) => _toy.SampleShape(spec);

        public override IEnumerable<SpecError> Validate(ExperimentSpec spec) => _toy.Validate(spec);

        public override GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device)
        {
            var input = base.DrawInput(spec, count, device);
            return input with { SideInputs = new Dictionary<string, Tensor> { [Code] = randint(0, 10, count, dtype: int64, device: device) } };
        }
    }

    /// <summary>An objective that keeps what it was given and reports a term computed from the side input.</summary>
    private sealed class RecordingObjective(IGanObjective inner) : IGanObjective
    {
        public const string CodeTerm = "test/code_mean";

        public Tensor? SeenInDiscriminatorStep { get; private set; }

        public Tensor? SeenInGeneratorPhase { get; private set; }

        public PhaseLoss DiscriminatorReal(Critic critic, GanBatch real) => inner.DiscriminatorReal(critic, real);

        public PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
        {
            SeenInDiscriminatorStep = fake.SideInputs[Code].clone().DetachFromDisposeScope();
            var phase = inner.DiscriminatorFake(critic, fake);
            return phase with { Terms = new Dictionary<string, double>(phase.Terms) { [CodeTerm] = CodeMean(fake) } };
        }

        public PhaseLoss? DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake) => inner.DiscriminatorRegularizer(critic, real, fake);

        public GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
        {
            SeenInGeneratorPhase = fake.SideInputs[Code].clone().DetachFromDisposeScope();
            var phase = inner.Generator(critic, fake);
            return phase with { Terms = new Dictionary<string, double>(phase.Terms) { [CodeTerm] = CodeMean(fake) } };
        }

        private static double CodeMean(GanBatch fake) => fake.SideInputs[Code].to_type(ScalarType.Float64).mean().item<double>();
    }
}
