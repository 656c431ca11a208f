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

    [Fact]
    public void A_mode_is_well_covered_with_at_least_a_fifth_of_its_share_of_all_samples()
    {
        // 80 points on modes and 20 at the centre (2 from every mode, not high quality): N = 100, share N / M = 12.5,
        // a fifth of it 2.5, so the modes with 40, 20, 10 and 5 points count and those with 2, 2, 1 and 0 do not.
        // Against the 80 high-quality points instead (threshold 2) the two modes with 2 points would count as well.
        using var onModes = PointsOn([40, 20, 10, 5, 2, 2, 1, 0], 0.0);
        using var centre = zeros(20, 2);
        using var points = cat(new[] { onModes, centre }, 0);

        var result = ModeCoverage.Evaluate(points, Ring);

        Assert.Equal(7, result.ModesCaptured);
        Assert.Equal(4, result.ModesWellCovered);
        Assert.Equal(0.8, result.HighQualityFraction, 12);
    }

    [Fact]
    public void A_mode_with_exactly_a_fifth_of_its_share_is_well_covered()
    {
        // N = 40, share 5, a fifth of it exactly 1: every mode with one point counts.
        using var points = PointsOn([33, 1, 1, 1, 1, 1, 1, 1], 0.0);

        Assert.Equal(8, ModeCoverage.Evaluate(points, Ring).ModesWellCovered);
    }
}
