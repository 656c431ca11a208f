using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>Every network honours the contract of <see cref="GeneratorNet"/> and <see cref="DiscriminatorNet"/>.</summary>
public sealed class ModelShapeTests
{
    private const int N = 4;

    public static TheoryData<ModelKind, int, bool, int> AllCombinations() => ModelSpecs.AllCombinations();

    public static TheoryData<ModelKind, int> AllFamilies() => ModelSpecs.AllFamilies();

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Generator_and_discriminator_have_contract_shapes_and_gradients_reach_every_generator_parameter(
        ModelKind model, int imageSize, bool conditional, int packing)
    {
        var spec = ModelSpecs.For(model, imageSize, conditional, packing);
        manual_seed(1);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        using var scope = NewDisposeScope();

        var z = randn(N, spec.LatentSize);
        var labels = conditional ? ModelSpecs.Labels(N, spec.Classes) : null;
        var fake = g.call(z, labels);
        Assert.Equal([N, .. FamilyCatalog.SampleShape(spec)], fake.shape);
        AssertInRange(fake, FamilyCatalog.OutputRange(model));

        var scores = d.call(ModelSpecs.Pack(fake, packing), labels?.reshape(N / packing, packing));
        Assert.Equal(new long[] { N / packing }, scores.shape);
        Assert.True(isfinite(scores).all().item<bool>());

        scores.sum().backward();
        foreach (var (name, parameter) in g.named_parameters())
        {
            Assert.True(parameter.grad is not null, $"{name} got no gradient");
            Assert.True(isfinite(parameter.grad!).all().item<bool>(), $"{name} has a non-finite gradient");
        }

        // Some gradient must be nonzero: a graph cut between D and G would leave them all at zero.
        Assert.Contains(g.parameters(), p => p.grad!.abs().max().item<float>() > 0);
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Generator_output_keeps_its_range_even_when_the_weights_are_scaled_up(ModelKind model, int imageSize)
    {
        // At initialization every output is small, so a missing squashing function would go unnoticed;
        // scaled weights push the pre-activations far out, where only sigmoid/tanh keep the range.
        var spec = ModelSpecs.For(model, imageSize);
        manual_seed(2);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using (no_grad())
        {
            foreach (var p in g.parameters())
            {
                p.mul_(KeptScalars.OfInteger(50));
            }
        }

        using var scope = NewDisposeScope();
        var fake = g.call(randn(N, spec.LatentSize), null);
        AssertInRange(fake, FamilyCatalog.OutputRange(model));
        if (FamilyCatalog.OutputRange(model) == SampleRange.Unbounded)
        {
            // The toy generator's output is linear: nothing clips it to [-1, 1].
            Assert.True(fake.abs().max().item<float>() > 1);
        }
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Conditional_networks_respond_to_the_label(ModelKind model, int imageSize)
    {
        const int packing = 2;
        var spec = ModelSpecs.For(model, imageSize, conditional: true, packing: packing);
        manual_seed(3);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        g.eval();
        d.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var z = randn(N, spec.LatentSize);
        var first = zeros(N, dtype: ScalarType.Int64);
        var second = ones(N, dtype: ScalarType.Int64);
        Assert.False(g.call(z, first).allclose(g.call(z, second)), "G ignores its label");

        var x = ModelSpecs.Pack(g.call(z, first), packing);
        var packedFirst = zeros(N / packing, packing, dtype: ScalarType.Int64);

        // Only the second sample of each packed group changes its label: D must see every packed label.
        var secondChanged = stack(new[] { zeros(N / packing, dtype: ScalarType.Int64), ones(N / packing, dtype: ScalarType.Int64) }, 1);
        Assert.False(d.call(x, packedFirst).allclose(d.call(x, secondChanged)), "D ignores the packed labels");
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Networks_reject_labels_that_do_not_match_the_contract(ModelKind model, int imageSize)
    {
        var conditional = ModelSpecs.For(model, imageSize, conditional: true, packing: 2);
        var unconditional = ModelSpecs.For(model, imageSize);
        manual_seed(4);
        using var cg = FamilyCatalog.CreateGenerator(conditional);
        using var cd = FamilyCatalog.CreateDiscriminator(conditional);
        using var ug = FamilyCatalog.CreateGenerator(unconditional);
        using var scope = NewDisposeScope();
        var z = randn(N, conditional.LatentSize);
        var labels = ModelSpecs.Labels(N, conditional.Classes);
        var x = ModelSpecs.Pack(ug.call(z, null), 2);

        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => cg.call(z, null)).Message);
        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => cg.call(z, labels.to(ScalarType.Int32))).Message);
        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => ug.call(z, labels)).Message);

        // D's labels are [B, m]: the flat [N] labels of the unpacked batch are a caller bug.
        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => cd.call(x, labels)).Message);
        Assert.StartsWith("z:", Assert.Throws<ArgumentException>(() => ug.call(randn(N, conditional.LatentSize + 1), null)).Message);
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Discriminator_rejects_input_packed_for_another_factor(ModelKind model, int imageSize)
    {
        var spec = ModelSpecs.For(model, imageSize, packing: 2);
        manual_seed(5);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        using var scope = NewDisposeScope();
        var unpacked = g.call(randn(N, spec.LatentSize), null);
        Assert.StartsWith("x:", Assert.Throws<ArgumentException>(() => d.call(unpacked, null)).Message);
    }

    private static void AssertInRange(Tensor samples, SampleRange range)
    {
        Assert.True(isfinite(samples).all().item<bool>());
        var min = samples.min().item<float>();
        var max = samples.max().item<float>();
        switch (range)
        {
            case SampleRange.UnitInterval:
                Assert.InRange(min, 0f, 1f);
                Assert.InRange(max, 0f, 1f);
                break;
            case SampleRange.Symmetric:
                Assert.InRange(min, -1f, 1f);
                Assert.InRange(max, -1f, 1f);
                break;
        }
    }
}
