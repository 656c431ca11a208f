using Akka.Actor;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Serves stored blobs to clients: a checkpoint's halves (<c>gancluster evaluate &lt;id&gt;</c> takes the generator half,
/// <c>gancluster checkpoint</c> both) in parts the client pulls one at a time, each well below a remoting frame, and the
/// latest sample grid. What to load is decided by <see cref="CoordinatorQueries"/>. Loads run on the thread pool and reply straight to the asker, so the coordinator's mailbox
/// never waits on the store; a failed load answers "not there" rather than nothing. The last blob loaded is kept, so
/// the parts of one download read the store once.
/// </summary>
public sealed class CheckpointDownloads(ICheckpointStore store)
{
    /// <summary>Largest part served: a quarter of the default 4 MiB frame.</summary>
    public const int MaximumPart = 1 << 20;

    private readonly object _lock = new();
    private CheckpointBlob? _cached;

    /// <summary>Loads what <paramref name="download"/> names and replies to <paramref name="replyTo"/> (see each <see cref="Download"/>).</summary>
    public void Serve(Download download, IActorRef replyTo)
    {
        switch (download)
        {
            case Download.Samples d: Samples(d, replyTo); break;
            case Download.Latest d: Describe(d, replyTo); break;
            case Download.Stored d: Describe(d, replyTo); break;
            case Download.Part d: Serve(d.Id, d.Round, d.Role, d.Offset, d.Length, replyTo); break;
            default: throw new ArgumentOutOfRangeException(nameof(download), download.GetType().Name, "unknown download");
        }
    }

    private void Describe(Download.Latest d, IActorRef replyTo) =>
        LoadAsync(d.Id.Value, d.Round, CheckpointRoles.Generator).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is { } blob
                ? new LatestCheckpoint(d.Id, d.Round, d.SpecJson, blob.Data.LongLength, blob.Sha256)
                : new NoCheckpointYet(d.Id)),
            TaskScheduler.Default);

    private void Describe(Download.Stored d, IActorRef replyTo)
    {
        var id = d.Id.Value;
        Task.WhenAll(LoadAsync(id, d.Round, CheckpointRoles.Generator), LoadAsync(id, d.Round, CheckpointRoles.Discriminator)).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is [{ } g, { } b]
                ? new StoredCheckpoint(d.Id, d.Round, d.SpecJson, g.Data.LongLength, g.Sha256, b.Data.LongLength, b.Sha256)
                : new CheckpointRoundUnavailable(d.Id, d.Round, d.Rounds)),
            TaskScheduler.Default);
    }

    private void Samples(Download.Samples d, IActorRef replyTo) =>
        store.LoadAsync(d.Id.Value, d.Round, CheckpointRoles.Samples).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is { } blob ? new SamplesReply(d.Id, d.Round, "png", blob.Data) : new NoSamplesYet(d.Id)),
            TaskScheduler.Default);

    private void Serve(ExperimentId id, int round, string role, long offset, int length, IActorRef replyTo) =>
        LoadAsync(id.Value, round, role).ContinueWith(
            t =>
            {
                if (!t.IsCompletedSuccessfully || t.Result is not { } blob)
                {
                    replyTo.Tell(new NoCheckpointYet(id));
                    return;
                }

                var start = (int)Math.Clamp(offset, 0, blob.Data.LongLength);
                var count = Math.Min(Math.Clamp(length, 0, MaximumPart), blob.Data.Length - start);
                replyTo.Tell(new CheckpointPart(id, round, start, blob.Data.AsSpan(start, count).ToArray()));
            },
            TaskScheduler.Default);

    private async Task<CheckpointBlob?> LoadAsync(string id, int round, string role)
    {
        lock (_lock)
        {
            if (_cached is { } hit && hit.ExperimentId == id && hit.Round == round && hit.Role == role)
            {
                return hit;
            }
        }

        var blob = await store.LoadAsync(id, round, role).ConfigureAwait(false);
        lock (_lock)
        {
            _cached = blob ?? _cached;
        }

        return blob;
    }
}
