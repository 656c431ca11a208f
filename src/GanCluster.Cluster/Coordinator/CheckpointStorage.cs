using GanCluster.Training.Core;

namespace GanCluster.Cluster.Coordinator;

// The checkpoint store as its consumer, the coordinator, needs it; the node project implements it on SQLite and
// PostgreSQL (GanCluster.Node.SqlCheckpointStore), so the cluster library never depends on the host.

/// <summary>The kinds of blobs stored per experiment and round.</summary>
public static class CheckpointRoles
{
    public const string Generator = "generator";
    public const string Discriminator = "discriminator";
    public const string Samples = "samples";
}

/// <summary>One stored blob: a half's state (or a sample grid) with the lowercase hex SHA-256 of <see cref="Data"/>.</summary>
public sealed record CheckpointBlob(string ExperimentId, int Round, string Role, byte[] Data, string Sha256)
{
    /// <summary>Lowercase hex SHA-256 of <paramref name="data"/>, the form stored with every blob.</summary>
    public static string Hash(byte[] data) => Hashing.Sha256Hex(data);

    /// <summary>A blob whose hash is computed from its data.</summary>
    public static CheckpointBlob Create(string experimentId, int round, string role, byte[] data) => new(experimentId, round, role, data, Hash(data));
}

/// <summary>What is stored, without the data.</summary>
public sealed record CheckpointInfo(string ExperimentId, int Round, string Role, long Size, string Sha256, DateTimeOffset StoredAt);

/// <summary>Durable storage of checkpoint halves and sample grids on the coordinator's database.</summary>
public interface ICheckpointStore
{
    /// <summary>
    /// Stores the blob, replacing one with the same experiment, round and role, in one transaction: a process killed
    /// mid-write leaves the old row or the new one. Throws <see cref="CorruptCheckpointException"/> (and stores
    /// nothing) when the data does not match <see cref="CheckpointBlob.Sha256"/>.
    /// </summary>
    Task SaveAsync(CheckpointBlob blob);

    /// <summary>The blob, verified against its SHA-256 (a <see cref="CorruptCheckpointException"/> naming the experiment, round and role otherwise); null when absent.</summary>
    Task<CheckpointBlob?> LoadAsync(string experimentId, int round, string role);

    /// <summary>Every stored blob of the experiment, by round then role.</summary>
    Task<IReadOnlyList<CheckpointInfo>> ListAsync(string experimentId);

    /// <summary>Deletes every role's blob of the round (nothing when absent).</summary>
    Task DeleteAsync(string experimentId, int round);
}

/// <summary>Which stored checkpoints are leftovers the journal never recorded, pure.</summary>
public static class CheckpointOrphans
{
    /// <summary>Stored rounds not journaled and below the newest journaled round (none when nothing is journaled).</summary>
    public static IReadOnlyList<int> Below(IEnumerable<int> stored, IEnumerable<int> journaled)
    {
        var recorded = journaled.ToHashSet();
        return recorded.Count == 0 ? [] : stored.Distinct().Where(r => !recorded.Contains(r) && r < recorded.Max()).Order().ToList();
    }
}
