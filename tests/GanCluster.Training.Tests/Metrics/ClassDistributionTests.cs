using GanCluster.Training.Metrics;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Metrics;

public sealed class ClassDistributionTests
{
    [Fact]
    public void A_balanced_distribution_has_no_divergence_from_uniform()
    {
        var d = ClassDistribution.FromCounts([5, 5, 5, 5]);

        Assert.Equal(0.0, d.KlToUniform, 12);
        Assert.Equal(0.25, d.MinShare);
        Assert.Equal([0.25, 0.25, 0.25, 0.25], d.Shares);
    }

    [Fact]
    public void Everything_in_one_class_gives_log_K()
    {
        var d = ClassDistribution.FromCounts([0, 10, 0]);

        Assert.Equal(Math.Log(3), d.KlToUniform, 12);
        Assert.Equal(0.0, d.MinShare);
    }

    [Fact]
    public void Three_to_one_by_hand()
    {
        // p = (0.75, 0.25) against (0.5, 0.5): 0.75 log 1.5 + 0.25 log 0.5.
        var d = ClassDistribution.FromCounts([3, 1]);

        Assert.Equal((0.75 * Math.Log(1.5)) + (0.25 * Math.Log(0.5)), d.KlToUniform, 12);
        Assert.Equal(0.25, d.MinShare);
    }

    [Fact]
    public void Predictions_are_counted_per_class_including_empty_ones()
    {
        using var predicted = tensor(new long[] { 0, 0, 1, 3 });

        var d = ClassDistribution.FromPredictions(predicted, 4);

        Assert.Equal([2L, 1, 0, 1], d.Counts);
        Assert.Equal(0.0, d.MinShare);
    }

    [Fact]
    public void No_samples_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ClassDistribution.FromCounts([0, 0]));
    }
}
