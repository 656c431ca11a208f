using GanCluster.Training.Core;

namespace GanCluster.IntegrationTests;

/// <summary>
/// The check every family's cluster test makes: an experiment run on a real three-node cluster ends with the halves a
/// <c>gancluster train --local</c> run of the same file ends with, bit for bit (SHA-256 of each half at the last round).
/// The local run uses one torch thread, the nodes' count: some families' numbers depend on it (ssgan, measured). It
/// runs while the cluster trains (the cluster's tiny rounds wait on messages more than on the cores).
/// </summary>
internal static class ExactClusterRun
{
    // Hang guards for single commands, not limits on progress: a loaded machine slows every torch call many times over.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);

    /// <param name="shared">The cluster to submit to (shared with other tests: the experiment is identified by its id).</param>
    /// <param name="folder">A temporary folder for the experiment file and the local run.</param>
    /// <param name="experimentJson">The experiment; its checkpointInterval must divide <paramref name="rounds"/>.</param>
    /// <param name="rounds">The experiment's rounds.</param>
    /// <returns>The experiment's id on the cluster and the local run's folder, for further checks.</returns>
    public static (string Id, string LocalRun) AssertClusterEqualsLocal(SharedCluster shared, string folder, string experimentJson, int rounds, params string[] localArguments)
    {
        var experiment = Path.Combine(folder, "experiment.json");
        File.WriteAllText(experiment, experimentJson);
        var cluster = shared.Cluster;
        var id = cluster.Submit(experiment);
        var localRun = Path.Combine(folder, "local");
        string[] train = ["train", "--local", experiment, "--out", localRun, "--torch-threads", "1", .. (localArguments.Length > 0 ? localArguments : ["--eval-samples", "0"])];
        var localTask = Gancluster.RunAsync(AppContext.BaseDirectory, Guard, train);
        cluster.WaitForState(id, "completed", TimeSpan.FromSeconds(300));
        var stored = ClusterRunTests.ReadStoredCheckpoints(Path.Combine(cluster.DataDirectory, "checkpoints.db"), id);

        var (code, _, all) = localTask.GetAwaiter().GetResult();
        Assert.True(code == 0, all);
        var local = Checkpoint.Load(Path.Combine(localRun, "checkpoints", $"round-{rounds:D6}.ckpt"));
        Assert.Equal(local.Generator.Sha256, stored[rounds].Generator);
        Assert.Equal(local.Discriminator.Sha256, stored[rounds].Discriminator);
        return (id, localRun);
    }
}
