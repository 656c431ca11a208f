using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Cluster;
using GanCluster.Node.Dashboard;
using GanCluster.Protocol;

namespace GanCluster.Node.Tests;

/// <summary>
/// The dashboard's pure parts (its JSON, the loss curve it keeps, its options) and the node's HTTP endpoint over real
/// HTTP with a fixed source. The page against a running cluster in a real browser: IntegrationTests' DashboardBrowserTests.
/// </summary>
public sealed class DashboardTests
{
    private static readonly ExperimentId Id = new("exp-0000000a");

    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    private static ExperimentSummary Summary(ExperimentState state = ExperimentState.Running) =>
        new(Id, "ring8", state, 12, 20, null, 0.5, 0.75, 0.6, 0.4, 31.5, DateTimeOffset.Parse("2026-12-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            "akka.tcp://gancluster@127.0.0.1:1", "akka.tcp://gancluster@127.0.0.1:2", 10, 0);

    private static RoundMetrics Round(int round, double dLoss = 1.0) => new(round, dLoss, 0.7, 0.6, 0.4, 1, 1, 1, 1, 4, 100);

    [Fact]
    public void The_dashboard_is_off_by_default_and_binds_loopback_when_a_port_is_given()
    {
        var defaults = NodeOptions.Resolve(null, Env());
        Assert.Null(defaults.DashboardPort);
        Assert.Equal("127.0.0.1", defaults.DashboardHostname);

        Assert.Equal(8080, NodeOptions.Resolve(null, Env((NodeEnvironment.DashboardPort, "8080"))).DashboardPort);
        Assert.Equal(8081, NodeOptions.Resolve(new NodeOptionInputs { DashboardPort = "8081" }, Env((NodeEnvironment.DashboardPort, "8080"))).DashboardPort);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("web")]
    public void A_bad_dashboard_port_names_the_flag_and_the_fix(string value)
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { DashboardPort = value }, Env()));
        Assert.StartsWith("--dashboard-port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dashboard_on_another_address_than_loopback_needs_insecure_like_a_cluster_port_without_tls()
    {
        var refused = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { DashboardPort = "8080", DashboardHostname = "0.0.0.0" }, Env()));
        Assert.StartsWith("--dashboard-hostname", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--insecure", refused.Message, StringComparison.Ordinal);

        var allowed = NodeOptions.Resolve(new NodeOptionInputs { DashboardPort = "8080", DashboardHostname = "0.0.0.0", Insecure = true }, Env());
        Assert.Equal("0.0.0.0", allowed.DashboardHostname);
    }

    [Fact]
    public void Each_experiment_is_written_as_list_json_writes_it_with_its_curve_and_the_workers_as_pairs()
    {
        var series = new LossSeries();
        series.Merge([Round(1), Round(2, double.NaN), Round(3)]);
        var workers = new List<WorkerStatus>
        {
            new(WorkerRole.Generator, "akka.tcp://gancluster@127.0.0.1:1", Id, 12, "training"),
            new(WorkerRole.Discriminator, "akka.tcp://gancluster@127.0.0.1:2", Id, 12, "training"),
            new(WorkerRole.Generator, "akka.tcp://gancluster@127.0.0.1:3", null, null, "idle"),
        };
        var alarm = new ExperimentAlarm(Id, "d-loss-near-zero", 11, "D's loss is near zero");
        var quality = new ExperimentQuality(Id, 10, "modes 8/8", """{"kind":"mode-coverage"}""");

        var json = DashboardModel.Build(new DashboardInputs([Summary()], [alarm], [quality], workers,
            new Dictionary<string, LossSeries> { [Id.Value] = series }, DateTimeOffset.UnixEpoch, null));

        var experiment = json["experiments"]!.AsArray().Single()!.AsObject();
        var listed = JsonNode.Parse(ExperimentJson.Summary(Summary(), quality, [alarm]))!.AsObject();
        foreach (var (name, value) in listed)
        {
            Assert.True(JsonNode.DeepEquals(value, experiment[name]), name);
        }

        // The diverged round is left out of the curve (JSON has no NaN).
        Assert.Equal([1, 3], experiment["curve"]!.AsArray().Select(p => p![0]!.GetValue<int>()));
        Assert.Equal(1.0, experiment["curve"]![0]![1]!.GetValue<double>());

        var pair = json["pairs"]!.AsArray().Single()!;
        Assert.Equal(Id.Value, pair["experiment"]!.GetValue<string>());
        Assert.Equal("ring8", pair["name"]!.GetValue<string>());
        Assert.Equal("akka.tcp://gancluster@127.0.0.1:1", pair["generator"]!["node"]!.GetValue<string>());
        Assert.Equal("training", pair["discriminator"]!["state"]!.GetValue<string>());
        Assert.Equal("akka.tcp://gancluster@127.0.0.1:3", json["idleWorkers"]!.AsArray().Single()!["node"]!.GetValue<string>());
    }

