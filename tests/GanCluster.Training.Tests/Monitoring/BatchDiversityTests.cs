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

    [Fact]
    public void Coarser_fake_images_are_compared_with_the_real_images_averaged_to_their_size()
    {
        // A LAPGAN level's 7x7 images against 28x28 digits: the real batch's block means, so a generator that returned
        // exactly the real images at that scale measures ratio 1; other shapes (codes, points) are compared as they are.
        using var scope = NewDisposeScope();
        var real = rand(new long[] { 8, 1, 28, 28 }, generator: new Generator(5));
        var coarse = real.reshape(8, 1, 7, 4, 7, 4).mean(new long[] { 3, 5 });

        Assert.Equal(1.0, BatchDiversity.Measure(coarse, real).Ratio, 5);
        Assert.Equal(BatchDiversity.MeanPairwiseDistance(coarse), BatchDiversity.Measure(coarse, real).Real, 5);
        Assert.Same(real, BatchDiversity.AtScaleOf(real, rand(8, 1, 8, 8)));
        Assert.Same(real, BatchDiversity.AtScaleOf(real, rand(8, 2)));
    }
}
