using System.Text.Json;
using GanCluster.Cluster;
using GanCluster.Protocol;

namespace GanCluster.Cli.Tests;

/// <summary><c>list --json</c> and <c>status --json</c>: what scripts (and the integration tests) read.</summary>
public sealed class ExperimentJsonTests
{
    private static readonly ExperimentId Id = new("exp-0000000a");

    private static ExperimentSummary Summary(ExperimentState state = ExperimentState.Running, double? dLoss = 0.5) =>
        new(Id, "ring8", state, 12, 20, null, dLoss, 0.75, 0.6, 0.4, 31.5, DateTimeOffset.Parse("2026-12-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            "akka.tcp://gancluster@10.0.0.2:4100", null, 10, 3);

    [Fact]
    public void A_summary_names_state_progress_checkpoint_nodes_and_latest_metrics()
    {
        var json = JsonDocument.Parse(ExperimentJson.Summary(Summary(), null, [])).RootElement;

        Assert.Equal("exp-0000000a", json.GetProperty("id").GetString());
        Assert.Equal("running", json.GetProperty("state").GetString());
        Assert.Equal(12, json.GetProperty("roundsDone").GetInt32());
        Assert.Equal(20, json.GetProperty("roundsTotal").GetInt32());
        Assert.Equal(10, json.GetProperty("lastCheckpointRound").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("discriminatorNode").ValueKind);
        Assert.Equal(0.5, json.GetProperty("latest").GetProperty("loss/d").GetDouble());
        Assert.Equal(31.5, json.GetProperty("latest").GetProperty("steps/s").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("quality").ValueKind);
        Assert.DoesNotContain('\n', ExperimentJson.Summary(Summary(), null, []));
    }

    [Fact]
    public void A_diverged_value_is_a_string_not_invalid_json()
    {
        var json = JsonDocument.Parse(ExperimentJson.Summary(Summary(ExperimentState.Failed, double.NaN), null, [])).RootElement;

        Assert.Equal("NaN", json.GetProperty("latest").GetProperty("loss/d").GetString());
    }

    [Fact]
    public void Quality_and_only_this_experiments_alarms_are_included()
    {
        var quality = new ExperimentQuality(Id, 10, "modes 8/8", "{\"modes\": 8}");
        ExperimentAlarm[] alarms = [new(Id, "diversity-collapse", 9, "collapsing"), new(new ExperimentId("exp-0000000b"), "stalled", 3, "other")];

        var json = JsonDocument.Parse(ExperimentJson.Summary(Summary(), quality, alarms)).RootElement;

        Assert.Equal(8, json.GetProperty("quality").GetProperty("evaluation").GetProperty("modes").GetInt32());
        var alarm = Assert.Single(json.GetProperty("alarms").EnumerateArray());
        Assert.Equal("diversity-collapse", alarm.GetProperty("kind").GetString());
        Assert.Equal(9, alarm.GetProperty("round").GetInt32());
    }

    [Fact]
    public void A_status_lists_recent_rounds_by_metric_name_with_the_objectives_terms()
    {
        var round = new RoundMetrics(12, 0.5, 0.75, 0.6, 0.4, 1, 2, 3, 4, 10, 4096) { Terms = new Dictionary<string, double> { ["loss/d_gp"] = 0.125 } };

        var json = JsonDocument.Parse(ExperimentJson.Status(new ExperimentStatusReply(Summary(), [round]), null, [])).RootElement;

        var recent = Assert.Single(json.GetProperty("recentRounds").EnumerateArray());
        Assert.Equal(12, recent.GetProperty("round").GetInt32());
        Assert.Equal(0.75, recent.GetProperty("loss/g").GetDouble());
        Assert.Equal(0.125, recent.GetProperty("loss/d_gp").GetDouble());
        Assert.Equal(4096, recent.GetProperty("exchange/bytes").GetDouble());
    }
}
