using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>Initialization follows the papers and depends only on torch's global generator.</summary>
public sealed class ModelInitTests
{
    public static TheoryData<ModelKind, int> AllFamilies() => ModelSpecs.AllFamilies();

    [Theory]
    [InlineData(28)]
    [InlineData(64)]
    public void Dcgan_convolutions_start_normal_with_std_0_02_and_batchnorm_near_one(int imageSize)
    {
        var spec = ModelSpecs.For(ModelKind.Dcgan, imageSize);
        manual_seed(10);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        var convolutions = 0;
        var norms = 0;
        foreach (var (name, module) in g.named_modules().Concat(d.named_modules()))
        {
            switch (module)
            {
                case TorchSharp.Modules.Conv2d or TorchSharp.Modules.ConvTranspose2d or OneOutputConv2d:
                    var weight = module.named_parameters().Single(p => p.name == "weight").parameter;
                    Assert.DoesNotContain(module.named_parameters(), p => p.name == "bias");
                    if (weight.numel() >= 10_000)
                    {
                        // The standard error of the sample std of n normals is std / sqrt(2n): < 1.5e-4 here.
                        Assert.InRange(weight.std().item<float>(), 0.019, 0.021);
                        Assert.InRange(weight.mean().item<float>(), -0.001, 0.001);
                    }

                    convolutions++;
                    break;
                case TorchSharp.Modules.BatchNorm norm:
                    Assert.InRange(norm.weight!.mean().item<float>(), 0.99, 1.01);
                    Assert.InRange(norm.weight!.std().item<float>(), 0.01, 0.03);
                    Assert.Equal(0f, norm.bias!.abs().max().item<float>());
                    norms++;
                    break;
                case TorchSharp.Modules.Linear:
                    Assert.Fail($"{name}: DCGAN has no linear layers");
                    break;
            }
        }

        // 64x64: G 5 transposed convolutions + 4 BatchNorms, D 5 convolutions + 3 BatchNorms; 28x28: 3 + 2 and 3 + 1.
        Assert.Equal(imageSize == 64 ? (10, 7) : (6, 3), (convolutions, norms));
    }

    [Fact]
    public void Mlp_weights_start_uniform_in_the_pylearn2_ranges_with_zero_biases()
    {
        var spec = ModelSpecs.For(ModelKind.Mlp);
        manual_seed(11);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        AssertUniform(g, MlpGenerator.DefaultInitRange);
        AssertUniform(d, MlpDiscriminator.DefaultInitRange);

        static void AssertUniform(nn.Module network, double range)
        {
            foreach (var (name, p) in network.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    Assert.Equal(0f, p.abs().max().item<float>());
                    continue;
                }

                // U(-r, r) has std r / sqrt(3); every tensor here has at least 240 values.
                Assert.InRange(p.abs().max().item<float>(), 0.9 * range, range);
                Assert.InRange(p.std().item<float>(), 0.8 * range / Math.Sqrt(3), 1.2 * range / Math.Sqrt(3));
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void The_same_global_seed_creates_identical_networks_and_another_seed_different_ones(ModelKind model, int imageSize)
    {
        var spec = ModelSpecs.For(model, imageSize, conditional: true, packing: 2);
        var first = Create(spec, 42);
        var again = Create(spec, 42);
        var other = Create(spec, 43);
        Assert.Equal(first.Keys, again.Keys);
        foreach (var key in first.Keys)
        {
            Assert.True(ModelSpecs.Identical(first[key], again[key]), $"{key} differs under the same seed");
        }

        // Different seeds must give different weights: otherwise the factory seeds by itself.
        Assert.Contains(first.Keys, key => !ModelSpecs.Identical(first[key], other[key]));
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Saved_weights_load_into_a_network_created_under_another_seed(ModelKind model, int imageSize)
    {
        var spec = ModelSpecs.For(model, imageSize, conditional: true, packing: 2);
        manual_seed(20);
        using var source = FamilyCatalog.CreateDiscriminator(spec);
        manual_seed(21);
        using var target = FamilyCatalog.CreateDiscriminator(spec);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            source.save(writer);
        }

        stream.Position = 0;
        using (var reader = new BinaryReader(stream))
        {
            target.load(reader);
        }

        var expected = source.state_dict();
        foreach (var (key, value) in target.state_dict())
        {
            Assert.True(ModelSpecs.Identical(value, expected[key]), $"{key} did not round-trip");
        }
    }

    private static Dictionary<string, Tensor> Create(ExperimentSpec spec, long seed)
    {
        manual_seed(seed);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        var all = ModelSpecs.Snapshot(g).ToDictionary(kv => "G." + kv.Key, kv => kv.Value);
        foreach (var (key, value) in ModelSpecs.Snapshot(d))
        {
            all["D." + key] = value;
        }

        return all;
    }
}
