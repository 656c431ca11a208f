using GanCluster.Training.Core;

namespace GanCluster.IntegrationTests;

/// <summary>
/// The check every family's cluster test makes: an experiment run on a real three-node cluster ends with the halves a
/// <c>gancluster train --local</c> run of the same file ends with, bit for bit (SHA-256 of each half at the last round).
/// The local run uses one torch thread, the nodes' count: some families' numbers depend on it (ssgan, measured).
/// </summary>
internal static class ExactClusterRun
{
    /// <param name="folder">A temporary folder for the experiment file, the cluster and the local run.</param>
    /// <param name="experimentJson">The experiment; its checkpointInterval must divide <paramref name="rounds"/>.</param>
    /// <param name="rounds">The experiment's rounds.</param>
    public static void AssertClusterEqualsLocal(string folder, string experimentJson, int rounds)
    {
        var experiment = Path.Combine(folder, "experiment.json");
        File.WriteAllText(experiment, experimentJson);
        using var cluster = new LocalCluster(Path.Combine(folder, "cluster"));
        cluster.Start();
        var id = cluster.Submit(experiment);
        cluster.WaitForState(id, "completed", TimeSpan.FromSeconds(300));
        var stored = ClusterRunTests.ReadStoredCheckpoints(Path.Combine(folder, "cluster", "checkpoints.db"), id);
        cluster.Stop();

        var localRun = Path.Combine(folder, "local");
        var (code, _, all) = Gancluster.Run(TimeSpan.FromSeconds(300), "train", "--local", experiment, "--out", localRun, "--eval-samples", "0", "--torch-threads", "1");
        Assert.True(code == 0, all);
        var local = Checkpoint.Load(Path.Combine(localRun, "checkpoints", $"round-{rounds:D6}.ckpt"));
        Assert.Equal(local.Generator.Sha256, stored[rounds].Generator);
        Assert.Equal(local.Discriminator.Sha256, stored[rounds].Discriminator);
    }
}
