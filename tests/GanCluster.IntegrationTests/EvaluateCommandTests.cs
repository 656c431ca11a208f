using System.Text.Json;

namespace GanCluster.IntegrationTests;

/// <summary>
/// The evaluate command and train --local's run-folder guard through the real executable: a tiny 2-D run is trained,
/// refused a second time, evaluated, and the wrong targets end with one line and exit code 2.
/// </summary>
public sealed class EvaluateCommandTests : IDisposable
{
    // A hang guard only: each command takes seconds; a loaded machine may take much longer.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _temp = TempDirectory.Create("evaluate");

    private string _folder => _temp.Path;

    private string WriteExperiment()
    {
        var path = Path.Combine(_folder, "tiny-ring.json");
        File.WriteAllText(path, """
            { "name": "tiny-ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "rounds": 4,
              "checkpointInterval": 2, "seed": 5, "device": "cpu" }
            """);
        return path;
    }

    private static void AssertOneLineError(ChildProcessResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.AllOutput);
        Assert.Contains(expected, result.AllOutput);
        Assert.DoesNotContain("   at ", result.AllOutput); // no stack trace
    }

    [Fact]
    public void A_trained_run_is_evaluated_and_training_into_it_again_is_refused()
    {
        var run = Path.Combine(_folder, "run");
        var experiment = WriteExperiment();
        var trained = Gancluster.Run(Guard, "train", "--local", experiment, "--out", run, "--eval-samples", "200", "--torch-threads", "1");
        Assert.True(trained.ExitCode == 0, trained.AllOutput);

        var again = Gancluster.Run(Guard, "train", "--local", experiment, "--out", run, "--torch-threads", "1");
        AssertOneLineError(again, "--resume");
        Assert.Contains("--force", again.AllOutput);

        var evaluated = Gancluster.Run(Guard, "evaluate", run, "--all", "--samples", "300", "--torch-threads", "1");
        Assert.True(evaluated.ExitCode == 0, evaluated.AllOutput);
        Assert.Contains("modes captured", evaluated.StandardOutput);
        // Stages go to stderr as they start, one set per checkpoint; stdout keeps the tables and paths alone.
        var stages = evaluated.Lines.Where(l => l.IsStandardError).Select(l => l.Text).ToList();
        Assert.Equal(2, stages.Count(l => l.Contains("generating 300 samples", StringComparison.Ordinal)));
        Assert.Contains(stages, l => l.Contains("checkpoint 2 of 2: round-000004.ckpt", StringComparison.Ordinal));
        Assert.DoesNotContain("generating", evaluated.StandardOutput);
        var rounds = File.ReadLines(Path.Combine(run, "evaluations.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("round").GetInt32());
        Assert.Equal([2, 4], rounds);
        using var latest = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "evaluation.json")));
        Assert.Equal(4, latest.RootElement.GetProperty("round").GetInt32());
        Assert.Equal(300, latest.RootElement.GetProperty("samples").GetInt32());

        // Without --samples, a 2-D mixture is scored on the papers' 2,500 points (PacGAN, VEEGAN), not on 10,000.
        var published = Path.Combine(_folder, "published.json");
        var byDefault = Gancluster.Run(Guard, "evaluate", Path.Combine(run, "checkpoints", "round-000004.ckpt"), "--out", published, "--torch-threads", "1");
        Assert.True(byDefault.ExitCode == 0, byDefault.AllOutput);
        using (var scored = JsonDocument.Parse(File.ReadAllText(published)))
        {
            Assert.Equal(2_500, scored.RootElement.GetProperty("samples").GetInt32());
        }

        var forced = Gancluster.Run(Guard, "train", "--local", experiment, "--out", run, "--force", "--eval-samples", "0", "--torch-threads", "1");
        Assert.True(forced.ExitCode == 0, forced.AllOutput);
        Assert.False(File.Exists(Path.Combine(run, "evaluations.jsonl")));
    }

    [Fact]
    public void Wrong_targets_end_with_one_line_and_exit_code_2()
    {
        AssertOneLineError(Gancluster.Run(Guard, "evaluate", Path.Combine(_folder, "missing")), "is not a file or folder");

        var notCheckpoint = Path.Combine(_folder, "notes.ckpt");
        File.WriteAllText(notCheckpoint, "not a checkpoint");
        AssertOneLineError(Gancluster.Run(Guard, "evaluate", notCheckpoint), "not a GanCluster checkpoint");

        var json = WriteExperiment();
        AssertOneLineError(Gancluster.Run(Guard, "evaluate", json), "is not a checkpoint");

        AssertOneLineError(Gancluster.Run(Guard, "evaluate", _folder), "holds no checkpoints");
    }

    public void Dispose() => _temp.Dispose();
}
