using GanCluster.Training.Core;
using GanCluster.Training.Metrics;

namespace GanCluster.Training.Monitoring;

/// <summary>Builds the named values of one round from what a trainer measured.</summary>
public static class MetricsRecord
{
    /// <summary>The named values of a local round.</summary>
    public static Dictionary<string, double> From(RoundResult r, double stepsPerSecond, long exchangeBytes = 0)
    {
        var values = new Dictionary<string, double>
        {
            [MetricNames.DLoss] = r.DLoss,
            [MetricNames.GLoss] = r.GLoss,
            [MetricNames.DReal] = r.DReal,
            [MetricNames.DFake] = r.DFake,
            [MetricNames.RoundMs] = r.RoundMs,
            [MetricNames.GeneratorForwardMs] = r.GeneratorForwardMs,
            [MetricNames.DiscriminatorStepMs] = r.DiscriminatorStepMs,
            [MetricNames.FeedbackMs] = r.FeedbackMs,
            [MetricNames.GeneratorUpdateMs] = r.GeneratorUpdateMs,
            [MetricNames.ExchangeBytes] = exchangeBytes,
            [MetricNames.StepsPerSecond] = stepsPerSecond,
        };
        if (r.Diversity is { } diversity)
        {
            AddDiversity(values, diversity);
        }

        return values;
    }

    /// <summary>The mode-coverage names of a 2-D benchmark's checkpoint.</summary>
    public static Dictionary<string, double> Modes(ModeCoverageResult modes) => new()
    {
        [MetricNames.ModesCaptured] = modes.ModesCaptured,
        [MetricNames.ModesTotal] = modes.Modes,
        [MetricNames.ModesHighQuality] = modes.HighQualityFraction,
        [MetricNames.ModesWellCovered] = modes.ModesWellCovered,
        [MetricNames.ModesReverseKl] = modes.KlToUniform,
    };

    /// <summary>Adds the diversity names (fake, real, ratio).</summary>
    public static void AddDiversity(IDictionary<string, double> values, BatchDiversity diversity)
    {
        values[MetricNames.DiversityFake] = diversity.Fake;
        values[MetricNames.DiversityReal] = diversity.Real;
        values[MetricNames.DiversityRatio] = diversity.Ratio;
    }
}
