using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace GanCluster.Hosting;

/// <summary>Serilog for a node: readable lines on the console and a rolling JSON file per node.</summary>
public static class LoggingSetup
{
    /// <summary>
    /// Configures <see cref="Log.Logger"/>. The console sink writes to stderr so that stdout stays free for
    /// machine-readable output; the file sink writes compact JSON (one event per line, rolling daily and at
    /// 50 MB) to &lt;logDirectory&gt;/gancluster-&lt;node&gt;-&lt;date&gt;.json. Akka's own logging reaches
    /// Serilog through Akka.Logger.Serilog (akka.loggers in base.conf).
    /// </summary>
    public static ILogger Configure(string nodeName, string logDirectory, LogEventLevel level = LogEventLevel.Information)
    {
        Directory.CreateDirectory(logDirectory);
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Akka.Cluster", LogEventLevel.Information)
            .Enrich.WithProperty("Node", nodeName)
            .Enrich.FromLogContext()
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3} {Node}] {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(logDirectory, $"gancluster-{nodeName}-.json"),
                rollingInterval: RollingInterval.Day, fileSizeLimitBytes: 50L * 1024 * 1024, rollOnFileSizeLimit: true, flushToDiskInterval: TimeSpan.FromSeconds(1))
            .CreateLogger();
        Log.Logger = logger;
        return logger;
    }
}
