using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

public sealed class GaussianMixture2DTests
{
    [Fact]
    public void Ring_modes_lie_evenly_on_the_circle()
    {
        var ring = GaussianMixture2D.Ring(8, 2.0, 0.02);
        var means = ring.MeanArray;

        Assert.Equal(8, ring.Modes);
        Assert.Equal(2.0, means[0, 0], 6);
        Assert.Equal(0.0, means[0, 1], 6);
        Assert.Equal(Math.Sqrt(2), means[1, 0], 5);
        Assert.Equal(Math.Sqrt(2), means[1, 1], 5);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(2.0, Math.Sqrt((means[i, 0] * means[i, 0]) + (means[i, 1] * means[i, 1])), 5);
        }
    }

    [Fact]
    public void Grid_modes_are_centred_at_the_origin_with_the_given_spacing()
    {
        var grid = GaussianMixture2D.Grid(5, 1.5, 0.05);
        var means = grid.MeanArray;

        Assert.Equal(25, grid.Modes);
        var coordinates = Enumerable.Range(0, 25).SelectMany(m => new[] { means[m, 0], means[m, 1] }).Distinct().Order().ToArray();
        Assert.Equal([-3f, -1.5f, 0f, 1.5f, 3f], coordinates);
        Assert.Equal((-3f, -3f), (means[0, 0], means[0, 1]));
        Assert.Equal((3f, 3f), (means[24, 0], means[24, 1]));
        using var tensorMeans = grid.Means;
        Assert.Equal([25L, 2], tensorMeans.shape);
    }

    [Fact]
    public void Sampling_is_deterministic_in_the_seed_and_leaves_the_global_generator_alone()
    {
        var ring = GaussianMixture2D.Ring(8, 2.0, 0.02);
        manual_seed(42);
        using var expected = rand(3);
        manual_seed(42);
        using var a = ring.Sample(50, 9);
        using var afterSampling = rand(3);
        using var b = ring.Sample(50, 9);
        using var c = ring.Sample(50, 10);

        Assert.True(Tensors.Same(afterSampling, expected), "sampling must not draw from torch's global generator");
        Assert.True(Tensors.Same(a.Samples, b.Samples));
        Assert.True(Tensors.Same(a.Labels, b.Labels));
        Assert.False(Tensors.Same(a.Samples, c.Samples));
    }

    [Fact]
    public void Samples_scatter_around_their_labelled_mode_with_the_given_std()
    {
        var grid = GaussianMixture2D.Grid(5, 2.0, 0.1);
        using var scope = NewDisposeScope();
        using var data = grid.Sample(20_000, 1);
        var offsets = data.Samples - grid.Means.index_select(0, data.Labels);

        // 40,000 coordinates: the sample std has relative standard error 1/sqrt(2 * 40000) = 0.35 %, so 2 % is > 5 sigma.
        Assert.Equal(0.1, offsets.std().item<float>(), 0.002);
        Assert.Equal(0.0, offsets.mean().item<float>(), 0.002);

        // Uniform components: each of 25 expects 800 +- 28; 650..950 is more than 5 sigma.
        var counts = data.Labels.bincount(null, 25).data<long>().ToArray();
        Assert.All(counts, c => Assert.InRange(c, 650, 950));
    }

    [Fact]
    public void A_non_positive_std_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianMixture2D.Ring(8, 2.0, 0));
    }
}
