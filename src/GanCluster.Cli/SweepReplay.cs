using System.CommandLine;
using GanCluster.Protocol;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster sweep replay &lt;id&gt; [--member &lt;experiment id&gt;] [--out file.json]</c>: a PBT member's schedule (its
/// root's seed and start, the learning rates decided at every generation) as one experiment that trains the member's
/// weights bit for bit, with <c>train --local</c> or <c>submit</c>.
/// </summary>
internal static class SweepReplay
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The id of a PBT sweep." };
        var member = new Option<string?>("--member") { Description = "The member to replay (an experiment id; default: the best by the sweep's metric at its last round)." };
        var output = new Option<string?>("--out") { Description = "Write the experiment to this new file (default: print it)." };
        var command = new Command("replay", "Write a PBT member's hyperparameter schedule as one experiment that reproduces its weights bit for bit.")
        {
            id, member, output, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction((parse, _) => ClientCommands.Run(parse, async client =>
        {
            var path = parse.GetValue(output);
            if (path is not null && File.Exists(path))
            {
                Console.Error.WriteLine($"--out: {path} already exists; name a new file (nothing was written)");
                return 2;
            }

            var sweep = new SweepId(parse.GetValue(id)!.Trim());
            var wanted = parse.GetValue(member) is { } m && !string.IsNullOrWhiteSpace(m) ? new ExperimentId(m.Trim()) : (ExperimentId?)null;
            var reply = await client().AskAsync(new GetSweepReplay(sweep, wanted), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
            switch (reply)
            {
                case SweepReplayReply replay:
                    var summary = $"replay of {replay.Member.Value} ({replay.Name}, {replay.State}) from sweep {replay.Id.Value}: {replay.Changes} learning-rate change(s)";
                    if (path is null)
                    {
                        Console.Error.WriteLine(summary);
                        Console.WriteLine(replay.SpecJson);
                        return 0;
                    }

                    var folder = Path.GetDirectoryName(Path.GetFullPath(path));
                    if (folder is not null)
                    {
                        Directory.CreateDirectory(folder);
                    }

                    await File.WriteAllTextAsync(path, replay.SpecJson + Environment.NewLine).ConfigureAwait(false);
                    Console.WriteLine($"{summary}; written to {path}");
                    Console.WriteLine($"train it: gancluster train --local {path}   (or queue it: gancluster submit {path})");
                    return 0;
                default:
                    return ClientCommands.Refusal(reply, "no replay");
            }
        }));
        return command;
    }
}
