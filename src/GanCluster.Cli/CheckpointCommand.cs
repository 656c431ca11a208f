using System.CommandLine;
using System.Security.Cryptography;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Options;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster checkpoint &lt;id&gt; [--round N] --out x.ckpt</c>: downloads a stored checkpoint of a cluster
/// experiment (both halves, pulled in parts below a remoting frame, each checked against its SHA-256) and writes it in
/// the file format of a local run's checkpoints, so <c>export</c>, <c>evaluate</c> and <c>train --local --resume</c>
/// (with the file in the run folder's checkpoints/) take it.
/// </summary>
internal static class CheckpointCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The experiment id printed by submit." };
        var round = new Option<int?>("--round") { Description = "The checkpoint's round (default: the newest stored; older ones are pruned)." };
        var output = new Option<string>("--out") { Description = "The .ckpt file to write (the format of a local run's checkpoints/round-N.ckpt).", Required = true };
        var command = new Command("checkpoint", "Download a stored checkpoint of a cluster experiment as a .ckpt file (for export, evaluate, train --local --resume).")
        {
            id, round, output, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction(async (parse, _) =>
        {
            var value = parse.GetValue(id)!.Trim();
            var path = parse.GetValue(output)!;

            // Before contacting the cluster: a bad argument must not cost a round trip (or the whole timeout).
            var problem = parse.GetValue(round) is <= 0 and var bad ? $"--round must be a round number >= 1 (got {bad})"
                : !ExperimentId.IsValid(value) ? $"'{value}' is not an experiment id; 'gancluster list' shows them"
                : CliPaths.CheckOutputFile(path, "--out");
            if (problem is not null)
            {
                Console.Error.WriteLine($"gancluster checkpoint: {problem}");
                return 2;
            }

            return await ClientCommands.Run(parse, async client =>
            {
                var experiment = new ExperimentId(value);
                var timeout = ClientCommands.TimeoutOf(parse);
                var reply = await client().AskAsync(new GetStoredCheckpoint(experiment, parse.GetValue(round)), timeout).ConfigureAwait(false);
                switch (reply)
                {
                    case UnknownExperiment unknown:
                        return ClientCommands.UnknownId(unknown.Id);
                    case NoCheckpointYet:
                        Console.Error.WriteLine($"gancluster checkpoint: experiment {value} has no checkpoint yet; one is stored every checkpointInterval rounds");
                        return 1;
                    case CheckpointRoundUnavailable missing:
                        Console.Error.WriteLine($"gancluster checkpoint: experiment {value} has no stored checkpoint of round {missing.Round}; "
                                                + (missing.StoredRounds.Count == 0 ? "none is stored" : $"stored rounds: {string.Join(", ", missing.StoredRounds)} (older ones are pruned)"));
                        return 1;
                    case not StoredCheckpoint:
                        return ClientCommands.Unexpected(reply);
                }

                var stored = (StoredCheckpoint)reply;
                var generator = await DownloadAsync(client(), stored, WorkerRole.Generator, stored.GeneratorBytes, stored.GeneratorSha256, timeout).ConfigureAwait(false);
                var discriminator = await DownloadAsync(client(), stored, WorkerRole.Discriminator, stored.DiscriminatorBytes, stored.DiscriminatorSha256, timeout).ConfigureAwait(false);
                if (generator is null || discriminator is null)
                {
                    return 1;
                }

                ExperimentSpec spec;
                try
                {
                    spec = SpecJson.Parse(stored.SpecJson);
                }
                catch (SpecValidationException e)
                {
                    Console.Error.WriteLine($"gancluster checkpoint: the experiment's spec is not valid for this GanCluster version: {e.Message}");
                    return 1;
                }

                new Checkpoint(spec, stored.Round, generator, discriminator).Save(path);
                Console.WriteLine(Path.GetFullPath(path));
                return 0;
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>One half, in parts; null (after one line on stderr, starting with <paramref name="command"/>) when it went away or does not match its SHA-256.</summary>
    internal static async Task<HalfState?> DownloadAsync(CoordinatorClient client, StoredCheckpoint stored, WorkerRole role, long length, string sha256, TimeSpan timeout, string command = "gancluster checkpoint")
    {
        var bytes = new byte[length];
        for (long offset = 0; offset < bytes.LongLength;)
        {
            var part = await client.AskAsync(new GetCheckpointHalfPart(stored.Id, stored.Round, role, offset, 1 << 20), timeout).ConfigureAwait(false);
            if (part is not CheckpointPart { Data.Length: > 0 } piece || piece.Offset != offset)
            {
                Console.Error.WriteLine($"{command}: the checkpoint of round {stored.Round} went away during the download (pruned by a newer one?); run the command again");
                return null;
            }

            piece.Data.CopyTo(bytes, offset);
            offset += piece.Data.Length;
        }

        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha256)
        {
            Console.Error.WriteLine($"{command}: the downloaded {role.ToString().ToLowerInvariant()} half of round {stored.Round} does not match its SHA-256; run the command again");
            return null;
        }

        return new HalfState(bytes);
    }
}
