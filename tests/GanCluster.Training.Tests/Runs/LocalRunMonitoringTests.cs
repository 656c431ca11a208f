using GanCluster.Training.Core;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;
using GanCluster.Training.Tests.Monitoring;

namespace GanCluster.Training.Tests.Runs;

/// <summary>A local run writes its metrics (JSONL and TensorBoard), sample grids and mode coverage.</summary>
public sealed class LocalRunMonitoringTests
{
    private sealed class Recorder : ILocalRunObserver
    {
        public List<Alarm> Alarms { get; } = [];

        public List<int> Logged { get; } = [];

        public void Started(ExperimentSpec spec, string device, int startRound, string dataDescription)
        {
        }

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
        }

        public void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds) => Logged.Add(result.Round);

        public void Checkpointed(int round, string path)
        {
        }

        public void Alarmed(Alarm alarm) => Alarms.Add(alarm);

        public void Diverged(RoundResult result)
        {
        }

        public void Evaluated(EvaluationResult result)
        {
        }
    }

    [Fact]
    public void A_ring_run_records_metrics_diversity_modes_and_sample_images()
    {
        using var folder = new TempFolder();
        var spec = TinyData.Toy(LossKind.NonSaturating, 1) with { Rounds = 20, CheckpointInterval = 10 };
        var observer = new Recorder();

        new LocalRun(spec, new LocalRunOptions(folder.Path, LogEvery: 5, EvaluationSamples: 0), observer).Run(CancellationToken.None);

        var rows = MetricsLog.Read(folder.Path);
        Assert.Equal([5, 10, 10, 15, 20, 20], rows.Select(r => r.Round));
        Assert.All(rows.Where(r => r[MetricNames.DLoss] is not null), r => Assert.True(r[MetricNames.StepsPerSecond] > 0));
        Assert.NotNull(rows.First(r => r.Round == 10)[MetricNames.DiversityRatio]);
        var modes = rows.Where(r => r[MetricNames.ModesTotal] is not null).ToList();
        Assert.Equal([10, 20], modes.Select(r => r.Round));
        Assert.All(modes, r => Assert.Equal(8, r[MetricNames.ModesTotal]));
        Assert.Equal([5, 10, 15, 20], observer.Logged);

        var events = EventFile.Read(Assert.Single(Directory.GetFiles(Path.Combine(folder.Path, "tensorboard"))));
        var values = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v))).ToList();
        Assert.Equal([0, 10, 20], values.Where(x => x.v.Image is not null).Select(x => (int)x.Step));
        Assert.Equal([5, 10, 15, 20], values.Where(x => x.v.Tag == MetricNames.GLoss).Select(x => (int)x.Step));
    }
}
