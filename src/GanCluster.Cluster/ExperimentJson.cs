using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Protocol;

namespace GanCluster.Cluster;

/// <summary>
/// <c>list --json</c> and <c>status --json</c>, pure: one compact JSON object per experiment (JSON lines), camelCase
/// fields named like the text columns, metrics by their metric names (loss/d, loss/g, d/real, ... and every term an
/// objective adds), null where the text prints "-" or "none yet". Fields are only ever added.
/// </summary>
public static class ExperimentJson
{
    public static string Summary(ExperimentSummary s, ExperimentQuality? quality, IEnumerable<ExperimentAlarm> alarms) =>
        SummaryNode(s, quality, alarms).ToJsonString();

    public static string Status(ExperimentStatusReply status, ExperimentQuality? quality, IEnumerable<ExperimentAlarm> alarms)
    {
        var node = SummaryNode(status.Summary, quality, alarms);
        node["recentRounds"] = new JsonArray([.. status.RecentRounds.Select(Round)]);
        return node.ToJsonString();
    }

    /// <summary>A round as its metric names and values (round-ms and exchange bytes included).</summary>
    public static JsonObject Round(RoundMetrics m)
    {
        var round = new JsonObject { ["round"] = m.Round };
        foreach (var (name, value) in RoundMetricsMapping.Metrics(m, stepsPerSecond: null))
        {
            round[name] = Number(value);
        }

        return round;
    }

    private static JsonObject SummaryNode(ExperimentSummary s, ExperimentQuality? quality, IEnumerable<ExperimentAlarm> alarms) => new()
    {
        ["id"] = s.Id.Value,
        ["name"] = s.Name,
        ["state"] = s.State.ToString().ToLowerInvariant(),
        ["reason"] = s.Reason,
        ["roundsDone"] = s.RoundsDone,
        ["roundsTotal"] = s.RoundsTotal,
        ["lastCheckpointRound"] = s.LastCheckpointRound,
        ["priority"] = s.Priority,
        ["submittedAt"] = s.SubmittedAt,
        ["generatorNode"] = s.GeneratorNode,
        ["discriminatorNode"] = s.DiscriminatorNode,
        ["generatorDevice"] = s.GeneratorDevice,
        ["discriminatorDevice"] = s.DiscriminatorDevice,
        ["latest"] = new JsonObject
        {
            ["loss/d"] = Number(s.LastDLoss),
            ["loss/g"] = Number(s.LastGLoss),
            ["d/real"] = Number(s.LastDReal),
            ["d/fake"] = Number(s.LastDFake),
            ["steps/s"] = Number(s.StepsPerSecond),
        },
        ["quality"] = quality is null ? null : new JsonObject
        {
            ["round"] = quality.Round,
            ["headline"] = quality.Headline,
            ["evaluation"] = JsonNode.Parse(quality.EvaluationJson),
        },
        ["alarms"] = new JsonArray([.. alarms.Where(a => a.Id == s.Id).Select(a => new JsonObject
        {
            ["kind"] = a.Kind,
            ["round"] = a.Round,
            ["message"] = a.Message,
        })]),
    };

    // JSON has no NaN or infinity: a diverged value is written as its name in a string.
    private static JsonNode? Number(double? value) => value switch
    {
        null => null,
        { } v when double.IsFinite(v) => JsonValue.Create(v),
        { } v => JsonValue.Create(v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };
}
