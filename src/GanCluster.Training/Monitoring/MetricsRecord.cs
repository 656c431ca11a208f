using GanCluster.Training.Metrics;

namespace GanCluster.Training.Monitoring;

/// <summary>Named values of measurements made beside a round (mode coverage, diversity); a round's own are <c>Loop.RoundResult.ToMetrics</c>.</summary>
public static class MetricsRecord
{
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
