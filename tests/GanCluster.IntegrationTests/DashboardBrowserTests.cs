using System.Globalization;
using System.Text.RegularExpressions;
using GanCluster.Cluster.Coordinator;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// The dashboard in a real browser: three real node processes (the coordinator and the generator with --dashboard-port),
/// a small 2-D experiment submitted through the CLI, and Debian's chromium (headless, driven by PuppeteerSharp, never a
/// downloaded browser) loading the coordinator's page. It checks what a user sees: the experiment's row, its round
/// advancing and its state, the loss curve drawn, the sample grid loaded, the worker pair; and /metrics on both nodes.
/// </summary>
public sealed partial class DashboardBrowserTests : IDisposable
{
    /// <summary>Debian's chromium package (scripts/install-prerequisites.sh installs it).</summary>
    private const string Chromium = "/usr/bin/chromium";

    // How long the page may show nothing new (no new round, no state change) before the test fails: progress, not a deadline.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _temp = TempDirectory.Create("dashboard");
    private readonly ITestOutputHelper _output;

    public DashboardBrowserTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task The_coordinators_dashboard_shows_a_running_experiment_its_rounds_advancing_its_loss_curve_and_its_sample_grid()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/install-prerequisites.sh (Debian's chromium package)");
        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"));
        var dashboardPort = FreePort.Next();
        var generatorMetricsPort = FreePort.Next();
        var since = DateTimeOffset.UtcNow;
        cluster.StartNode("coordinator", "coordinator", cluster.Port, ["--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture)]);
        cluster.StartNode("generator", "generator", 0, ["--dashboard-port", generatorMetricsPort.ToString(CultureInfo.InvariantCulture)]);
        cluster.StartNode("discriminator", "discriminator", 0);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.WorkerJoined, e => e.Int(2) >= 1 && e.Int(3) >= 1, "both workers registered", since);

        var experiment = Path.Combine(_temp.Path, "dashboard.json");
        File.WriteAllText(experiment, """
            {
              "name": "dashboard-ring8", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4,
              "mixture": { "samples": 256 }, "k": 1, "rounds": 1500, "checkpointInterval": 500, "sampleInterval": 100, "seed": 1
            }
            """);
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            UserDataDir = Path.Combine(_temp.Path, "chromium-profile"),
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        await page.GoToAsync($"http://127.0.0.1:{dashboardPort}/");
        // Submitted once the page shows the cluster, so the page sees the run from its first rounds on.
        var id = cluster.Submit(experiment);

        // The row, and its round advancing while the page polls.
        var first = await WaitForRowAsync(page, id, _ => true, "the experiment's row");
        var advanced = await WaitForRowAsync(page, id, row => row.Round > first.Round, $"its round advancing past {first.Round}");
        Assert.Contains(advanced.State, new[] { "running", "completed" });
        Assert.Equal("dashboard-ring8", advanced.Name);

        // The curve (both losses, several points) and the sample grid as the browser decoded it.
        await WaitForRowAsync(page, id, async _ => await page.EvaluateExpressionAsync<int>(
            "(document.querySelector('#curve path.loss-d')?.getAttribute('d') || '').split('L').length") > 10, "the loss curve drawn");
        Assert.Matches("^M[0-9.]+,[0-9.]+(L[0-9.]+,[0-9.]+)+$", await page.EvaluateExpressionAsync<string>("document.querySelector('#curve path.loss-g').getAttribute('d')"));
        await WaitForRowAsync(page, id, async _ => await page.EvaluateExpressionAsync<bool>(
            "(() => { const i = document.getElementById('samples'); return i.complete && i.naturalWidth > 0; })()"), "the sample grid loaded");
        Assert.StartsWith($"/api/experiments/{id}/samples.png", new Uri(await page.EvaluateExpressionAsync<string>("document.getElementById('samples').src")).PathAndQuery, StringComparison.Ordinal);

        // The worker pair serving it, while it runs (a finished run's pair is idle again).
        var pairs = await page.EvaluateExpressionAsync<string>("document.querySelector('#pairs tbody').innerText + ' ' + document.getElementById('idle').innerText");
        Assert.Contains("akka.tcp://gancluster@127.0.0.1:", pairs, StringComparison.Ordinal);

        var completed = await WaitForRowAsync(page, id, row => row.State == "completed", "the experiment completed");
        Assert.Equal(1500, completed.Round);
        // The whole run's curve: metrics.jsonl's rows (every 10 rounds) up to the last round, not only the rounds the
        // page happened to see in status replies.
        await WaitForRowAsync(page, id, async _ =>
        {
            var axis = await page.EvaluateExpressionAsync<string>("document.getElementById('curve').textContent");
            var seen = Regex.Match(await page.EvaluateExpressionAsync<string>("document.getElementById('curve-note').textContent"), @"^(\d+) rounds seen");
            return axis.Contains("round 1500", StringComparison.Ordinal) && seen.Success && int.Parse(seen.Groups[1].Value, CultureInfo.InvariantCulture) >= 150;
        }, "the whole curve, rounds 10 to 1500");
        await ScreenshotAsync(page);

        using var http = new HttpClient();
        var coordinatorMetrics = await http.GetStringAsync($"http://127.0.0.1:{dashboardPort}/metrics");
        Assert.Matches(@"gancluster_rounds_accepted_total\{[^}]*\} 1500\b", coordinatorMetrics);
        Assert.Matches(@"gancluster_checkpoint_duration_seconds_count\{[^}]*\} 3\b", coordinatorMetrics);
        Assert.Contains("gancluster_workers{", coordinatorMetrics, StringComparison.Ordinal);
        var generatorMetrics = await http.GetStringAsync($"http://127.0.0.1:{generatorMetricsPort}/metrics");
        Assert.Matches(@"gancluster_rounds_completed_total\{[^}]*\} 1500\b", generatorMetrics);
        Assert.Contains("gancluster_exchange_bytes_total", generatorMetrics, StringComparison.Ordinal);
        Assert.DoesNotContain("gancluster_workers{", generatorMetrics, StringComparison.Ordinal);

        cluster.Stop();
    }

    private sealed record Row(string State, int Round, string Name, string Text);

    private Task<Row> WaitForRowAsync(IPage page, string id, Func<Row, bool> done, string what) =>
        WaitForRowAsync(page, id, row => Task.FromResult(done(row)), what);

    /// <summary>
    /// Reads the experiment's row as the page shows it until <paramref name="done"/> holds; fails only when the page shows
    /// nothing new (row text) for <see cref="Quiet"/>, so a slow machine slows the test and a stalled page fails it.
    /// </summary>
    private async Task<Row> WaitForRowAsync(IPage page, string id, Func<Row, Task<bool>> done, string what)
    {
        var last = string.Empty;
        var changed = DateTime.UtcNow;
        while (true)
        {
            var cells = await page.EvaluateFunctionAsync<string[]>(
                "id => Array.from(document.querySelectorAll(`#experiments tr[data-id='${id}'] td`)).map(td => td.textContent)", id);
            var row = cells is { Length: >= 4 } && RoundPattern().Match(cells[3]) is { Success: true } m
                ? new Row(cells[2], int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), cells[1], string.Join(" | ", cells))
                : null;
            if (row is not null && await done(row))
            {
                _output.WriteLine($"{what}: {row.Text}");
                return row;
            }

            var text = row?.Text ?? string.Empty;
            if (text != last)
            {
                (last, changed) = (text, DateTime.UtcNow);
            }

            Assert.True(DateTime.UtcNow - changed < Quiet, $"waiting for {what}: the page showed nothing new for {Quiet.TotalSeconds:F0} s; last row: '{last}'; problem: '{await page.EvaluateExpressionAsync<string>("document.getElementById('problem').textContent")}'");
            await Task.Delay(250);
        }
    }

    /// <summary>Kept beside the test's files; copied to GANCLUSTER_DASHBOARD_SCREENSHOT when set (docs/dashboard.png is made so).</summary>
    private async Task ScreenshotAsync(IPage page)
    {
        var path = Path.Combine(_temp.Path, "dashboard.png");
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        if (Environment.GetEnvironmentVariable("GANCLUSTER_DASHBOARD_SCREENSHOT") is { Length: > 0 } target)
        {
            File.Copy(path, target, overwrite: true);
        }
    }

    [GeneratedRegex(@"^(\d+) / \d+$")]
    private static partial Regex RoundPattern();

    public void Dispose() => _temp.Dispose();
}
