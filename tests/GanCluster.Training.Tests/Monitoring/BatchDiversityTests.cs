using GanCluster.Training.Monitoring;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Monitoring;

public sealed class BatchDiversityTests
{
    [Fact]
    public void Mean_pairwise_distance_of_three_points_is_the_mean_of_their_distances()
    {
        // (0,0), (3,0), (0,4): distances 3, 4, 5.
        using var points = tensor(new float[] { 0, 0, 3, 0, 0, 4 }).view(3, 2);

        Assert.Equal(4.0, BatchDiversity.MeanPairwiseDistance(points), 5);
    }

    [Fact]
    public void A_collapsed_fake_batch_has_ratio_zero_and_a_copy_of_the_real_batch_ratio_one()
    {
        using var real = randn(new long[] { 16, 1, 4, 4 }, generator: new Generator(3));
        using var collapsed = real[0].unsqueeze(0).expand(16, 1, 4, 4).contiguous();

        Assert.Equal(0.0, BatchDiversity.Measure(collapsed, real).Ratio, 6);
        Assert.Equal(1.0, BatchDiversity.Measure(real.clone(), real).Ratio, 6);
    }
}
