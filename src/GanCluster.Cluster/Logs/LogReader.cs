using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Logs;

/// <summary>
/// Serves this node's log lines of one experiment (<see cref="ReadExperimentLogs"/>) from the node's log folder, on
/// every node at <see cref="Path"/>. Files are read on the thread pool and the answer piped back, so a large folder never
/// blocks the node's dispatcher.
/// </summary>
public sealed class LogReader : ReceiveActor
{
    /// <summary>Where every node runs its log reader.</summary>
    public const string Path = "/user/logs";

    /// <param name="address">This node's cluster address (cursors name it).</param>
    /// <param name="directory">The node's log folder.</param>
    /// <param name="nodeName">The node's name, as its log files and events carry it.</param>
    /// <param name="roles">Its roles, joined by '+'.</param>
    public LogReader(string address, string directory, string nodeName, string roles)
    {
        var log = Context.GetLogger();
        Receive<ReadExperimentLogs>(read =>
        {
            var replyTo = Sender;
            var after = read.After is { } cursor && cursor.Address == address ? cursor : null;
            Task.Run(() =>
            {
                var lines = LogFileReader.Read(directory, nodeName, read.Id, read.Since, after?.File, after?.Offset ?? 0, read.MaxBytes);
                return new NodeLogLines(address, nodeName, roles, lines.Lines, new LogCursor(address, lines.File, lines.Offset), lines.More);
            }).PipeTo(replyTo, failure: e =>
            {
                log.Warning("Could not read the logs of experiment {0} in {1}: {2}", read.Id.Value, directory, e.Message);
                return new NodeLogLines(address, nodeName, roles, [$"(could not read the log folder {directory}: {e.Message})"], after ?? new LogCursor(address, "", 0), false);
            });
        });
    }

    public static Props Props(string address, string directory, string nodeName, string roles) =>
        Akka.Actor.Props.Create(() => new LogReader(address, directory, nodeName, roles));
}
