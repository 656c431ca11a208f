using Akka.Configuration;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>Settings of the coordinator (HOCON section <c>gancluster.coordinator</c>).</summary>
/// <param name="CheckpointRetention">Checkpoints kept per experiment; older ones are pruned.</param>
/// <param name="LogEvery">A round summary is logged every this many rounds.</param>
/// <param name="RecordEvery">Round metrics are journaled in batches of this many rounds (and at every checkpoint).</param>
/// <param name="SnapshotEvery">A snapshot of the state is saved every this many events.</param>
/// <param name="Wire">The wire settings every node and client must share.</param>
/// <param name="ChunkSize">Messages larger than this go through the bulk sender.</param>
public sealed record CoordinatorSettings(int CheckpointRetention, int LogEvery, int RecordEvery, int SnapshotEvery, WireSettings Wire, int ChunkSize)
{
    /// <summary>Per-experiment metrics files and alarms (HOCON section <c>gancluster.monitoring</c>); no files by default.</summary>
    public MonitoringSettings Monitoring { get; init; } = MonitoringSettings.None;

    /// <summary>Evaluation of every stored checkpoint (HOCON section <c>gancluster.quality</c>); off by default.</summary>
    public QualitySettings Quality { get; init; } = QualitySettings.None;

    public static CoordinatorSettings FromConfig(Config config, WireSettings wire, int chunkSize) => new(
        config.GetInt("gancluster.coordinator.checkpoint-retention", 3),
        config.GetInt("gancluster.coordinator.log-every", 50),
        config.GetInt("gancluster.coordinator.record-every", 50),
        config.GetInt("gancluster.coordinator.snapshot-every", 200),
        wire,
        chunkSize);
}
