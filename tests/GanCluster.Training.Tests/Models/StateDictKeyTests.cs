using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>
/// State-dict keys are a file format: checkpoints store weights by these names. A change here breaks every
/// saved checkpoint and must be deliberate.
/// </summary>
public sealed class StateDictKeyTests
{
    [Fact]
    public void Mlp_keys_name_the_paper_layers()
    {
        var spec = ModelSpecs.For(ModelKind.Mlp);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"], g.state_dict().Keys);
        Assert.Equal(
            ["maxout1.linear.weight", "maxout1.linear.bias", "maxout2.linear.weight", "maxout2.linear.bias", "output.weight", "output.bias"],
            d.state_dict().Keys);
    }

    [Fact]
    public void Dcgan_64_keys_match_the_pytorch_examples_networks()
    {
        var spec = ModelSpecs.For(ModelKind.Dcgan, 64);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        var gKeys = g.state_dict().Keys.ToHashSet();
        var dKeys = d.state_dict().Keys.ToHashSet();

        // netG: ConvT at 0, 3, 6, 9, 12 and BatchNorm at 1, 4, 7, 10; netD: Conv at 0, 2, 5, 8, 11 and BatchNorm at 3, 6, 9.
        Assert.Superset(
            new HashSet<string> { "main.0.weight", "main.1.weight", "main.1.bias", "main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked", "main.12.weight" },
            gKeys);
        Assert.Superset(new HashSet<string> { "main.0.weight", "main.2.weight", "main.3.weight", "main.3.running_var", "main.11.weight" }, dKeys);
        Assert.Equal(5 + (4 * 5), gKeys.Count);
        Assert.Equal(5 + (3 * 5), dKeys.Count);
    }

    [Fact]
    public void Toy_keys_are_the_sequential_linear_layers()
    {
        var spec = ModelSpecs.For(ModelKind.Toy);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        string[] expected = ["main.0.weight", "main.0.bias", "main.2.weight", "main.2.bias", "main.4.weight", "main.4.bias"];
        Assert.Equal(expected, g.state_dict().Keys);
        Assert.Equal(expected, d.state_dict().Keys);
    }

    [Fact]
    public void Deeper_toy_networks_add_linear_layers_at_even_indices()
    {
        var spec = ModelSpecs.For(ModelKind.Toy) with { Toy = new ToyModelSpec { GeneratorDepth = 3, GeneratorWidth = 7, DiscriminatorDepth = 1, DiscriminatorWidth = 5 } };
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);

        Assert.Equal(["main.0.weight", "main.0.bias", "main.2.weight", "main.2.bias", "main.4.weight", "main.4.bias", "main.6.weight", "main.6.bias"], g.state_dict().Keys);
        Assert.Equal(new long[] { 7, spec.LatentSize }, g.state_dict()["main.0.weight"].shape);
        Assert.Equal(["main.0.weight", "main.0.bias", "main.2.weight", "main.2.bias"], d.state_dict().Keys);
        Assert.Equal(new long[] { 5, 2 }, d.state_dict()["main.0.weight"].shape);
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Keys_do_not_depend_on_conditioning_or_packing(ModelKind model, int imageSize)
    {
        using var plainG = FamilyCatalog.CreateGenerator(ModelSpecs.For(model, imageSize));
        using var plainD = FamilyCatalog.CreateDiscriminator(ModelSpecs.For(model, imageSize));
        using var packedG = FamilyCatalog.CreateGenerator(ModelSpecs.For(model, imageSize, conditional: true, packing: 3));
        using var packedD = FamilyCatalog.CreateDiscriminator(ModelSpecs.For(model, imageSize, conditional: true, packing: 3));
        Assert.Equal(plainG.state_dict().Keys, packedG.state_dict().Keys);
        Assert.Equal(plainD.state_dict().Keys, packedD.state_dict().Keys);
    }

    public static TheoryData<ModelKind, int> AllFamilies() => ModelSpecs.AllFamilies();
}
