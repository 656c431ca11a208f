using System.Net;
using System.Net.Sockets;
using GanCluster.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace GanCluster.Node.Dashboard;

/// <summary>The HTTP port cannot be bound; the message names the flag and the fix.</summary>
public sealed class DashboardPortException(string message) : Exception(message);

/// <summary>
/// A node's HTTP endpoint (Kestrel, opt-in with --dashboard-port): <c>/metrics</c> in Prometheus format on every node
/// (OpenTelemetry's exporter over <see cref="GanClusterMetrics"/>), and on a coordinator node the dashboard page
/// (<c>/</c>, one embedded HTML file), its data (<c>/api/dashboard</c>) and each experiment's latest sample grid
/// (<c>/api/experiments/{id}/samples.png</c>). Read-only: nothing here changes the cluster.
/// </summary>
public sealed class NodeHttpEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile IDashboardSource? _source;

    private NodeHttpEndpoint(WebApplication app, bool dashboard)
    {
        _app = app;
        HasDashboard = dashboard;
    }

    /// <summary>Whether this node serves the dashboard (coordinator role) or only /metrics.</summary>
    public bool HasDashboard { get; }

    /// <summary>The address it listens on, e.g. http://127.0.0.1:8080.</summary>
    public string Url => _app.Urls.First();

    /// <summary>Where the dashboard's data comes from; set once the node's ActorSystem runs (the page says it waits until then).</summary>
    public IDashboardSource? Source
    {
        get => _source;
        set => _source = value;
    }

    /// <summary>Binds <paramref name="host"/>:<paramref name="port"/> and starts serving; a port in use is a <see cref="DashboardPortException"/>.</summary>
    /// <param name="host">Address to bind (loopback unless the node was started with --insecure).</param>
    /// <param name="port">Port to bind.</param>
    /// <param name="dashboard">Serve the dashboard (a coordinator node) besides /metrics.</param>
    /// <param name="nodeName">The node's name (its log name), the service instance in target_info.</param>
    public static async Task<NodeHttpEndpoint> StartAsync(string host, int port, bool dashboard, string nodeName)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        // The node logs through Serilog; Kestrel's own console lines would interleave with them on stderr.
        builder.Logging.ClearProviders();
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : Dns.GetHostAddresses(host)[0];
        builder.WebHost.UseKestrel(k => k.Listen(address, port));
        _ = GanClusterMetrics.RoundsCompleted; // creates the meter's instruments (and its gauges) before the exporter subscribes
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("gancluster", serviceInstanceId: nodeName))
            .WithMetrics(metrics => metrics.AddMeter(GanClusterMetrics.MeterName).AddPrometheusExporter());
        var app = builder.Build();
        var endpoint = new NodeHttpEndpoint(app, dashboard);
        app.MapPrometheusScrapingEndpoint();
        if (dashboard)
        {
            app.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html; charset=utf-8"));
            app.MapGet("/api/dashboard", () => endpoint.Source is { } source
                ? Results.Text(source.Snapshot().ToJsonString(), "application/json")
                : Results.Json(new { problem = "the node is starting", experiments = Array.Empty<object>(), pairs = Array.Empty<object>(), idleWorkers = Array.Empty<object>() }));
            app.MapGet("/api/experiments/{id}/samples.png", async (string id, HttpContext context) =>
                endpoint.Source is { } source && await source.SamplesAsync(id, context.RequestAborted).ConfigureAwait(false) is { } grid
                    ? Results.File(grid.Png, "image/png")
                    : Results.NotFound());
        }
        else
        {
            app.MapGet("/", () => Results.Text("This GanCluster node serves /metrics; the dashboard is on coordinator nodes started with --dashboard-port.\n"));
        }

        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new DashboardPortException($"--dashboard-port: {host}:{port} is already in use (another node's dashboard, or another program); choose another port with --dashboard-port");
        }

        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The dashboard page, read once from the assembly's embedded resource.</summary>
internal static class DashboardPage
{
    public static readonly string Html = Read();

    private static string Read()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("GanCluster.Node.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
