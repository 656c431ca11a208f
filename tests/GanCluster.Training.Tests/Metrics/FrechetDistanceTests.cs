using GanCluster.Training.Metrics;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Metrics;

public sealed class FrechetDistanceTests
{
    [Fact]
    public void Identical_Gaussians_are_at_distance_zero()
    {
        using var mu = tensor(new double[] { 1, -2, 3 });
        using var sigma = tensor(new double[,] { { 2, 0.5, 0 }, { 0.5, 1, 0.25 }, { 0, 0.25, 3 } });

        Assert.Equal(0.0, FrechetDistance.Compute(mu, sigma, mu, sigma), 9);
    }

    [Fact]
    public void One_dimensional_Gaussians_by_hand()
    {
        // N(0, 1) and N(3, 4): (0 - 3)^2 + 1 + 4 - 2 sqrt(1 * 4) = 10.
        using var mu1 = tensor(new double[] { 0 });
        using var s1 = tensor(new double[,] { { 1 } });
        using var mu2 = tensor(new double[] { 3 });
        using var s2 = tensor(new double[,] { { 4 } });

        Assert.Equal(10.0, FrechetDistance.Compute(mu1, s1, mu2, s2), 9);
    }

    [Fact]
    public void Diagonal_Gaussians_by_hand()
    {
        // ||(0,0) - (1,2)||^2 = 5; tr S1 = 5, tr S2 = 13; tr sqrt(S1 S2) = sqrt(4) + sqrt(36) = 8: 5 + 5 + 13 - 16 = 7.
        using var mu1 = tensor(new double[] { 0, 0 });
        using var s1 = tensor(new double[,] { { 1, 0 }, { 0, 4 } });
        using var mu2 = tensor(new double[] { 1, 2 });
        using var s2 = tensor(new double[,] { { 4, 0 }, { 0, 9 } });

        Assert.Equal(7.0, FrechetDistance.Compute(mu1, s1, mu2, s2), 9);
    }

    [Fact]
    public void A_correlated_covariance_against_the_identity_by_hand()
    {
        // S1 = [[2, 1], [1, 2]] has eigenvalues 3 and 1, so tr sqrt(S1 I) = sqrt(3) + 1; tr S1 + tr I = 6.
        using var mu = tensor(new double[] { 0, 0 });
        using var s1 = tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        using var s2 = eye(2, dtype: float64);

        Assert.Equal(6 - (2 * (Math.Sqrt(3) + 1)), FrechetDistance.Compute(mu, s1, mu, s2), 9);
    }

    [Fact]
    public void The_distance_is_symmetric()
    {
        using var mu1 = tensor(new double[] { 0.5, 1 });
        using var s1 = tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        using var mu2 = tensor(new double[] { -1, 0 });
        using var s2 = tensor(new double[,] { { 1, -0.3 }, { -0.3, 0.5 } });

        Assert.Equal(FrechetDistance.Compute(mu1, s1, mu2, s2), FrechetDistance.Compute(mu2, s2, mu1, s1), 9);
    }

    [Fact]
    public void The_square_root_of_a_matrix_squares_back_to_it()
    {
        using var m = tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        using var root = FrechetDistance.SquareRoot(m);
        using var back = root.matmul(root);

        Assert.True(back.allclose(m, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void Statistics_of_four_corner_points_by_hand()
    {
        // Corners of a square of side 2: mean (1, 1); each coordinate has squared deviations 1, 1, 1, 1, so the
        // unbiased variance is 4 / 3; the coordinates are uncorrelated.
        using var features = tensor(new float[,] { { 0, 0 }, { 2, 0 }, { 0, 2 }, { 2, 2 } });
        using var stats = GaussianStats.FromFeatures(features);

        Assert.Equal(4, stats.Count);
        Assert.Equal([1.0, 1.0], stats.Mean.data<double>().ToArray());
        var covariance = stats.Covariance.data<double>().ToArray();
        foreach (var (expected, actual) in new[] { 4.0 / 3, 0, 0, 4.0 / 3 }.Zip(covariance))
        {
            Assert.Equal(expected, actual, 12);
        }
    }

    [Fact]
    public void Mismatched_shapes_are_rejected()
    {
        using var mu1 = zeros(2, dtype: float64);
        using var mu2 = zeros(3, dtype: float64);
        using var s = eye(2, dtype: float64);

        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(mu1, s, mu2, s));
    }
}
