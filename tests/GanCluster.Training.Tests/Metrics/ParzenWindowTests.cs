using GanCluster.Training.Metrics;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Metrics;

public sealed class ParzenWindowTests
{
    [Fact]
    public void One_sample_and_one_point_give_the_Gaussian_log_density_by_hand()
    {
        // x = (1, 2), s = (0, 0), sigma = 0.5, D = 2: -||x - s||^2 / (2 sigma^2) - log 1 - log(2 pi sigma^2) = -10 - log(pi / 2).
        using var samples = tensor(new float[,] { { 0, 0 } });
        using var point = tensor(new float[,] { { 1, 2 } });

        var result = ParzenWindow.Evaluate(samples, point, 0.5);

        Assert.Equal(-10 - Math.Log(Math.PI / 2), result.MeanLogLikelihood, 5);
        Assert.Equal(0.0, result.StandardError);
        Assert.Equal(0.5, result.Sigma);
    }

    [Fact]
    public void Two_samples_and_two_points_by_hand()
    {
        using var samples = tensor(new float[,] { { 0, 0 }, { 3, 0 } });
        using var points = tensor(new float[,] { { 1, 0 }, { 3, 1 } });

        var values = ParzenWindow.LogLikelihoods(samples, points, [1.0])[0];

        static double LogSumExp(double a, double b) => Math.Max(a, b) + Math.Log(Math.Exp(a - Math.Max(a, b)) + Math.Exp(b - Math.Max(a, b)));
        var constant = Math.Log(2) + Math.Log(2 * Math.PI);
        Assert.Equal(LogSumExp(-0.5, -2.0) - constant, values[0], 5);
        Assert.Equal(LogSumExp(-5.0, -0.5) - constant, values[1], 5);
        var result = ParzenWindow.Evaluate(samples, points, 1.0);
        Assert.Equal((values[0] + values[1]) / 2, result.MeanLogLikelihood, 10);
        Assert.Equal(Math.Abs(values[0] - values[1]) / 2 / Math.Sqrt(2), result.StandardError, 10); // population std of two values is half their gap
    }

    [Fact]
    public void Many_samples_from_a_standard_normal_recover_its_log_density()
    {
        // S = 20,000 samples of N(0, I) in 2-D, sigma = 0.19 (Silverman's rule, S^(-1/6)). The window's expected density is
        // N(0, (1 + sigma^2) I): its smoothing bias in mean log-density is log(1 + s^2) + 1/(1 + s^2) - 1 = -0.0006;
        // the variance bias is about -0.003 (see the report). Compared point by point with the true density, the
        // differences are small and mostly shared, so 0.03 is many standard errors wide yet would catch a wrong
        // constant (log S, D/2 log 2 pi sigma^2 are each >= 1) or a wrong factor in the exponent.
        using var scope = NewDisposeScope();
        using var generator = new Generator(2024);
        var samples = randn(new long[] { 20_000, 2 }, generator: generator);
        var test = randn(new long[] { 2_000, 2 }, generator: generator);

        var result = ParzenWindow.Evaluate(samples, test, 0.19);
        var truth = (-Math.Log(2 * Math.PI)) - (test.square().sum(1).mean().item<float>() / 2);

        Assert.Equal(truth, result.MeanLogLikelihood, 0.03);

        // Against the analytic expectation -log(2 pi) - 1 the test set's own sampling error adds in:
        // std of log N(x) is 1 (half a chi-square with 2 degrees of freedom), so the standard error is about 0.022.
        Assert.Equal(1 / Math.Sqrt(2_000), result.StandardError, 0.005);
        Assert.Equal(-Math.Log(2 * Math.PI) - 1, result.MeanLogLikelihood, (4 * result.StandardError) + 0.03);
    }

    [Fact]
    public void Bandwidth_selection_prefers_a_sensible_sigma_over_extremes()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var samples = randn(new long[] { 2_000, 2 }, generator: generator);
        var validation = randn(new long[] { 500, 2 }, generator: generator);

        Assert.Equal(0.3, ParzenWindow.SelectBandwidth(samples, validation, [0.003, 0.3, 10.0]));
    }

    [Fact]
    public void The_default_grid_is_numpy_logspace_minus_1_to_0_with_10_points()
    {
        var grid = ParzenWindow.DefaultGrid;
        Assert.Equal(10, grid.Length);
        Assert.Equal(0.1, grid[0], 12);
        Assert.Equal(1.0, grid[^1], 12);
        Assert.Equal(Math.Pow(10, -1 + (1 / 9.0)), grid[1], 12);
    }

    [Fact]
    public void Matmul_distances_match_a_direct_float64_computation_on_digit_sized_vectors()
    {
        // 784-D vectors in [0, 1] as for MNIST: the expansion ||x||^2 + ||s||^2 - 2 x.s must not lose precision.
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var samples = rand(new long[] { 60, 1, 28, 28 }, generator: generator);
        var points = rand(new long[] { 25, 1, 28, 28 }, generator: generator);
        double[] sigmas = [0.1, 0.3];

        var values = ParzenWindow.LogLikelihoods(samples, points, sigmas, chunk: 7);

        var s = samples.flatten(1).to(float64);
        var x = points.flatten(1).to(float64);
        var d2 = (x.unsqueeze(1) - s.unsqueeze(0)).square().sum(2);
        for (var k = 0; k < sigmas.Length; k++)
        {
            var sigma = sigmas[k];
            var expected = (d2 / (-2 * sigma * sigma)).logsumexp(1) - Math.Log(60) - (784 / 2.0 * Math.Log(2 * Math.PI * sigma * sigma));
            var direct = expected.data<double>().ToArray();
            for (var i = 0; i < direct.Length; i++)
            {
                // Values are around -6,000 at sigma 0.1; float32 products leave an error far below 0.01.
                Assert.Equal(direct[i], values[k][i], 0.01);
            }
        }
    }

    [Fact]
    public void Mismatched_dimensions_and_bad_bandwidths_are_rejected()
    {
        using var samples = zeros(3, 4);
        using var points = zeros(2, 5);
        using var good = zeros(2, 4);
        Assert.Throws<ArgumentException>(() => ParzenWindow.Evaluate(samples, points, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParzenWindow.Evaluate(samples, good, 0));
    }
}