    [Fact]
    public void A_loss_series_keeps_each_round_once_in_order_and_stays_bounded_with_its_newest_rounds_in_full()
    {
        var series = new LossSeries();
        series.Merge([Round(3), Round(1), Round(2)]);
        series.Merge([Round(2), Round(3), Round(4)]);
        Assert.Equal([1, 2, 3, 4], series.Points.Select(p => p.Round));

        for (var start = 5; start < 5000; start += 20)
        {
            series.Merge(Enumerable.Range(start, 20).Select(r => Round(r)));
        }

        Assert.InRange(series.Points.Count, LossSeries.MaxPoints / 2, LossSeries.MaxPoints);
        Assert.Equal(1, series.Points[0].Round);
        Assert.Equal(Enumerable.Range(4985, 20), series.Points.TakeLast(20).Select(p => p.Round));
        Assert.True(series.Points.Zip(series.Points.Skip(1)).All(p => p.Item1.Round < p.Item2.Round));

        series.TruncateFrom(4000);
        Assert.True(series.Points[^1].Round < 4000);
    }

    [Fact]
    public async Task The_endpoint_serves_the_page_its_data_the_sample_grid_and_prometheus_metrics_by_their_names()
    {
        var port = FreePort.Next();
        await using var endpoint = await NodeHttpEndpoint.StartAsync("127.0.0.1", port, dashboard: true, "test-node");
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47 };
        endpoint.Source = new FixedSource(new JsonObject { ["experiments"] = new JsonArray(), ["marker"] = "fixed" }, png);
        GanClusterMetrics.RoundsCompleted.Add(3);
        GanClusterMetrics.RoundsAccepted.Add(3);
        GanClusterMetrics.ExchangeBytes.Add(1000);
        GanClusterMetrics.CheckpointDuration.Record(0.2);
        GanClusterMetrics.PublishCoordinator(new GanClusterMetrics.CoordinatorCounts(2, 1, 0, 1, 1));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var page = await http.GetStringAsync("/");
        Assert.Contains("<title>GanCluster</title>", page, StringComparison.Ordinal);
        Assert.Contains("/api/dashboard", page, StringComparison.Ordinal);

        var data = JsonDocument.Parse(await http.GetStringAsync("/api/dashboard")).RootElement;
        Assert.Equal("fixed", data.GetProperty("marker").GetString());

        var grid = await http.GetAsync($"/api/experiments/{Id.Value}/samples.png");
        Assert.Equal(HttpStatusCode.OK, grid.StatusCode);
        Assert.Equal("image/png", grid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await grid.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/experiments/exp-unknown/samples.png")).StatusCode);

        var metrics = await http.GetStringAsync("/metrics");
        foreach (var name in new[]
        {
            "gancluster_rounds_completed_total", "gancluster_rounds_accepted_total", "gancluster_exchange_bytes_total",
            "gancluster_checkpoint_duration_seconds_bucket", "gancluster_experiments{", "gancluster_workers{",
        })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        // Only the label: an in-process coordinator of another test class may publish its own counts meanwhile.
        Assert.Contains("state=\"queued\"}", metrics, StringComparison.Ordinal);
        GanClusterMetrics.PublishCoordinator(null);
    }

    [Fact]
    public async Task A_worker_node_serves_only_metrics_and_a_port_in_use_is_one_line_naming_the_flag()
    {
        var port = FreePort.Next();
        await using (var endpoint = await NodeHttpEndpoint.StartAsync("127.0.0.1", port, dashboard: false, "test-worker"))
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            Assert.Contains("/metrics", await http.GetStringAsync("/"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/dashboard")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        }

        using var taken = new TcpListener(IPAddress.Loopback, FreePort.Next());
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;
        var e = await Assert.ThrowsAsync<DashboardPortException>(() => NodeHttpEndpoint.StartAsync("127.0.0.1", busy, dashboard: true, "test-node"));
        Assert.StartsWith("--dashboard-port:", e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{busy} is already in use", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    private sealed class FixedSource(JsonObject snapshot, byte[] png) : IDashboardSource
    {
        public JsonObject Snapshot() => snapshot;

        public Task<(int Round, byte[] Png)?> SamplesAsync(string experimentId, CancellationToken cancellation) =>
            Task.FromResult<(int Round, byte[] Png)?>(experimentId == Id.Value ? (10, png) : null);
    }
}

/// <summary>The dashboard's reader of a run folder's metrics.jsonl, as the coordinator's monitor appends to it.</summary>
public sealed class MetricsFileTailTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("metrics-tail");

    [Fact]
    public void Each_call_returns_the_completed_loss_lines_since_the_last_and_a_missing_file_returns_nothing()
    {
        var path = Path.Combine(_temp.Path, "metrics.jsonl");
        var tail = new MetricsFileTail(path);
        Assert.Empty(tail.ReadNew());

        File.WriteAllText(path, """
            {"round":10,"time":"2026-12-02T08:00:00Z","diversity/fake":0.12,"diversity/real":2.5}
            {"round":10,"loss/d":1.25,"loss/g":0.75,"d/real":0.6,"d/fake":0.4,"time":"2026-12-02T08:00:00Z"}
            {"round":20,"loss/d":"NaN","loss/g":0.5,"d/real":0.6,"d/fake":0.4}
            {"round":30,"loss/d":1.0
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        var first = tail.ReadNew();
        Assert.Equal([10, 20], first.Select(p => p.Round));
        Assert.Equal(1.25, first[0].DLoss);
        Assert.True(double.IsNaN(first[1].DLoss));

        File.AppendAllText(path, ",\"loss/g\":0.25}\n{\"round\":40,\"loss/d\":0.9,\"loss/g\":0.8}\n");
        Assert.Equal([30, 40], tail.ReadNew().Select(p => p.Round));
        Assert.Empty(tail.ReadNew());
    }

    public void Dispose() => _temp.Dispose();
}
