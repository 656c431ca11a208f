using Akka.Event;

namespace GanCluster.Node;

/// <summary>
/// Akka's minimal logger for the moments before the configured loggers start and after they stop (a DotNetty
/// warning while a client shuts down, for example), writing to stderr instead of stdout: the CLI's stdout carries
/// its result (the id printed by <c>submit</c>, listings) and must never receive a log line.
/// Configured by <c>akka.stdout-logger-class</c> in <see cref="CoordinatorClient"/>.
/// </summary>
public sealed class StandardErrorLogger : MinimalLogger
{
    protected override void Log(object message) => Console.Error.WriteLine(message);
}
