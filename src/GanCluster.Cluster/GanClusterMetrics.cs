using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GanCluster.Cluster;

/// <summary>
/// The node's instruments, one <see cref="Meter"/> named <see cref="MeterName"/> that a node's <c>/metrics</c> endpoint
/// exports in Prometheus format. Each is fed where the fact is known already: the generator worker counts the rounds it
/// completes and the bytes they exchanged, the experiment runner the rounds it accepts and how long a checkpoint took
/// (asked of both halves until both are stored), the coordinator its queue and worker pool. An instrument whose feeder
/// does not run in this process (a worker node has no queue) simply reports nothing.
/// </summary>
public static class GanClusterMetrics
{
    /// <summary>The meter every GanCluster instrument belongs to.</summary>
    public const string MeterName = "GanCluster";

    private static readonly Meter Meter = new(MeterName);

    // The coordinator's last published counts; null while no coordinator runs in this process.
    private static volatile CoordinatorCounts? _coordinator;

    /// <summary>Rounds this node's generator worker completed (Prometheus: gancluster_rounds_completed_total); its rate is rounds/s.</summary>
    public static readonly Counter<long> RoundsCompleted =
        Meter.CreateCounter<long>("gancluster.rounds.completed", "{round}", "Rounds completed by this node's generator worker");

    /// <summary>Rounds the coordinator accepted in order (Prometheus: gancluster_rounds_accepted_total).</summary>
    public static readonly Counter<long> RoundsAccepted =
        Meter.CreateCounter<long>("gancluster.rounds.accepted", "{round}", "Rounds accepted by the coordinator");

    /// <summary>Bytes of fake batches and gradients exchanged by the rounds this generator completed (gancluster_exchange_bytes_total).</summary>
    public static readonly Counter<long> ExchangeBytes =
        Meter.CreateCounter<long>("gancluster.exchange", "By", "Bytes exchanged between generator and discriminator (fake batches and gradients)");

    /// <summary>From asking both halves for a checkpoint to both stored (gancluster_checkpoint_duration_seconds).</summary>
    public static readonly Histogram<double> CheckpointDuration =
        Meter.CreateHistogram<double>("gancluster.checkpoint.duration", "s", "Time from asking both halves for a checkpoint until both are stored",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });

    static GanClusterMetrics()
    {
        Meter.CreateObservableGauge("gancluster.experiments", ObserveExperiments, "{experiment}", "Experiments by state (queued is the queue length)");
        Meter.CreateObservableGauge("gancluster.workers", ObserveWorkers, "{worker}", "Workers registered with the coordinator, by role");
    }

    /// <summary>What the coordinator publishes after each message it handles.</summary>
    public sealed record CoordinatorCounts(int Queued, int Running, int Paused, int Generators, int Discriminators);

    /// <summary>The coordinator's counts, or null when it stops (its node then reports no queue).</summary>
    public static void PublishCoordinator(CoordinatorCounts? counts) => _coordinator = counts;

    private static IEnumerable<Measurement<int>> ObserveExperiments()
    {
        if (_coordinator is not { } c)
        {
            yield break;
        }

        yield return new Measurement<int>(c.Queued, new KeyValuePair<string, object?>("state", "queued"));
        yield return new Measurement<int>(c.Running, new KeyValuePair<string, object?>("state", "running"));
        yield return new Measurement<int>(c.Paused, new KeyValuePair<string, object?>("state", "paused"));
    }

    private static IEnumerable<Measurement<int>> ObserveWorkers()
    {
        if (_coordinator is not { } c)
        {
            yield break;
        }

        yield return new Measurement<int>(c.Generators, new KeyValuePair<string, object?>("role", "generator"));
        yield return new Measurement<int>(c.Discriminators, new KeyValuePair<string, object?>("role", "discriminator"));
    }

    /// <summary>Seconds since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public static double SecondsSince(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
}
