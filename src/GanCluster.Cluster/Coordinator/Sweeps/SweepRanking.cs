using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>One configuration of a sweep as ranked: the metric's mean and sample standard deviation over its seeds.</summary>
/// <param name="Rank">1 for the best; null when no child of the configuration has the metric yet.</param>
/// <param name="Measured">Children whose metric is known (the mean is over them).</param>
public sealed record SweepRow(int? Rank, int Config, string Overrides, double? Mean, double? StandardDeviation, int Measured, IReadOnlyList<SweepChildStatus> Children)
{
    /// <summary>The children's rounds, e.g. "40/40" or "20-40/40".</summary>
    public string Rounds
    {
        get
        {
            var (low, high, total) = (Children.Min(c => c.RoundsDone), Children.Max(c => c.RoundsDone), Children.Max(c => c.RoundsTotal));
            return low == high ? $"{high}/{total}" : $"{low}-{high}/{total}";
        }
    }

    /// <summary>The children's states: one word when they agree, else counts ("1 completed, 1 running"); ASHA's stops read "stopped".</summary>
    public string State
    {
        get
        {
            var states = Children.GroupBy(SweepRanking.StateOf).Select(g => (g.Key, Count: g.Count())).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            return states.Count == 1 ? states[0].Key : string.Join(", ", states.Select(s => $"{s.Count} {s.Key}"));
        }
    }
}

/// <summary>Ranks a sweep's configurations by its metric (pure; used by <c>sweep status</c> and <c>list --sweep</c>).</summary>
public static class SweepRanking
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// Groups children by configuration and ranks the configurations by the mean of <paramref name="metricOf"/> over their
    /// seeds (best first for the sweep's mode; equal means by configuration number; under ASHA the configurations whose
    /// children reached more rounds first); configurations without a value come last.
    /// </summary>
    public static IReadOnlyList<SweepRow> Rank(SweepStatusReply status, Func<SweepChildStatus, double?> metricOf)
    {
        var max = string.Equals(status.Mode, "max", StringComparison.OrdinalIgnoreCase);
        var rows = status.Children.GroupBy(c => c.Config).Select(g =>
        {
            var values = g.Select(metricOf).Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToList();
            double? mean = values.Count > 0 ? values.Average() : null;
            double? sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean!.Value) * (v - mean.Value)) / (values.Count - 1)) : null;
            return new SweepRow(null, g.Key, g.First().Overrides, mean, sd, values.Count, g.OrderBy(c => c.SeedIndex).ToList());
        }).ToList();
        // Under ASHA a child's metric is from the last round it reached, and a stopped child's is from an early rung, where
        // losses are not comparable with a finished child's: the configurations that went further rank first.
        var asha = string.Equals(status.Algorithm, "asha", StringComparison.OrdinalIgnoreCase);
        var ranked = rows.Where(r => r.Mean is not null)
            .OrderByDescending(r => asha ? r.Children.Max(c => c.RoundsDone) : 0)
            .ThenBy(r => max ? -r.Mean!.Value : r.Mean!.Value)
            .ThenBy(r => r.Config)
            .Select((r, i) => r with { Rank = i + 1 });
        return [.. ranked, .. rows.Where(r => r.Mean is null).OrderBy(r => r.Config)];
    }

    /// <summary>A child's state as the table shows it: the experiment state in lower case, or "stopped" when ASHA ended it.</summary>
    public static string StateOf(SweepChildStatus child) =>
        child.State == ExperimentState.Completed && child.Reason?.StartsWith("stopped by", StringComparison.Ordinal) == true ? "stopped" : child.State.ToString().ToLowerInvariant();

    /// <summary>
    /// A figure of an evaluation.json by its dotted path, case-insensitively (<c>modes.modesCaptured</c>,
    /// <c>parzen.meanLogLikelihood</c>), or null when the path names no number.
    /// </summary>
    public static double? EvaluationFigure(string evaluationJson, string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(evaluationJson);
        }
        catch (JsonException)
        {
            return null;
        }

        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o.FirstOrDefault(kv => string.Equals(kv.Key, part, StringComparison.OrdinalIgnoreCase)).Value : null;
        }

        return node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
    }

    /// <summary>The ranked table as one JSON object (<c>sweep status --json</c>).</summary>
    public static string ToJson(SweepStatusReply status, IReadOnlyList<SweepRow> rows) => JsonSerializer.Serialize(new
    {
        id = status.Id.Value,
        name = status.Name,
        metric = status.Metric,
        mode = status.Mode,
        algorithm = status.Algorithm,
        rows = rows.Select(r => new
        {
            rank = r.Rank,
            config = r.Config,
            overrides = r.Overrides,
            mean = r.Mean,
            sd = r.StandardDeviation,
            measured = r.Measured,
            rounds = r.Rounds,
            state = r.State,
            children = r.Children.Select(c => new
            {
                id = c.Id.Value,
                name = c.Name,
                seed = c.SeedIndex,
                state = StateOf(c),
                roundsDone = c.RoundsDone,
                roundsTotal = c.RoundsTotal,
                reason = c.Reason,
            }),
        }),
    }, Json);

    /// <summary>The ranked table as text.</summary>
    public static IEnumerable<string> ToText(SweepStatusReply status, IReadOnlyList<SweepRow> rows)
    {
        yield return $"sweep {status.Id.Value} ({status.Name}): {status.Algorithm}, {status.Mode} {status.Metric}, {status.Children.Count} experiments";
        yield return $"{"RANK",-5} {"CONFIG",-6} {"METRIC (mean +- sd)",-24} {"SEEDS",-5} {"ROUNDS",-11} {"STATE",-22} PARAMETERS";
        foreach (var r in rows)
        {
            var metric = r.Mean is { } m
                ? r.StandardDeviation is { } sd ? $"{SweepPlan.Format(m)} +- {SweepPlan.Format(sd)}" : SweepPlan.Format(m)
                : "-";
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{r.Rank?.ToString(CultureInfo.InvariantCulture) ?? "-",-5} {r.Config,-6} {metric,-24} {$"{r.Measured}/{r.Children.Count}",-5} {r.Rounds,-11} {r.State,-22} {r.Overrides}");
        }
    }
}
