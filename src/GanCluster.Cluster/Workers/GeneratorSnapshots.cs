using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// What a generator worker sends the coordinator at a round boundary, made on its torch thread: a checkpoint (the half's
/// state, the sample grid and, for the 2-D benchmarks, the captured modes) or a sample grid alone. Each message comes
/// with its payload size, which decides whether it is chunked.
/// </summary>
public static class GeneratorSnapshots
{
    /// <summary>In the order of a local run: the state, the sample grid, then the captured modes (for the mode-collapse alarm).</summary>
    public static IReadOnlyList<(IWorkerProtocol Message, long Bytes)> Checkpoint(GeneratorHalf half, ExperimentSpec spec, ExperimentId id, int round)
    {
        var state = half.SaveState();
        var messages = new List<(IWorkerProtocol Message, long Bytes)>(Samples(half, spec, id, round));
        if (Evaluation.Modes(half, spec) is { } modes)
        {
            messages.Add((new WorkerMetrics(id, round, MetricsRecord.Modes(modes).Select(kv => new MetricValue(kv.Key, kv.Value)).ToList()), 0));
        }

        messages.Add((new HalfCheckpoint(id, WorkerRole.Generator, round, state.Sha256, state.Data), state.Data.LongLength));
        return messages;
    }

    /// <summary>The fixed-noise grid (images) or scatter plot (2-D data), as a local run writes it.</summary>
    public static IReadOnlyList<(IWorkerProtocol Message, long Bytes)> Samples(GeneratorHalf half, ExperimentSpec spec, ExperimentId id, int round)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gancluster-grid-{Guid.NewGuid():N}.png");
        try
        {
            SampleRenderer.WriteSamples(half, spec, file);
            var png = File.ReadAllBytes(file);
            return [(new SampleGridImage(id, round, png), png.LongLength)];
        }
        finally
        {
            File.Delete(file);
        }
    }
}
