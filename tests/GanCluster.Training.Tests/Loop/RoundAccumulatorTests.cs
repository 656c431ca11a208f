using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;

namespace GanCluster.Training.Tests.Loop;

public sealed class RoundAccumulatorTests
{
    private static Dictionary<string, double> D(double loss, double real, double fake, double? r1 = null)
    {
        var terms = new Dictionary<string, double> { [MetricNames.DLoss] = loss, [MetricNames.DReal] = real, [MetricNames.DFake] = fake };
        if (r1 is { } value)
        {
            terms["loss/d_r1"] = value;
        }

        return terms;
    }

    [Fact]
    public void Every_discriminator_term_is_the_mean_over_the_steps_and_generator_terms_are_taken_as_they_are()
    {
        var accumulator = new RoundAccumulator(7);
        accumulator.AddDiscriminatorStep(D(1.0, 0.6, 0.4, r1: 0.25), 2.0);
        accumulator.AddDiscriminatorStep(D(2.0, 0.8, 0.2, r1: 0.75), 3.0);
        accumulator.AddGeneratorStep(new Dictionary<string, double> { [MetricNames.GLoss] = 0.7, ["loss/g_info"] = 0.1 }, 1.5);

        var result = accumulator.Complete(10);

        Assert.Equal(7, result.Round);
        Assert.Equal((1.5, 0.7, 0.7, 0.3), (result.DLoss, result.GLoss, result.DReal, result.DFake), new ToleranceComparer());
        Assert.Equal(0.5, result.Term("loss/d_r1"), 12);
        Assert.Equal(0.1, result.Term("loss/g_info"), 12);
        Assert.Equal(new RoundTimings(0, 5.0, 1.5, 0, 10), result.Timings);
    }

    [Fact]
    public void A_term_some_steps_lack_is_averaged_over_the_steps_that_reported_it()
    {
        var accumulator = new RoundAccumulator(1);
        accumulator.AddDiscriminatorStep(D(1.0, 0.5, 0.5, r1: 0.4), 1);
        accumulator.AddDiscriminatorStep(D(1.0, 0.5, 0.5), 1);

        Assert.Equal(0.4, accumulator.Complete(1).Term("loss/d_r1"), 12);
    }

    [Fact]
    public void Timings_add_up_per_phase_and_the_first_diversity_measured_is_kept()
    {
        var accumulator = new RoundAccumulator(1);
        accumulator.AddGeneratorForward(1);
        accumulator.AddDiscriminatorStep(D(1, 0.5, 0.5), 2, new BatchDiversity(3, 4));
        accumulator.AddGeneratorForward(1);
        accumulator.AddDiscriminatorStep(D(1, 0.5, 0.5), 2, new BatchDiversity(9, 9));
        accumulator.AddGeneratorForward(1);
        accumulator.AddGeneratorStep(new Dictionary<string, double> { [MetricNames.GLoss] = 1 }, 0.5);
        accumulator.AddGeneratorUpdate(4);
        accumulator.AddExchangeBytes(100);
        accumulator.AddExchangeBytes(20);

        var result = accumulator.Complete(12);

        Assert.Equal(new RoundTimings(3, 4, 0.5, 4, 12), result.Timings);
        Assert.Equal(new BatchDiversity(3, 4), result.Diversity);
        Assert.Equal(120, result.ExchangeBytes);
        Assert.Equal(2, accumulator.DiscriminatorSteps);
    }

    [Fact]
    public void A_round_whose_term_is_not_finite_has_diverged()
    {
        var accumulator = new RoundAccumulator(1);
        accumulator.AddDiscriminatorStep(D(1, 0.5, 0.5, r1: double.PositiveInfinity), 1);
        accumulator.AddGeneratorStep(new Dictionary<string, double> { [MetricNames.GLoss] = 1 }, 1);

        Assert.True(accumulator.Complete(1).IsDiverged);
    }

    [Fact]
    public void A_non_finite_generator_term_is_divergence_too_and_finite_terms_are_not()
    {
        var accumulator = new RoundAccumulator(1);
        accumulator.AddDiscriminatorStep(D(1, 0.5, 0.5), 1);
        accumulator.AddGeneratorStep(new Dictionary<string, double> { [MetricNames.GLoss] = double.NaN }, 1);

        var result = accumulator.Complete(1);

        Assert.True(result.IsDiverged);
        Assert.False(Divergence.IsDiverged(new Dictionary<string, double> { [MetricNames.GLoss] = 1, [MetricNames.DLoss] = 2 }));
    }

    [Fact]
    public void Metrics_of_a_round_carry_every_term_timing_and_the_diversity_under_their_names()
    {
        var accumulator = new RoundAccumulator(3);
        accumulator.AddDiscriminatorStep(D(1, 0.5, 0.5, r1: 0.2), 2, new BatchDiversity(2, 4));
        accumulator.AddGeneratorStep(new Dictionary<string, double> { [MetricNames.GLoss] = 0.9 }, 1);

        var metrics = accumulator.Complete(5).ToMetrics(stepsPerSecond: 20);

        Assert.Equal(0.2, metrics["loss/d_r1"]);
        Assert.Equal(0.9, metrics[MetricNames.GLoss]);
        Assert.Equal(5, metrics[MetricNames.RoundMs]);
        Assert.Equal(2, metrics[MetricNames.DiscriminatorStepMs]);
        Assert.Equal(0, metrics[MetricNames.ExchangeBytes]);
        Assert.Equal(20, metrics[MetricNames.StepsPerSecond]);
        Assert.Equal(0.5, metrics[MetricNames.DiversityRatio]);
    }

    [Fact]
    public void Extra_terms_are_those_beyond_the_standard_four_and_format_for_logs()
    {
        var accumulator = new RoundAccumulator(1);
        accumulator.AddDiscriminatorStep(D(1, 0.5, 0.5, r1: 0.25), 1);
        accumulator.AddGeneratorStep(new Dictionary<string, double> { [MetricNames.GLoss] = 1 }, 1);

        var extra = accumulator.Complete(1).ExtraTerms();

        Assert.Equal(["loss/d_r1"], extra.Keys);
        Assert.Equal(" loss/d_r1 0.25", RoundResult.FormatTerms(extra));
    }

    private sealed class ToleranceComparer : IEqualityComparer<(double, double, double, double)>
    {
        public bool Equals((double, double, double, double) a, (double, double, double, double) b) =>
            Math.Abs(a.Item1 - b.Item1) < 1e-12 && Math.Abs(a.Item2 - b.Item2) < 1e-12 && Math.Abs(a.Item3 - b.Item3) < 1e-12 && Math.Abs(a.Item4 - b.Item4) < 1e-12;

        public int GetHashCode((double, double, double, double) obj) => 0;
    }
}
