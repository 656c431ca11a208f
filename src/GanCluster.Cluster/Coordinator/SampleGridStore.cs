using Akka.Actor;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Stores the sample grids generators send, a child of the coordinator with that one job: each save runs on the store
/// as a task and its outcome is piped to the coordinator as <see cref="Stored"/>, which journals the grid (or pauses
/// the run when the store failed). The coordinator checks the experiment is known before handing a grid over.
/// </summary>
public sealed class SampleGridStore : ReceiveActor
{
    /// <summary>A grid is saved (<paramref name="Error"/> null) or could not be; <paramref name="Event"/> is what to journal.</summary>
    public sealed record Stored(SampleGridStored Event, Exception? Error) : INoSerializationVerificationNeeded;

    public SampleGridStore(ICheckpointStore store)
    {
        Receive<SampleGridImage>(grid =>
        {
            var stored = new SampleGridStored(grid.Id.Value, grid.Round);
            store.SaveAsync(new CheckpointBlob(stored.Id, grid.Round, CheckpointRoles.Samples, grid.Png, CheckpointBlob.Hash(grid.Png)))
                .PipeTo(Sender, success: () => new Stored(stored, null), failure: e => new Stored(stored, e));
        });
    }

    public static Props Props(ICheckpointStore store) => Akka.Actor.Props.Create(() => new SampleGridStore(store));
}
