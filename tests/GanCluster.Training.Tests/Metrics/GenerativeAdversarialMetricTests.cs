using System.Text.Json;
using GanCluster.Training.Metrics;
using GanCluster.Training.Runs;

namespace GanCluster.Training.Tests.Metrics;

/// <summary>GAM's pure math (Im et al. 2016, section 5): error rates of raw scores, the two ratios and the verdict.</summary>
public sealed class GenerativeAdversarialMetricTests
{
    [Fact]
    public void Errors_count_scores_on_the_wrong_side_of_the_boundary()
    {
        float[] scores = [-1f, 0f, 2f, -0.5f];
        // Real: below 0 (D(x) < 1/2) is wrong; generated: at or above 0 is wrong (a tie counts as "real").
        Assert.Equal(0.5, GenerativeAdversarialMetric.Error(scores, real: true));
        Assert.Equal(0.5, GenerativeAdversarialMetric.Error(scores, real: false));
        Assert.Equal(0.25, GenerativeAdversarialMetric.Error([-3f, -2f, -1f, 1f], real: false));
        Assert.Equal(0, GenerativeAdversarialMetric.Error([], real: true));
        Assert.StartsWith("scores:", Assert.Throws<ArgumentException>(() => GenerativeAdversarialMetric.Error([float.NaN], real: true)).Message, StringComparison.Ordinal);
    }

    [Theory]
    // test A, test B, sample A (D_A on G_B), sample B (D_B on G_A), r_test, r_sample, verdict
    [InlineData(0.10, 0.10, 0.20, 0.40, 1.0, 0.5, GamVerdict.A)]
    [InlineData(0.10, 0.105, 0.40, 0.20, 0.952381, 2.0, GamVerdict.B)]
    [InlineData(0.08, 0.08, 0.30, 0.30, 1.0, 1.0, GamVerdict.Tie)]
    [InlineData(0.10, 0.20, 0.20, 0.40, 0.5, 0.5, GamVerdict.Undecided)]
    [InlineData(0.30, 0.20, 0.10, 0.40, 1.5, 0.25, GamVerdict.Undecided)]
    public void The_ratios_and_the_verdict_follow_the_paper(double testA, double testB, double sampleA, double sampleB, double rTest, double rSample, GamVerdict verdict)
    {
        var result = GenerativeAdversarialMetric.Compare(testA, testB, sampleA, sampleB);
        Assert.Equal(rTest, result.RTest!.Value, 6);
        Assert.Equal(rSample, result.RSample!.Value, 6);
        Assert.Equal(verdict, result.Verdict);
        Assert.Equal(GenerativeAdversarialMetric.DefaultTolerance, result.Tolerance);
        Assert.Equal((testA, testB, sampleA, sampleB), (result.TestErrorA, result.TestErrorB, result.SampleErrorA, result.SampleErrorB));
    }

    [Fact]
    public void The_tolerance_bounds_how_far_r_test_may_be_from_one()
    {
        Assert.Equal(GamVerdict.Undecided, GenerativeAdversarialMetric.Compare(0.115, 0.10, 0.1, 0.2).Verdict);
        Assert.Equal(GamVerdict.A, GenerativeAdversarialMetric.Compare(0.115, 0.10, 0.1, 0.2, tolerance: 0.2).Verdict);
        Assert.Equal(GamVerdict.Undecided, GenerativeAdversarialMetric.Compare(0.1, 0.1001, 0.1, 0.2, tolerance: 0).Verdict);
        Assert.Equal(GamVerdict.A, GenerativeAdversarialMetric.Compare(0.1, 0.1, 0.1, 0.2, tolerance: 0).Verdict);
    }

    [Fact]
    public void Zero_denominators_leave_a_ratio_undefined_but_still_decide_on_the_samples()
    {
        // Both discriminators perfect on the digits: r_test = 1. D_B never fooled by G_A: r_sample undefined ("infinite"), B wins.
        var b = GenerativeAdversarialMetric.Compare(0, 0, 0.1, 0);
        Assert.Equal(1, b.RTest);
        Assert.Null(b.RSample);
        Assert.Equal(GamVerdict.B, b.Verdict);
        Assert.Equal(1, GenerativeAdversarialMetric.Compare(0, 0, 0, 0).RSample);
        Assert.Equal(GamVerdict.Tie, GenerativeAdversarialMetric.Compare(0, 0, 0, 0).Verdict);
        // D_B perfect on the digits, D_A not: r_test undefined, no verdict.
        var undecided = GenerativeAdversarialMetric.Compare(0.1, 0, 0.1, 0.5);
        Assert.Null(undecided.RTest);
        Assert.Equal(GamVerdict.Undecided, undecided.Verdict);
    }

    [Theory]
    [InlineData(-0.1, 0, 0, 0, 0.1)]
    [InlineData(0, 1.5, 0, 0, 0.1)]
    [InlineData(0, 0, double.NaN, 0, 0.1)]
    [InlineData(0, 0, 0, 0, 1.0)]
    [InlineData(0, 0, 0, 0, -0.1)]
    public void Rates_outside_zero_one_and_bad_tolerances_are_refused(double testA, double testB, double sampleA, double sampleB, double tolerance) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GenerativeAdversarialMetric.Compare(testA, testB, sampleA, sampleB, tolerance));

    [Fact]
    public void The_report_travels_as_json_with_the_verdict_by_name()
    {
        var report = new GamReport(new GamSide("gran-mnist", "gran", 1000, "a.ckpt", true, 64), new GamSide("dcgan-mnist", "dcgan", 1000, "b.ckpt", true, 64), 2000, 2000,
            GenerativeAdversarialMetric.Compare(0.1, 0.1, 0.2, 0.4));
        var json = JsonSerializer.Serialize(report, EvaluationLog.Json);
        Assert.Contains("\"verdict\":\"a\"", json, StringComparison.Ordinal);
        Assert.Contains("\"rSample\":0.5", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<GamReport>(json, EvaluationLog.Json)!;
        Assert.Equal(report.Result, back.Result);
        Assert.Equal(report.A, back.A);
    }
}
