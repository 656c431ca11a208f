using System.Text.Json;
using GanCluster.Cluster.Coordinator;
using GanCluster.Training.Core;
using Xunit.Abstractions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A whole LAPGAN pyramid submitted to the shared three-node cluster (one pair) runs as one parent with a child experiment
/// per level, one level after another, and every level ends with the halves of <c>gancluster train --local</c> of the same
/// file (which trains the levels one after another in level-k subfolders), bit for bit: the conditional levels' generators
/// read the training digits themselves and send the coarse image as a side input, so nothing else crosses the wire.
/// <c>gancluster evaluate &lt;parent id&gt;</c> chains the cluster's levels to the figure of the local pyramid folder.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class LapganClusterRunTests(SharedCluster shared) : IDisposable
{
    private const int Rounds = 4;
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);
    private readonly TempDirectory _temp = TempDirectory.Create("it-lapgan");

    [Fact]
    public void A_cluster_lapgan_pyramid_runs_one_child_per_level_and_each_ends_with_the_weights_of_the_local_run()
    {
        var experiment = Path.Combine(_temp.Path, "pyramid.json");
        File.WriteAllText(experiment, LapganPyramids.Json("lapgan-exact", Rounds, checkpointInterval: 2));
        var cluster = shared.Cluster;
        var (parent, levels) = LapganPyramids.Submit(cluster, experiment);

        var localRun = Path.Combine(_temp.Path, "local");
        var local = Gancluster.RunAsync(AppContext.BaseDirectory, Guard, "train", "--local", experiment, "--out", localRun, "--torch-threads", "1", "--eval-samples", "0");
        foreach (var level in levels)
        {
            cluster.WaitForState(level, "completed", TimeSpan.FromSeconds(300));
        }

        var listed = cluster.Cli("list", "--sweep", parent, "--json");
        listed.AssertExitCode(0);
        var rows = listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(levels.Order(), rows.Select(r => r.GetProperty("id").GetString()!).Order());
        Assert.Equal(["lapgan-exact-level0", "lapgan-exact-level1", "lapgan-exact-level2"], rows.Select(r => r.GetProperty("name").GetString()!).Order());

        LapganPyramids.AssertSucceeded(local);
        foreach (var (id, level) in levels.Zip(new[] { 2, 1, 0 }))
        {
            var stored = ClusterRunTests.ReadStoredCheckpoints(Path.Combine(cluster.DataDirectory, "checkpoints.db"), id);
            var checkpoint = Checkpoint.Load(Path.Combine(localRun, $"level-{level}", "checkpoints", $"round-{Rounds:D6}.ckpt"));
            Assert.Equal(level, checkpoint.Spec.Lapgan.Level);
            Assert.Equal(checkpoint.Generator.Sha256, stored[Rounds].Generator);
            Assert.Equal(checkpoint.Discriminator.Sha256, stored[Rounds].Discriminator);
        }

        // `gancluster evaluate <parent id>` chains the cluster's levels; the local pyramid folder gives the same figure.
        var clusterFigure = Path.Combine(_temp.Path, "cluster-evaluation.json");
        cluster.Cli("evaluate", parent, "--samples", "50", "--torch-threads", "1", "--out", clusterFigure).AssertExitCode(0);
        var localFigure = Path.Combine(_temp.Path, "local-evaluation.json");
        Gancluster.Run(Guard, "evaluate", localRun, "--samples", "50", "--torch-threads", "1", "--out", localFigure).AssertExitCode(0);
        using var fromCluster = JsonDocument.Parse(File.ReadAllText(clusterFigure));
        using var fromLocal = JsonDocument.Parse(File.ReadAllText(localFigure));
        var parzen = fromCluster.RootElement.GetProperty("parzen").GetProperty("meanLogLikelihood").GetDouble();
        Assert.True(double.IsFinite(parzen));
        Assert.Equal(fromLocal.RootElement.GetProperty("parzen").GetProperty("meanLogLikelihood").GetDouble(), parzen);
        Assert.Equal([2, 1, 0], fromCluster.RootElement.GetProperty("lapgan").GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("level").GetInt32()));
        Assert.True(File.Exists(Path.ChangeExtension(clusterFigure, ".png")));
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>
/// LAPGAN's multi-pair schedule on three generator/discriminator pairs (seven real processes): the three levels of one
/// pyramid run at once, one per pair; the generator of the level-1 experiment is killed with SIGKILL after its first
/// checkpoint; that level pauses while the two other levels go on to completion without pausing; it resumes from its
/// checkpoint on the next free pair and completes too; every level ends with the weights of the local run of the pyramid.
/// </summary>
public sealed class LapganMultiPairTests(ITestOutputHelper output) : IDisposable
{
    // A kill right after level 1's first checkpoint must land mid-run: its 14x14 rounds take tens of milliseconds even on a
    // quiet machine (0.4 s each with seven processes on a shared 2-core one).
    private const int Rounds = 200;
    private const int CheckpointInterval = 25;

    private static readonly IReadOnlyList<string> FastFailover =
    [
        "akka.cluster.failure-detector.heartbeat-interval = 500ms",
        "akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s",
        "akka.cluster.split-brain-resolver.stable-after = 3s",
        "gancluster.node.rejoin-after = 2s",
    ];

    private readonly TempDirectory _temp = TempDirectory.Create("it-lapgan-pairs");

