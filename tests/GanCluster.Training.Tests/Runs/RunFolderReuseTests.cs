using GanCluster.Training.Core;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;

namespace GanCluster.Training.Tests.Runs;

/// <summary>train --local into a folder that already holds a run: refused unless resuming or starting over.</summary>
public sealed class RunFolderReuseTests
{
    private sealed class Silent : ILocalRunObserver
    {
        public void Started(ExperimentSpec spec, string device, int startRound, string dataDescription)
        {
        }

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
        }

        public void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds)
        {
        }

        public void Checkpointed(int round, string path)
        {
        }

        public void Alarmed(Alarm alarm)
        {
        }

        public void Diverged(RoundResult result)
        {
        }

        public void Evaluated(EvaluationResult result)
        {
        }
    }

    private static readonly ExperimentSpec Spec = TinyData.Toy(LossKind.NonSaturating, 1) with { Rounds = 4, CheckpointInterval = 2 };

    private static int Train(string folder, bool resume = false, bool force = false, ExperimentSpec? spec = null) =>
        new LocalRun(spec ?? Spec, new LocalRunOptions(folder, resume, LogEvery: 1, EvaluationSamples: 0, TensorBoard: false, Force: force), new Silent()).Run(CancellationToken.None);

    [Fact]
    public void A_second_run_into_the_same_folder_is_refused_and_leaves_the_first_untouched()
    {
        using var folder = new TempFolder();
        Train(folder.Path);
        var before = File.ReadAllText(Path.Combine(folder.Path, MetricsCollector.MetricsFileName));

        var refused = Assert.Throws<RunFolderInUseException>(() => Train(folder.Path));

        Assert.Contains("--resume", refused.Message);
        Assert.Contains("--force", refused.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(folder.Path, MetricsCollector.MetricsFileName)));
    }

    [Fact]
    public void Force_clears_the_old_run_and_starts_over()
    {
        using var folder = new TempFolder();
        Train(folder.Path, spec: Spec with { Rounds = 6 });
        var unrelated = folder.File("notes.txt");
        File.WriteAllText(unrelated, "mine");

        Train(folder.Path, force: true);

        Assert.Equal([1, 2, 3, 4], MetricsLog.Read(folder.Path).Where(r => r[MetricNames.DLoss] is not null).Select(r => r.Round));
        Assert.Equal(["round-000002.ckpt", "round-000004.ckpt"], Directory.EnumerateFiles(folder.File("checkpoints")).Select(Path.GetFileName).Order());
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void Resume_continues_the_run_in_the_folder()
    {
        using var folder = new TempFolder();
        Train(folder.Path);

        var final = Train(folder.Path, resume: true, spec: Spec with { Rounds = 6 });

        Assert.Equal(6, final);
        Assert.Equal([1, 2, 3, 4, 5, 6], MetricsLog.Read(folder.Path).Where(r => r[MetricNames.DLoss] is not null).Select(r => r.Round));
    }

    [Fact]
    public void An_empty_or_unrelated_folder_is_not_a_run()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("notes.txt"), "mine");

        Assert.False(RunFolder.HoldsRun(folder.Path));
        Assert.Equal(4, Train(folder.Path));
        Assert.True(RunFolder.HoldsRun(folder.Path));
    }
}
