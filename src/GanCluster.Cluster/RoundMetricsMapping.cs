using GanCluster.Protocol;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;

namespace GanCluster.Cluster;

/// <summary>
/// Between a round's result (<see cref="RoundResult"/>, named terms) and its wire and journal form
/// (<see cref="RoundMetrics"/>: the standard terms in fields of their own, every other term in
/// <see cref="RoundMetrics.Terms"/>). The coordinator's metrics, logs and divergence check go through here, so a term an
/// objective adds reaches them with no plumbing.
/// </summary>
public static class RoundMetricsMapping
{
    public static RoundMetrics ToWire(RoundResult r) =>
        new(r.Round, r.DLoss, r.GLoss, r.DReal, r.DFake, r.Timings.GeneratorForwardMs, r.Timings.DiscriminatorStepMs, r.Timings.FeedbackMs,
            r.Timings.GeneratorUpdateMs, r.Timings.RoundMs, r.ExchangeBytes)
        {
            Terms = r.ExtraTerms(),
        };

    public static RoundResult ToResult(RoundMetrics m)
    {
        var terms = new Dictionary<string, double>
        {
            [MetricNames.DLoss] = m.DLoss,
            [MetricNames.GLoss] = m.GLoss,
            [MetricNames.DReal] = m.DReal,
            [MetricNames.DFake] = m.DFake,
        };
        foreach (var (name, value) in m.Terms)
        {
            terms[name] = value;
        }

        return new RoundResult(m.Round, terms, new RoundTimings(m.GeneratorForwardMs, m.DiscriminatorStepMs, m.FeedbackMs, m.GeneratorUpdateMs, m.RoundMs))
        {
            ExchangeBytes = m.ExchangeBytes,
        };
    }

    /// <summary>The one divergence rule (<see cref="Divergence"/>) applied to a round from the wire or the journal.</summary>
    public static bool IsDiverged(RoundMetrics m) => ToResult(m).IsDiverged;

    /// <summary>Every named value of a round (<see cref="RoundResult.ToMetrics"/>).</summary>
    public static Dictionary<string, double> Metrics(RoundMetrics m, double? stepsPerSecond) => ToResult(m).ToMetrics(stepsPerSecond);

    /// <summary>The terms beyond the standard four, as log text (empty for none).</summary>
    public static string ExtraTermsText(RoundMetrics m) => RoundResult.FormatTerms(m.Terms);
}
