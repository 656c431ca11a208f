using System.CommandLine;
using GanCluster.Node;
using GanCluster.Protocol;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster logs &lt;id&gt;</c>: the experiment's log lines from every node of the cluster (each node serves the
/// lines of its own log files that name the experiment), merged by time, through the coordinator; no ssh.
/// </summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The experiment id." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until the experiment ends (or Ctrl+C)." };
        var node = new Option<string?>("--node") { Description = "Only the nodes of this role (generator, discriminator, coordinator) or with this node name." };
        var since = new Option<string?>("--since") { Description = "Only lines from this time on: an ISO 8601 time (2026-12-02T03:40:00Z) or an age (90s, 10m, 2h, 1d)." };
        var json = new Option<bool>("--json") { Description = "Print each event as the node logged it (compact JSON, one per line)." };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls with --follow.", DefaultValueFactory = _ => 2 };
        var command = new Command("logs", "Print an experiment's log lines from every node that logged them, merged by time.")
        {
            id, follow, node, since, json, interval, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction((parse, cancellation) => ClientCommands.Run(parse, async client =>
        {
            var experiment = new ExperimentId(parse.GetValue(id)!.Trim());
            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } text && (from = LogLineView.ParseSince(text, DateTimeOffset.UtcNow, out var error)) is null)
            {
                Console.Error.WriteLine($"gancluster logs: --since: {error}");
                return 2;
            }

            var cursors = new Dictionary<string, LogCursor>();
            var reported = new HashSet<string>();
            var filter = parse.GetValue(node);
            var timeout = ClientCommands.TimeoutOf(parse);
            while (true)
            {
                var reply = await client().AskAsync(new GetExperimentLogs(experiment, from, [.. cursors.Values]), timeout).ConfigureAwait(false);
                if (reply is not ExperimentLogs logs)
                {
                    return ClientCommands.Refusal(reply, "cannot read the logs");
                }

                foreach (var unavailable in logs.Unavailable.Where(reported.Add))
                {
                    Console.Error.WriteLine($"gancluster logs: {unavailable}");
                }

                foreach (var answer in logs.Nodes)
                {
                    cursors[answer.Address] = answer.Cursor;
                }

                foreach (var entry in LogLineView.Merge(logs.Nodes.Where(n => LogLineView.Selected(n, filter))))
                {
                    Console.WriteLine(parse.GetValue(json) ? entry.Json : LogLineView.Render(entry));
                }

                if (logs.Nodes.Any(n => n.More))
                {
                    continue; // the rest of what is already logged, before waiting
                }

                if (!parse.GetValue(follow) || cancellation.IsCancellationRequested
                    || await Ended(client(), experiment, timeout).ConfigureAwait(false) is not false)
                {
                    return 0;
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.2, parse.GetValue(interval))), cancellation).ConfigureAwait(false);
            }
        }));
        return command;
    }

    /// <summary>Whether the experiment has ended (null when the cluster did not say).</summary>
    private static async Task<bool?> Ended(CoordinatorClient client, ExperimentId id, TimeSpan timeout) =>
        await client.AskAsync(new GetExperimentStatus(id), timeout).ConfigureAwait(false) is ExperimentStatusReply status
            ? MonitoringCommands.IsFinished(status.Summary.State)
            : null;
}
