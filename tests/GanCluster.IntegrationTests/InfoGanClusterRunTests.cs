using GanCluster.Training.Core;
using GanCluster.Training.Runs;

namespace GanCluster.IntegrationTests;

/// <summary>
/// InfoGAN on a real three-node cluster equals <c>gancluster train --local</c> bit for bit: its codes are drawn on the
/// generator's node from G's stream and travel with the fake batch as side inputs to D's Q head. The same check covers
/// what the run folders hold: the traversal grid (the family's sample grid) of the cluster's run folder equals the local
/// one byte for byte, and <c>gancluster evaluate &lt;id&gt;</c>, which downloads the discriminator half for the Q head,
/// reports the local run's categorical-code figure. Checked at equal torch thread counts (one, as the worker nodes).
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class InfoGanClusterRunTests(SharedCluster shared) : IDisposable
{
    // Hang guards for single commands, not limits on progress: a loaded machine slows every torch call many times over.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _temp = TempDirectory.Create("it-infogan");

    [Fact]
    public void A_cluster_infogan_run_ends_with_the_weights_grid_and_code_figure_of_the_local_run()
    {
        const int rounds = 6;
        var (id, localRun) = ExactClusterRun.AssertClusterEqualsLocal(shared, _temp.Path, $$"""
            {
              "name": "infogan-exact",
              "model": "infogan",
              "loss": "infogan",
              "k": 2,
              "batchSize": 8,
              "latentSize": 62,
              "infogan": { "noise": "uniform", "continuousWeight": 1 },
              "generatorOptimizer": { "type": "adam", "learningRate": 0.001, "beta1": 0.5 },
              "discriminatorOptimizer": { "type": "adam", "learningRate": 0.0002, "beta1": 0.5 },
              "rounds": {{rounds}},
              "checkpointInterval": 3,
              "seed": 9,
              "device": "cpu"
            }
            """, rounds, "--eval-samples", "50");
        var cluster = shared.Cluster;
        var clusterData = cluster.DataDirectory;
        var clusterEvaluation = Path.Combine(_temp.Path, "cluster-evaluation.json");
        var evaluated = Gancluster.Run(Guard, "evaluate", id, "--samples", "50", "--out", clusterEvaluation, "--torch-threads", "1", "--contact", cluster.Contact);
        Assert.True(evaluated.ExitCode == 0, evaluated.AllOutput);
        Assert.Contains("code accuracy, held out", evaluated.StandardOutput);

        var grid = $"round-{rounds:D6}.png";
        Assert.Equal(File.ReadAllBytes(Path.Combine(localRun, "samples", grid)), File.ReadAllBytes(Path.Combine(clusterData, "experiments", id, "samples", grid)));

        var localFigure = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(localRun, EvaluationLog.LatestFileName))).InfoGan!;
        var clusterFigure = EvaluationLog.Deserialize(File.ReadAllText(clusterEvaluation)).InfoGan!;
        Assert.Equal(localFigure.HeldOut.Accuracy, clusterFigure.HeldOut.Accuracy);
        Assert.Equal(localFigure.HeldOut.Assignment, clusterFigure.HeldOut.Assignment);
        Assert.Equal(localFigure.HeldOut.Confusion, clusterFigure.HeldOut.Confusion);
        Assert.Equal(localFigure.Train.Confusion, clusterFigure.Train.Confusion);
    }

    public void Dispose() => _temp.Dispose();
}
