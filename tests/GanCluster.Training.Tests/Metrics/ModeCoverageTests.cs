using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Metrics;

public sealed class ModeCoverageTests
{
    private static readonly GaussianMixture2D Ring = GaussianMixture2D.Ring(8, 2.0, 0.02);

    /// <summary>perMode[m] points on mode m, each offset by (offset, 0) from its centre.</summary>
    private static Tensor PointsOn(int[] perMode, double offset)
    {
        var means = Ring.MeanArray;
        var xy = new List<float>();
        for (var m = 0; m < perMode.Length; m++)
        {
            for (var i = 0; i < perMode[m]; i++)
            {
                xy.Add(means[m, 0] + (float)offset);
                xy.Add(means[m, 1]);
            }
        }

        return tensor(xy.ToArray()).view(-1, 2);
    }

    [Fact]
    public void A_perfect_generator_captures_every_mode_with_zero_KL()
    {
        using var points = PointsOn([10, 10, 10, 10, 10, 10, 10, 10], 0.01);

        var result = ModeCoverage.Evaluate(points, Ring);

        Assert.Equal(new ModeCoverageResult(8, 8, 1.0, 0.0, 8), result with { KlToUniform = Math.Round(result.KlToUniform, 12) });
    }

    [Fact]
    public void A_generator_collapsed_on_two_modes_captures_two_with_KL_log_4()
    {
        using var points = PointsOn([30, 0, 0, 0, 30, 0, 0, 0], 0.0);

        var result = ModeCoverage.Evaluate(points, Ring);

        Assert.Equal(2, result.ModesCaptured);
        Assert.Equal(1.0, result.HighQualityFraction);
        Assert.Equal(Math.Log(4), result.KlToUniform, 10); // p = 1/2 on 2 of 8 modes: 2 * 1/2 log(1/2 * 8)
    }

    [Fact]
    public void A_generator_on_one_mode_has_KL_log_M()
    {
        using var points = PointsOn([0, 0, 0, 5, 0, 0, 0, 0], 0.0);
        var result = ModeCoverage.Evaluate(points, Ring);
        Assert.Equal(1, result.ModesCaptured);
        Assert.Equal(Math.Log(8), result.KlToUniform, 10);
    }

    [Fact]
    public void High_quality_means_within_three_standard_deviations()
    {
        using var near = PointsOn([1, 1, 1, 1, 1, 1, 1, 1], 2.9 * 0.02);
        using var far = PointsOn([1, 1, 1, 1, 1, 1, 1, 1], 3.1 * 0.02);

        Assert.Equal(1.0, ModeCoverage.Evaluate(near, Ring).HighQualityFraction);
        var farResult = ModeCoverage.Evaluate(far, Ring);
        Assert.Equal(0.0, farResult.HighQualityFraction);
        Assert.Equal(0, farResult.ModesCaptured);
        Assert.Equal(Math.Log(8), farResult.KlToUniform, 10); // no high-quality sample: reported as total collapse
    }

    [Fact]
    public void Samples_of_the_mixture_itself_score_as_the_Gaussian_predicts()
    {
        // In 2-D, P(||noise|| <= 3 std) = 1 - exp(-9 / 2) = 0.98889; with 4,000 samples its standard error is 0.0017.
        var grid = GaussianMixture2D.Grid(5, 2.0, 0.05);
        using var data = grid.Sample(4_000, 17);

        var result = ModeCoverage.Evaluate(data.Samples, grid);

        Assert.Equal(25, result.ModesCaptured);
        Assert.Equal(1 - Math.Exp(-4.5), result.HighQualityFraction, 0.008);
        Assert.InRange(result.KlToUniform, 0, 0.02); // multinomial noise: about (M - 1) / (2 n) = 0.003
    }
}
