using System.Text.Json;
using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Tests.Coordinator.Sweeps;

/// <summary>The table of <c>sweep status</c>: configurations ranked by the metric's mean over seeds.</summary>
public sealed class SweepRankingTests
{
    private static readonly SweepId Sweep = new("swp-0000000a");

    private static SweepChildStatus Child(int index, int config, int seed, double? metric, int rounds = 6, ExperimentState state = ExperimentState.Completed, string? reason = null) =>
        new(Sweep.Child(index), $"ring-c{config}-s{seed}", config, seed, $"k={config}", state, rounds, 6, reason, metric, metric is null ? null : rounds);

    private static SweepStatusReply Status(string mode, string algorithm, params SweepChildStatus[] children) => new(Sweep, "ring", "loss/g", mode, algorithm, children);

    [Fact]
    public void Configurations_rank_by_the_mean_over_their_seeds_with_the_sample_deviation()
    {
        var status = Status("min", "grid", Child(1, 1, 1, 0.9), Child(2, 1, 2, 0.7), Child(3, 2, 1, 0.5), Child(4, 2, 2, 0.7), Child(5, 3, 1, null, 0, ExperimentState.Queued), Child(6, 3, 2, null, 0, ExperimentState.Queued));

        var rows = SweepRanking.Rank(status, c => c.Metric);

        Assert.Equal([(1, 2), (2, 1), ((int?)null, 3)], rows.Select(r => (r.Rank, r.Config)));
        Assert.Equal(0.6, rows[0].Mean!.Value, 12);
        Assert.Equal(Math.Sqrt(0.02), rows[0].StandardDeviation!.Value, 12);
        Assert.Equal((2, "6/6", "completed"), (rows[0].Measured, rows[0].Rounds, rows[0].State));
        Assert.Equal((0, "0/6", "queued"), (rows[2].Measured, rows[2].Rounds, rows[2].State));
        // Higher is better under --mode max: config 1 (mean 0.8) now leads.
        Assert.Equal([1, 2, 3], SweepRanking.Rank(Status("max", "grid", [.. status.Children]), c => c.Metric).Select(r => r.Config));
    }

    [Fact]
    public void Under_asha_configurations_that_went_further_rank_first_and_stops_read_stopped()
    {
        var status = Status("min", "asha", Child(1, 1, 1, 0.9, rounds: 6), Child(2, 2, 1, 0.5, rounds: 2, reason: "stopped by ASHA at rung 1 (round 2)"));

        var rows = SweepRanking.Rank(status, c => c.Metric);

        Assert.Equal([1, 2], rows.Select(r => r.Config));
        Assert.Equal(["completed", "stopped"], rows.Select(r => r.State));
        Assert.Equal("1 completed, 1 running", new SweepRow(1, 1, "k=1", 1, null, 1, [Child(1, 1, 1, 1), Child(2, 1, 2, 1, 3, ExperimentState.Running)]).State);
    }

    [Fact]
    public void An_evaluation_figure_is_found_by_its_path_in_any_case()
    {
        const string json = """{"kind":"2d","samples":100,"modes":{"modes":8,"modesCaptured":7,"highQualityFraction":0.93},"parzen":null}""";

        Assert.Equal(7, SweepRanking.EvaluationFigure(json, "modes.modesCaptured"));
        Assert.Equal(0.93, SweepRanking.EvaluationFigure(json, "Modes.HighQualityFraction"));
        Assert.Null(SweepRanking.EvaluationFigure(json, "parzen.meanLogLikelihood"));
        Assert.Null(SweepRanking.EvaluationFigure(json, "kind"));
        Assert.Null(SweepRanking.EvaluationFigure("not json", "modes"));
    }

    [Fact]
    public void The_json_table_carries_rank_mean_sd_and_every_child()
    {
        var status = Status("min", "grid", Child(1, 1, 1, 0.4), Child(2, 1, 2, 0.6));

        var table = JsonDocument.Parse(SweepRanking.ToJson(status, SweepRanking.Rank(status, c => c.Metric))).RootElement;

        var row = Assert.Single(table.GetProperty("rows").EnumerateArray());
        Assert.Equal((1, 0.5, 2), (row.GetProperty("rank").GetInt32(), row.GetProperty("mean").GetDouble(), row.GetProperty("measured").GetInt32()));
        Assert.Equal(["swp-0000000a-01", "swp-0000000a-02"], row.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("swp-0000000a", table.GetProperty("id").GetString());
    }
}
