using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace GanCluster.Node;

/// <summary>Serilog for a node: readable lines on the console and a rolling JSON file per node.</summary>
public static class LoggingSetup
{
    /// <summary>Largest size of one log file before it rolls over to a new one (the day's files keep a sequence number).</summary>
    public const long FileSizeLimitBytes = 50L * 1024 * 1024;

    /// <summary>Log files kept per node; older ones are deleted by the sink.</summary>
    public const int RetainedFileCount = 31;

    /// <summary>
    /// Creates the node's logger and sets <see cref="Log.Logger"/> to it (Akka's own events reach it through
    /// Akka.Logger.Serilog, configured in base.conf). Every event carries a <c>Node</c> property. The file sink writes
    /// compact JSON (one event per line) to &lt;logDirectory&gt;/gancluster-&lt;node&gt;-&lt;yyyyMMdd&gt;.json, rolling daily
    /// and at <see cref="FileSizeLimitBytes"/>. Dispose the returned logger (or call <see cref="Log.CloseAndFlush"/>)
    /// at exit so the last events reach the file.
    /// </summary>
    /// <param name="nodeName">The node's name (its files and every event's <c>Node</c> property).</param>
    /// <param name="logDirectory">Where the node's files go.</param>
    /// <param name="level">The lowest level logged.</param>
    /// <param name="otlpLogs">
    /// An OTLP/HTTP (protobuf) logs endpoint (<c>--otlp-logs</c>): every event also goes there through Serilog's
    /// OpenTelemetry sink, batched in the background, as OpenTelemetry log records whose resource names the service
    /// (<c>gancluster</c>) and this node (<c>service.instance.id</c>). Null: off (the default).
    /// </param>
    public static Logger Configure(string nodeName, string logDirectory, LogEventLevel level = LogEventLevel.Information, Uri? otlpLogs = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        Directory.CreateDirectory(logDirectory);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // Akka's remoting is chatty at Debug (every association attempt); keep it at Information unless asked
            // for Verbose explicitly.
            .MinimumLevel.Override("Akka.Remote", level == LogEventLevel.Verbose ? LogEventLevel.Verbose : LogEventLevel.Information)
            .Enrich.WithProperty("Node", nodeName)
            .Enrich.FromLogContext()
            // Every console line goes to stderr (standardErrorFromLevel: Verbose): the CLI's stdout carries
            // machine-readable output (JSON, ids) that scripts parse, and log lines must never mix into it.
            .WriteTo.Console(
                standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3} {Node}] {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .WriteTo.File(
                new CompactJsonFormatter(),
                Path.Combine(logDirectory, $"gancluster-{nodeName}-.json"),
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: FileSizeLimitBytes,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: RetainedFileCount,
                flushToDiskInterval: TimeSpan.FromSeconds(1));
        if (otlpLogs is not null)
        {
            configuration = configuration.WriteTo.OpenTelemetry(options =>
            {
                options.Endpoint = otlpLogs.ToString();
                options.Protocol = Serilog.Sinks.OpenTelemetry.OtlpProtocol.HttpProtobuf;
                options.ResourceAttributes = new Dictionary<string, object>
                {
                    ["service.name"] = "gancluster",
                    ["service.instance.id"] = nodeName,
                };
            });
        }

        var logger = configuration.CreateLogger();
        Log.Logger = logger;
        return logger;
    }
}
