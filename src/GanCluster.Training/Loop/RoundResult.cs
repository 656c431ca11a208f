using System.Globalization;
using GanCluster.Training.Monitoring;

namespace GanCluster.Training.Loop;

/// <summary>Wall-clock milliseconds of the phases of one round.</summary>
/// <param name="GeneratorForwardMs">All k + 1 forward passes of G.</param>
/// <param name="DiscriminatorStepMs">The k discriminator steps.</param>
/// <param name="FeedbackMs">The discriminator's answer to the generator step (loss and dLoss/dFake).</param>
/// <param name="GeneratorUpdateMs">G's backward pass and optimizer step.</param>
/// <param name="RoundMs">The whole round.</param>
public sealed record RoundTimings(double GeneratorForwardMs, double DiscriminatorStepMs, double FeedbackMs, double GeneratorUpdateMs, double RoundMs)
{
    public static readonly RoundTimings Zero = new(0, 0, 0, 0, 0);
}

/// <summary>
/// What one round (k discriminator steps, then one generator step) produced, the one record of a round for local runs
/// and the cluster alike. <see cref="Terms"/> holds every named term (metric name -> value): the mean over the k steps of
/// each discriminator term (loss/d, d/real, d/fake, and whatever an objective adds, e.g. loss/d_r1), then the generator
/// step's terms (loss/g, ...). <see cref="ToMetrics"/> is the one mapping to metric names, so a new term reaches
/// metrics.jsonl, TensorBoard, logs and status without further plumbing.
/// </summary>
public sealed record RoundResult(int Round, IReadOnlyDictionary<string, double> Terms, RoundTimings Timings)
{
    /// <summary>The terms every objective reports; the wire and the coordinator's journal give them fields of their own.</summary>
    public static readonly IReadOnlyList<string> StandardTerms = [MetricNames.DLoss, MetricNames.GLoss, MetricNames.DReal, MetricNames.DFake];

    /// <summary>Diversity of the round's first fake and real batches, on rounds where it was measured.</summary>
    public BatchDiversity? Diversity { get; init; }

    /// <summary>Bytes of tensors exchanged between the halves (0 in a local run).</summary>
    public long ExchangeBytes { get; init; }

    public double DLoss => Term(MetricNames.DLoss);

    public double GLoss => Term(MetricNames.GLoss);

    public double DReal => Term(MetricNames.DReal);

    public double DFake => Term(MetricNames.DFake);

    /// <summary>True when the round diverged (see <see cref="Divergence"/>).</summary>
    public bool IsDiverged => Divergence.IsDiverged(Terms);

    /// <summary>The terms beyond <see cref="StandardTerms"/> (what an objective adds, e.g. loss/d_r1), in the order they were reported.</summary>
    public IReadOnlyDictionary<string, double> ExtraTerms() => Terms.Where(t => !StandardTerms.Contains(t.Key)).ToDictionary(t => t.Key, t => t.Value);

    /// <summary>Terms as log text: " name value" each, invariant culture (empty for none).</summary>
    public static string FormatTerms(IReadOnlyDictionary<string, double> terms) =>
        string.Concat(terms.Select(t => string.Create(CultureInfo.InvariantCulture, $" {t.Key} {t.Value:G5}")));

    /// <summary>A named term, NaN when the round has none of that name.</summary>
    public double Term(string name) => Terms.TryGetValue(name, out var value) ? value : double.NaN;

    /// <summary>Every named value of the round: its terms, phase timings, exchanged bytes, diversity when measured, and speed when given.</summary>
    public Dictionary<string, double> ToMetrics(double? stepsPerSecond = null)
    {
        var values = new Dictionary<string, double>(Terms)
        {
            [MetricNames.RoundMs] = Timings.RoundMs,
            [MetricNames.GeneratorForwardMs] = Timings.GeneratorForwardMs,
            [MetricNames.DiscriminatorStepMs] = Timings.DiscriminatorStepMs,
            [MetricNames.FeedbackMs] = Timings.FeedbackMs,
            [MetricNames.GeneratorUpdateMs] = Timings.GeneratorUpdateMs,
            [MetricNames.ExchangeBytes] = ExchangeBytes,
        };
        if (stepsPerSecond is { } speed)
        {
            values[MetricNames.StepsPerSecond] = speed;
        }

        if (Diversity is { } diversity)
        {
            MetricsRecord.AddDiversity(values, diversity);
        }

        return values;
    }
}

/// <summary>The one divergence rule: a round diverged when any of its named terms (losses, D outputs, regularizers) is NaN or infinite.</summary>
public static class Divergence
{
    public static bool IsDiverged(IReadOnlyDictionary<string, double> terms) => terms.Values.Any(v => !double.IsFinite(v));
}