    [Fact]
    public void Killing_one_levels_generator_pauses_only_that_level_which_resumes_on_a_free_pair_while_the_others_go_on()
    {
        var experiment = Path.Combine(_temp.Path, "pyramid.json");
        File.WriteAllText(experiment, LapganPyramids.Json("lapgan-pairs", Rounds, CheckpointInterval));
        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"), settings: FastFailover);
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        var generatorPorts = new Dictionary<string, int>();
        for (var i = 1; i <= 3; i++)
        {
            generatorPorts[$"generator-{i}"] = LocalCluster.FreePort();
            cluster.StartNode($"generator-{i}", "generator", generatorPorts[$"generator-{i}"]);
            cluster.StartNode($"discriminator-{i}", "discriminator", 0);
        }

        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.WorkerJoined, e => e.Int(2) == 3 && e.Int(3) == 3, "the pool of three pairs");
        var (_, levels) = LapganPyramids.Submit(cluster, experiment);

        // All three levels are assigned at once, each to its own pair.
        var assigned = levels.Select(id => cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Assigned, e => e.Text(0) == id, $"{id} assigned")).ToList();
        Assert.Equal(3, assigned.Select(a => a.Text(1)).Distinct().Count());
        var victimLevel = levels[1];
        var victim = generatorPorts.Single(g => assigned[1].Text(1).Contains($":{g.Value}", StringComparison.Ordinal)).Key;

        var checkpoint = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Checkpointed, e => e.Text(0) == victimLevel, "level 1's first checkpoint").Int(1);
        Assert.True(checkpoint < Rounds, $"level 1 finished before the kill:\n{cluster.Logs()}");
        var killedAt = cluster.Kill(victim);
        var paused = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Paused, e => e.Text(0) == victimLevel, "level 1 paused", since: killedAt);
        Assert.Contains("the generator node", paused.Text(1));
        output.WriteLine($"{victim} (level 1) killed after its checkpoint of round {checkpoint}; paused {(paused.At - killedAt).TotalSeconds:F1} s later");

        // Level 1 resumes from its checkpoint on the next free pair (the two survivors' pairs free up as their levels end);
        // the other levels go on to the end and never pause.
        var resumed = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Assigned, e => e.Text(0) == victimLevel && e.Int(3) > 1, "level 1 resumed", since: killedAt);
        Assert.DoesNotContain($":{generatorPorts[victim]}", resumed.Text(1), StringComparison.Ordinal);
        output.WriteLine($"level 1 resumed at round {resumed.Int(3)} on {resumed.Text(1)}, {(resumed.At - killedAt).TotalSeconds:F1} s after the kill");
        foreach (var level in levels)
        {
            var final = cluster.WaitForState(level, "completed", TimeSpan.FromSeconds(300));
            Assert.Equal(Rounds, final.GetProperty("roundsDone").GetInt32());
        }

        Assert.DoesNotContain(NodeEvents.Read(cluster.LogFolder, cluster.LogName("coordinator")),
            e => e.Template == CoordinatorLogEvents.Paused && (e.Text(0) == levels[0] || e.Text(0) == levels[2]));

        // Every level ends with the local run's weights (level 1 after its pause and resume too).
        var localRun = Path.Combine(_temp.Path, "local");
        var (code, _, all) = Gancluster.Run(TimeSpan.FromMinutes(10), "train", "--local", experiment, "--out", localRun, "--torch-threads", "1", "--eval-samples", "0", "--log-every", "50");
        Assert.True(code == 0, all);
        foreach (var (id, level) in levels.Zip(new[] { 2, 1, 0 }))
        {
            var stored = ClusterRunTests.ReadStoredCheckpoints(Path.Combine(cluster.DataDirectory, "checkpoints.db"), id);
            var local = Checkpoint.Load(Path.Combine(localRun, $"level-{level}", "checkpoints", $"round-{Rounds:D6}.ckpt"));
            Assert.Equal(local.Generator.Sha256, stored[Rounds].Generator);
            Assert.Equal(local.Discriminator.Sha256, stored[Rounds].Discriminator);
        }

        cluster.Stop();
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>What the LAPGAN cluster tests share: a tiny pyramid and its submission.</summary>
internal static class LapganPyramids
{
    public static string Json(string name, int rounds, int checkpointInterval) => $$"""
        {
          "name": "{{name}}",
          "model": "lapgan",
          "loss": "lapgan",
          "lapgan": { "level": null },
          "k": 1,
          "batchSize": 8,
          "latentSize": 16,
          "rounds": {{rounds}},
          "checkpointInterval": {{checkpointInterval}},
          "seed": 7,
          "device": "cpu"
        }
        """;

    /// <summary>Waits for a CLI run started with <see cref="Gancluster.RunAsync(string, TimeSpan, string[])"/> and asserts it succeeded.</summary>
    public static void AssertSucceeded(Task<ChildProcessResult> run)
    {
        var (code, _, all) = run.GetAwaiter().GetResult();
        Assert.True(code == 0, all);
    }

    /// <summary>Submits the pyramid with <c>gancluster submit</c>: the parent's id, then its levels' experiments (2, 1, 0).</summary>
    public static (string Parent, IReadOnlyList<string> Levels) Submit(LocalCluster cluster, string experiment)
    {
        var submitted = cluster.Cli("submit", experiment);
        Assert.True(submitted.ExitCode == 0, $"submit failed: {submitted.AllOutput}\n{cluster.Logs()}");
        var lines = submitted.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);
        Assert.All(lines[1..], l => Assert.StartsWith(lines[0] + "-", l, StringComparison.Ordinal));
        return (lines[0], lines[1..]);
    }
}
