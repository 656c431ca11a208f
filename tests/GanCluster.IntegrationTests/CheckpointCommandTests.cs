using GanCluster.Training.Core;

namespace GanCluster.IntegrationTests;

/// <summary>
/// <c>gancluster checkpoint</c> against three real processes: a cluster checkpoint downloaded as a .ckpt file loads with
/// <see cref="Checkpoint"/>, <c>export</c> takes it, and <c>train --local --resume</c> continues from it to exactly the
/// cluster's next checkpoint; the wrong requests end with one line and a non-zero exit code.
/// </summary>
public sealed class CheckpointCommandTests : IDisposable
{
    // A hang guard only: each command takes seconds; a loaded machine may take much longer.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _temp = TempDirectory.Create("ckpt");

    private string _folder => _temp.Path;

    private string WriteExperiment(string name, int rounds, int checkpointInterval)
    {
        var path = Path.Combine(_folder, $"{name}.json");
        File.WriteAllText(path, $$"""
            { "name": "{{name}}", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "rounds": {{rounds}},
              "checkpointInterval": {{checkpointInterval}}, "seed": 11, "device": "cpu" }
            """);
        return path;
    }

    private static void AssertOneLineError(ChildProcessResult result, int exitCode, string expected)
    {
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}, expected {exitCode}:\n{result.AllOutput}");
        Assert.Contains(expected, result.AllOutput);
        Assert.DoesNotContain("   at ", result.AllOutput); // no stack trace
    }

    [Fact]
    public void A_downloaded_cluster_checkpoint_exports_and_resumes_locally_to_the_clusters_next_checkpoint()
    {
        var experiment = WriteExperiment("ckpt", rounds: 40, checkpointInterval: 10);
        using var cluster = new LocalCluster(Path.Combine(_folder, "cluster"));
        cluster.Start();
        var id = cluster.Submit(experiment);
        cluster.WaitForState(id, "completed", TimeSpan.FromMinutes(5));

        var newest = cluster.Cli("checkpoint", id, "--out", Path.Combine(_folder, "newest.ckpt"));
        Assert.True(newest.ExitCode == 0, newest.AllOutput);
        var final = Checkpoint.Load(newest.StandardOutput.Trim());
        Assert.Equal((40, "ckpt", 11L), (final.Round, final.Spec.Name, final.Spec.Seed));
        var again = Checkpoint.FromBytes(final.ToBytes());
        Assert.Equal((final.Generator.Sha256, final.Discriminator.Sha256), (again.Generator.Sha256, again.Discriminator.Sha256));

        // Retention keeps rounds 20, 30 and 40: the run folder of a local resume gets the one of round 30.
        var resumed = Path.Combine(_folder, "resumed");
        var older = cluster.Cli("checkpoint", id, "--round", "30", "--out", Path.Combine(resumed, "checkpoints", "round-000030.ckpt"));
        Assert.True(older.ExitCode != 0, "the folder does not exist yet: refused before contacting the cluster");
        Directory.CreateDirectory(Path.Combine(resumed, "checkpoints"));
        older = cluster.Cli("checkpoint", id, "--round", "30", "--out", Path.Combine(resumed, "checkpoints", "round-000030.ckpt"));
        Assert.True(older.ExitCode == 0, older.AllOutput);
        Assert.Equal(30, Checkpoint.Load(older.StandardOutput.Trim()).Round);

        AssertOneLineError(cluster.Cli("checkpoint", id, "--round", "10", "--out", Path.Combine(_folder, "x.ckpt")), 1, "stored rounds: 20, 30, 40");
        AssertOneLineError(cluster.Cli("checkpoint", id, "--round", "0", "--out", Path.Combine(_folder, "x.ckpt")), 2, "--round");
        AssertOneLineError(cluster.Cli("checkpoint", "exp-00000000", "--out", Path.Combine(_folder, "x.ckpt")), 4, "unknown experiment 'exp-00000000'");

        // A second experiment that is far from its first checkpoint has none yet.
        var waiting = cluster.Submit(WriteExperiment("waiting", rounds: 1_000_000, checkpointInterval: 1_000_000));
        AssertOneLineError(cluster.Cli("checkpoint", waiting, "--out", Path.Combine(_folder, "x.ckpt")), 1, "has no checkpoint yet");
        Assert.Equal(0, cluster.Cli("cancel", waiting).ExitCode);
        cluster.Stop();

        var exported = Gancluster.Run(Guard, "export", newest.StandardOutput.Trim(), "--out", Path.Combine(_folder, "points.csv"), "--count", "64");
        Assert.True(exported.ExitCode == 0, exported.AllOutput);
        Assert.True(File.ReadLines(Path.Combine(_folder, "points.csv")).Count() >= 64);

        var trained = Gancluster.Run(Guard, "train", "--local", experiment, "--out", resumed, "--resume", "--eval-samples", "0", "--torch-threads", "1");
        Assert.True(trained.ExitCode == 0, trained.AllOutput);
        var local = Checkpoint.Load(Path.Combine(resumed, "checkpoints", "round-000040.ckpt"));
        Assert.Equal(final.Generator.Sha256, local.Generator.Sha256);
        Assert.Equal(final.Discriminator.Sha256, local.Discriminator.Sha256);
    }

    public void Dispose() => _temp.Dispose();
}
