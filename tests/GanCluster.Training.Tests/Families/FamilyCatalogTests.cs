using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Tests.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Families;

public sealed class FamilyCatalogTests
{
    public static TheoryData<string, ExperimentSpec, string> InvalidSpecs() => new()
    {
        { "mlp at 64", ModelSpecs.For(ModelKind.Mlp, 64), "imageSize: mlp supports only 28; got 64" },
        { "dcgan at 32", ModelSpecs.For(ModelKind.Dcgan, 32), "imageSize: dcgan supports 28 or 64; got 32" },
        { "toy on mnist", ModelSpecs.For(ModelKind.Toy) with { Dataset = DatasetKind.Mnist }, "dataset: toy supports ring8 or grid25; got mnist" },
        { "mlp on ring8", ModelSpecs.For(ModelKind.Mlp) with { Dataset = DatasetKind.Ring8 }, "dataset: mlp supports mnist or fashion-mnist; got ring8" },
        { "dcgan on grid25", ModelSpecs.For(ModelKind.Dcgan) with { Dataset = DatasetKind.Grid25 }, "dataset: dcgan supports mnist or fashion-mnist; got grid25" },
        { "packing 0", ModelSpecs.For(ModelKind.Toy, packing: 0), "packing: must be >= 1" },
        { "latent 0", ModelSpecs.For(ModelKind.Mlp) with { LatentSize = 0 }, "latentSize: must be >= 1; got 0" },
        { "unknown model", ModelSpecs.For(ModelKind.Mlp) with { Model = (ModelKind)42 }, "model: unknown model 42" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void Unsupported_combinations_are_rejected_naming_the_field(string description, ExperimentSpec spec, string expected)
    {
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => FamilyCatalog.CreateGenerator(spec)).Message);
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => FamilyCatalog.CreateDiscriminator(spec)).Message);
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => FamilyCatalog.SampleShape(spec)).Message);
        Assert.False(string.IsNullOrEmpty(description));
    }

    public static TheoryData<ExperimentSpec, string> FamilyErrors() => new()
    {
        { ModelSpecs.For(ModelKind.Mlp, 64), "imageSize: mlp supports only 28; got 64 (use model dcgan for 64)" },
        { ModelSpecs.For(ModelKind.Dcgan, 32), "imageSize: dcgan supports 28 or 64; got 32" },
        { ModelSpecs.For(ModelKind.Toy) with { Dataset = DatasetKind.Mnist }, "dataset: toy supports ring8 or grid25; got mnist (use model mlp or dcgan for images)" },
        { ModelSpecs.For(ModelKind.Mlp) with { Dataset = DatasetKind.Ring8 }, "dataset: mlp supports mnist or fashion-mnist; got ring8 (use model toy for 2-D points)" },
        { ModelSpecs.For(ModelKind.Gran) with { MinibatchStd = true }, "minibatchStd: is implemented for the mlp or dcgan model only; got model gran" },
        { ModelSpecs.For(ModelKind.Mlp) with { SpectralNorm = true }, "spectralNorm: is implemented for the discriminators of models dcgan or gran or vaegan only; got model mlp; remove spectralNorm" },
        { ModelSpecs.For(ModelKind.Mlp) with { Model = (ModelKind)42 }, "model: unknown model 42; allowed: mlp, dcgan, toy, infogan, ssgan, catgan, gran, vaegan, codec, lapgan" },
    };

    [Theory]
    [MemberData(nameof(FamilyErrors))]
    public void Spec_validation_and_network_creation_report_the_same_family_error(ExperimentSpec spec, string expected)
    {
        // One validation path: what an experiment file is refused with is what building its networks throws.
        Assert.Equal(expected, Assert.Throws<ArgumentException>(() => FamilyCatalog.CreateGenerator(spec)).Message);
        Assert.Contains(SpecValidator.Validate(spec), e => e.ToString() == expected);
    }

    [Fact]
    public void Every_model_kind_names_a_family()
    {
        foreach (var model in Enum.GetValues<ModelKind>())
        {
            Assert.NotNull(FamilyCatalog.Get(model));
        }
    }

    [Fact]
    public void Sample_shapes_are_one_channel_images_or_points()
    {
        Assert.Equal(new long[] { 1, 28, 28 }, FamilyCatalog.SampleShape(ModelSpecs.For(ModelKind.Mlp)));
        Assert.Equal(new long[] { 1, 28, 28 }, FamilyCatalog.SampleShape(ModelSpecs.For(ModelKind.Dcgan, 28) with { Dataset = DatasetKind.FashionMnist }));
        Assert.Equal(new long[] { 1, 64, 64 }, FamilyCatalog.SampleShape(ModelSpecs.For(ModelKind.Dcgan, 64)));
        Assert.Equal(new long[] { 2 }, FamilyCatalog.SampleShape(ModelSpecs.For(ModelKind.Toy) with { Dataset = DatasetKind.Grid25 }));
    }

    [Fact]
    public void Output_ranges_follow_the_output_nonlinearity()
    {
        Assert.Equal(SampleRange.UnitInterval, FamilyCatalog.OutputRange(ModelKind.Mlp));
        Assert.Equal(SampleRange.Symmetric, FamilyCatalog.OutputRange(ModelKind.Dcgan));
        Assert.Equal(SampleRange.Unbounded, FamilyCatalog.OutputRange(ModelKind.Toy));
        Assert.Throws<ArgumentException>(() => FamilyCatalog.OutputRange((ModelKind)42));
    }

    [Fact]
    public void Mlp_parameter_counts_match_the_paper_architecture()
    {
        using var g = FamilyCatalog.CreateGenerator(ModelSpecs.For(ModelKind.Mlp));
        using var d = FamilyCatalog.CreateDiscriminator(ModelSpecs.For(ModelKind.Mlp));
        Assert.Equal(Linear(100, 1200) + Linear(1200, 1200) + Linear(1200, 784), NetworkSummary.ParameterCount(g));
        Assert.Equal(Linear(784, 1200) + Linear(240, 1200) + Linear(240, 1), NetworkSummary.ParameterCount(d));

        // Conditional with packing 2: G sees z + one-hot, D sees two images and two one-hots.
        using var cg = FamilyCatalog.CreateGenerator(ModelSpecs.For(ModelKind.Mlp, conditional: true, packing: 2));
        using var cd = FamilyCatalog.CreateDiscriminator(ModelSpecs.For(ModelKind.Mlp, conditional: true, packing: 2));
        Assert.Equal(Linear(110, 1200) + Linear(1200, 1200) + Linear(1200, 784), NetworkSummary.ParameterCount(cg));
        Assert.Equal(Linear(2 * (784 + 10), 1200) + Linear(240, 1200) + Linear(240, 1), NetworkSummary.ParameterCount(cd));

        static long Linear(long inputs, long outputs) => (inputs * outputs) + outputs;
    }

    [Fact]
    public void Dcgan_64_with_three_channels_has_the_pytorch_examples_parameter_counts()
    {
        // The pytorch DCGAN example/tutorial (nz 100, ngf = ndf = 64, nc 3) reports 3,576,704 and 2,765,568.
        using var g = new DcganGenerator(latentSize: 100, imageSize: 64, channels: 3);
        using var d = new DcganDiscriminator(imageSize: 64, channels: 3);
        Assert.Equal(3_576_704, NetworkSummary.ParameterCount(g));
        Assert.Equal(2_765_568, NetworkSummary.ParameterCount(d));
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 2, 3, 64, 64 }, g.call(randn(2, 100), null).shape);
    }

    [Fact]
    public void Describe_names_the_network_its_size_and_its_parameters()
    {
        using var g = FamilyCatalog.CreateGenerator(ModelSpecs.For(ModelKind.Mlp));
        var text = NetworkSummary.Describe(g);
        Assert.StartsWith("MlpGenerator: 2,503,984 parameters; fc1.weight [1200, 100], fc1.bias [1200], fc2.weight [1200, 1200]", text);
        Assert.EndsWith("fc3.bias [784]", text);
    }
}
