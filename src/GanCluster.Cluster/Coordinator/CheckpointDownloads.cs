using Akka.Actor;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Serves a checkpoint's generator half to a client (<c>gancluster evaluate &lt;id&gt;</c>) in parts it pulls one at a
/// time (<see cref="GetCheckpointPart"/>), each well below a remoting frame. Loads run on the thread pool and reply
/// straight to the asker, as the sample-grid download does, so the coordinator's mailbox never waits on the store.
/// The last blob loaded is kept, so the parts of one download read the store once.
/// </summary>
public sealed class CheckpointDownloads(ICheckpointStore store)
{
    /// <summary>Largest part served: a quarter of the default 4 MiB frame.</summary>
    public const int MaximumPart = 1 << 20;

    private readonly object _lock = new();
    private CheckpointBlob? _cached;

    /// <summary>Replies <see cref="LatestCheckpoint"/> (or <see cref="NoCheckpointYet"/>) for the generator half of <paramref name="round"/>.</summary>
    public void Describe(ExperimentId id, int round, string specJson, IActorRef replyTo) =>
        LoadAsync(id.Value, round).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is { } blob
                ? new LatestCheckpoint(id, round, specJson, blob.Data.LongLength, blob.Sha256)
                : new NoCheckpointYet(id)),
            TaskScheduler.Default);

    /// <summary>Replies <see cref="CheckpointPart"/> (or <see cref="NoCheckpointYet"/> when the round is gone, e.g. pruned).</summary>
    public void Serve(GetCheckpointPart request, IActorRef replyTo) =>
        LoadAsync(request.Id.Value, request.Round).ContinueWith(
            t =>
            {
                if (!t.IsCompletedSuccessfully || t.Result is not { } blob)
                {
                    replyTo.Tell(new NoCheckpointYet(request.Id));
                    return;
                }

                var start = (int)Math.Clamp(request.Offset, 0, blob.Data.LongLength);
                var length = Math.Min(Math.Clamp(request.Length, 0, MaximumPart), blob.Data.Length - start);
                replyTo.Tell(new CheckpointPart(request.Id, request.Round, start, blob.Data.AsSpan(start, length).ToArray()));
            },
            TaskScheduler.Default);

    private async Task<CheckpointBlob?> LoadAsync(string id, int round)
    {
        lock (_lock)
        {
            if (_cached is { } hit && hit.ExperimentId == id && hit.Round == round)
            {
                return hit;
            }
        }

        var blob = await store.LoadAsync(id, round, CheckpointRoles.Generator).ConfigureAwait(false);
        lock (_lock)
        {
            _cached = blob ?? _cached;
        }

        return blob;
    }
}
