using Akka.Actor;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Serves stored blobs to clients: a checkpoint's halves (<c>gancluster evaluate &lt;id&gt;</c> takes the generator half,
/// <c>gancluster checkpoint</c> both) in parts the client pulls one at a time, each well below a remoting frame, and the
/// latest sample grid. Loads run on the thread pool and reply straight to the asker, so the coordinator's mailbox
/// never waits on the store; a failed load answers "not there" rather than nothing. The last blob loaded is kept, so
/// the parts of one download read the store once.
/// </summary>
public sealed class CheckpointDownloads(ICheckpointStore store)
{
    /// <summary>Largest part served: a quarter of the default 4 MiB frame.</summary>
    public const int MaximumPart = 1 << 20;

    private readonly object _lock = new();
    private CheckpointBlob? _cached;

    /// <summary>Replies <see cref="LatestCheckpoint"/> (or <see cref="NoCheckpointYet"/>) for the generator half of <paramref name="round"/>.</summary>
    public void Describe(ExperimentId id, int? round, string specJson, IActorRef replyTo)
    {
        if (round is not { } r)
        {
            replyTo.Tell(new NoCheckpointYet(id));
            return;
        }

        LoadAsync(id.Value, r, CheckpointRoles.Generator).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is { } blob
                ? new LatestCheckpoint(id, r, specJson, blob.Data.LongLength, blob.Sha256)
                : new NoCheckpointYet(id)),
            TaskScheduler.Default);
    }

    /// <summary>
    /// Replies <see cref="StoredCheckpoint"/> for the asked (or newest) of the journaled <paramref name="rounds"/>,
    /// <see cref="NoCheckpointYet"/> when there is none, <see cref="CheckpointRoundUnavailable"/> for a round not stored.
    /// </summary>
    public void Describe(GetStoredCheckpoint request, IReadOnlyList<int> rounds, string specJson, IActorRef replyTo)
    {
        if (rounds.Count == 0)
        {
            replyTo.Tell(new NoCheckpointYet(request.Id));
            return;
        }

        var round = request.Round ?? rounds[^1];
        if (!rounds.Contains(round))
        {
            replyTo.Tell(new CheckpointRoundUnavailable(request.Id, round, rounds));
            return;
        }

        var id = request.Id.Value;
        Task.WhenAll(LoadAsync(id, round, CheckpointRoles.Generator), LoadAsync(id, round, CheckpointRoles.Discriminator)).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is [{ } g, { } d]
                ? new StoredCheckpoint(request.Id, round, specJson, g.Data.LongLength, g.Sha256, d.Data.LongLength, d.Sha256)
                : new CheckpointRoundUnavailable(request.Id, round, rounds)),
            TaskScheduler.Default);
    }

    /// <summary>Replies <see cref="CheckpointPart"/> of the generator half (or <see cref="NoCheckpointYet"/> when the round is gone, e.g. pruned).</summary>
    public void Serve(GetCheckpointPart request, IActorRef replyTo) =>
        Serve(request.Id, request.Round, CheckpointRoles.Generator, request.Offset, request.Length, replyTo);

    /// <summary>Replies <see cref="CheckpointPart"/> of either half (or <see cref="NoCheckpointYet"/> when the round is gone).</summary>
    public void Serve(GetCheckpointHalfPart request, IActorRef replyTo) =>
        Serve(request.Id, request.Round, request.Role == WorkerRole.Generator ? CheckpointRoles.Generator : CheckpointRoles.Discriminator, request.Offset, request.Length, replyTo);

    /// <summary>Replies <see cref="SamplesReply"/> with the grid of <paramref name="round"/>, or <see cref="NoSamplesYet"/>.</summary>
    public void Samples(ExperimentId id, int? round, IActorRef replyTo)
    {
        if (round is not { } r)
        {
            replyTo.Tell(new NoSamplesYet(id));
            return;
        }

        store.LoadAsync(id.Value, r, CheckpointRoles.Samples).ContinueWith(
            t => replyTo.Tell(t.IsCompletedSuccessfully && t.Result is { } blob ? new SamplesReply(id, r, "png", blob.Data) : new NoSamplesYet(id)),
            TaskScheduler.Default);
    }

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
