using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Tests.Core;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Families;

public sealed class ToyFamilyTests
{
    [Fact]
    public void Uniform_noise_is_one_draw_of_the_current_stream_mapped_to_minus_one_to_one()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1) with { LatentSize = 16, Toy = new ToyModelSpec { Noise = LatentNoise.Uniform } };
        var family = new ToyFamily();

        manual_seed(3);
        var input = family.DrawInput(spec, 4000, CPU);
        manual_seed(3);
        using var unit = rand(4000, 16);

        using (input.Z)
        {
            Assert.Equal(LatentNoise.Uniform, family.Noise(spec));
            Assert.True(input.Z.eq(unit * 2 - 1).all().item<bool>());
            Assert.True(input.Z.min().item<float>() >= -1 && input.Z.max().item<float>() <= 1);
            // Var U(-1, 1) = 1/3, far from N(0, 1)'s 1.
            Assert.InRange(input.Z.var().item<float>(), 0.32, 0.35);
        }
    }

    [Fact]
    public void The_sample_grid_reads_fixed_noise_of_the_same_distribution()
    {
        // The half draws its fixed batch from stream 3 of the seed; with uniform noise it is G of 64 points of U(-1, 1).
        var spec = TinyData.Toy(LossKind.NonSaturating, 1) with { Toy = new ToyModelSpec { Noise = LatentNoise.Uniform } };
        using var half = new GeneratorHalf(spec, CPU);
        using var rng = new RngStream(RngStream.Derive(spec.Seed, 3));
        using var z = rng.Run(() => GanFamily.DrawNoise(LatentNoise.Uniform, GeneratorHalf.FixedNoiseCount, spec.LatentSize));

        var (images, _) = half.SampleFixed();
        using (images)
        using (no_grad())
        {
            half.Network.eval();
            using var expected = half.Network.call(z, null);
            Assert.True(images.eq(expected).all().item<bool>());
        }
    }

    [Fact]
    public void Normal_noise_stays_the_default_draw()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);
        var family = new ToyFamily();

        manual_seed(3);
        var input = family.DrawInput(spec, 64, CPU);
        manual_seed(3);
        using var expected = randn(64, spec.LatentSize);

        using (input.Z)
        {
            Assert.Equal(LatentNoise.Normal, family.Noise(spec));
            Assert.True(input.Z.eq(expected).all().item<bool>());
        }
    }
}
