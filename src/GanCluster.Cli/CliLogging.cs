using Serilog;
using Serilog.Events;

namespace GanCluster.Cli;

/// <summary>Serilog for commands that do not start a node: human-readable lines on stderr, stdout stays for results.</summary>
internal static class CliLogging
{
    public static ILogger Create(LogEventLevel level = LogEventLevel.Information) => new LoggerConfiguration()
        .MinimumLevel.Is(level)
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
        .CreateLogger();
}
