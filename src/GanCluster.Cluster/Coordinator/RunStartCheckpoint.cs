using GanCluster.Training.Core;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// What a run starts from, read from the checkpoint store (no Akka): the newest checkpoint whose both halves verify
/// against the journal (round 0 and no halves: from scratch), the reasons damaged ones were skipped, and the stored
/// checkpoints deleted because the journal never recorded them.
/// </summary>
public sealed record RunStartCheckpoint(int Round, CheckpointBlob? Generator, CheckpointBlob? Discriminator, IReadOnlyList<string> Skipped, IReadOnlyList<int> Orphans)
{
    /// <summary>Deletes the orphans (<see cref="CheckpointOrphans.Below"/>), then loads the newest checkpoint that verifies.</summary>
    public static async Task<RunStartCheckpoint> LoadAsync(ICheckpointStore store, string id, IReadOnlyList<CheckpointRef> journaled)
    {
        // Leftovers of a coordinator killed between storing and journaling a checkpoint: below the newest recorded
        // round only, since a save in flight is always above it.
        var orphans = CheckpointOrphans.Below((await store.ListAsync(id).ConfigureAwait(false)).Select(c => c.Round), journaled.Select(c => c.Round));
        foreach (var round in orphans)
        {
            await store.DeleteAsync(id, round).ConfigureAwait(false);
        }

        var skipped = new List<string>();
        foreach (var checkpoint in journaled.Reverse())
        {
            try
            {
                var g = await store.LoadAsync(id, checkpoint.Round, CheckpointRoles.Generator).ConfigureAwait(false);
                var d = await store.LoadAsync(id, checkpoint.Round, CheckpointRoles.Discriminator).ConfigureAwait(false);
                if (g is null || d is null)
                {
                    skipped.Add($"checkpoint of round {checkpoint.Round} is missing a half");
                }
                else if (g.Sha256 != checkpoint.GeneratorSha256 || d.Sha256 != checkpoint.DiscriminatorSha256)
                {
                    skipped.Add($"checkpoint of round {checkpoint.Round} does not match the SHA-256 in the journal");
                }
                else
                {
                    return new RunStartCheckpoint(checkpoint.Round, g, d, skipped, orphans);
                }
            }
            catch (Exception e) when (e is CorruptCheckpointException or InvalidDataException)
            {
                skipped.Add($"checkpoint of round {checkpoint.Round}: {e.Message}");
            }
        }

        return new RunStartCheckpoint(0, null, null, skipped, orphans);
    }

    /// <summary>
    /// A PBT exploit: copies <paramref name="source"/>'s stored halves, byte for byte, to experiment <paramref name="id"/> at
    /// the same round (replacing its own there) and continues from them. Throws <see cref="InvalidDataException"/> when the
    /// source's halves are missing or do not match the SHA-256 the generation decision recorded.
    /// </summary>
    public static async Task<RunStartCheckpoint> CopyAsync(ICheckpointStore store, string id, CheckpointSource source)
    {
        var g = await store.LoadAsync(source.Id, source.Round, CheckpointRoles.Generator).ConfigureAwait(false);
        var d = await store.LoadAsync(source.Id, source.Round, CheckpointRoles.Discriminator).ConfigureAwait(false);
        if (g is null || d is null)
        {
            throw new InvalidDataException($"the checkpoint of {source.Id} at round {source.Round} is missing a half");
        }

        if (g.Sha256 != source.GeneratorSha256 || d.Sha256 != source.DiscriminatorSha256)
        {
            throw new InvalidDataException($"the checkpoint of {source.Id} at round {source.Round} does not match the SHA-256 the PBT generation recorded");
        }

        var (copyG, copyD) = (g with { ExperimentId = id }, d with { ExperimentId = id });
        await store.SaveAsync(copyG).ConfigureAwait(false);
        await store.SaveAsync(copyD).ConfigureAwait(false);
        return new RunStartCheckpoint(source.Round, copyG, copyD, [], []);
    }
}
