using System.Globalization;
using System.Text.Json;
using GanCluster.Cluster.Coordinator;
using GanCluster.Training.Core;
using Xunit.Abstractions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// Crashes with real processes: a generator, a discriminator or the coordinator is killed with SIGKILL in the
/// middle of an experiment; the coordinator pauses the experiment (or recovers its journal), a replacement
/// node resumes it from its last checkpoint, and the experiment ends with exactly the weights of a local run
/// of the same seed. Failure detection is shortened through <c>--set</c> so that a crash is noticed in seconds.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    /// <summary>
    /// Heartbeats every 500 ms, unreachable after 3 s of silence, downed by the Split Brain Resolver once the
    /// membership has been stable for 3 s (two survivors of three are the majority); a worker left without any
    /// coordinator node rejoins the seed nodes after 2 s.
    /// </summary>
    private static readonly IReadOnlyList<string> FastFailover =
    [
        "akka.cluster.failure-detector.heartbeat-interval = 500ms",
        "akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s",
        "akka.cluster.split-brain-resolver.stable-after = 3s",
        "gancluster.node.rejoin-after = 2s",
    ];

    private const int Rounds = 300; // enough that a kill right after the first checkpoint lands mid-run (toy rounds take a few ms)
    private const int CheckpointInterval = 25;

    private readonly TempDirectory _temp = TempDirectory.Create("crash");

    private string _folder => _temp.Path;
    private readonly ITestOutputHelper _output;

    public CrashRecoveryTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void A_killed_generator_pauses_its_experiment_and_a_new_generator_resumes_it_from_the_last_checkpoint() =>
        KillWorkerAndResume("generator");

    [Fact]
    public void A_killed_discriminator_pauses_its_experiment_and_a_new_discriminator_resumes_it_from_the_last_checkpoint() =>
        KillWorkerAndResume("discriminator");

    [Fact]
    public void A_killed_coordinator_restarted_on_its_data_folder_recovers_and_resumes_the_running_experiment()
    {
        var experiment = WriteExperiment("crash-coordinator");
        using var cluster = new LocalCluster(Path.Combine(_folder, "cluster"), settings: FastFailover);
        cluster.Start();
        var id = cluster.Submit(experiment);
        var checkpoint = WaitForCheckpoint(cluster, id);

        var killedAt = cluster.Kill("coordinator");
        var restartedAt = DateTime.UtcNow;
        var coordinator = cluster.StartNode("coordinator", "coordinator", cluster.Port);
        var recovered = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Started, _ => true, "journal recovered");
        Assert.Equal((1, 1), (recovered.Int(1), recovered.Int(2))); // one experiment known, waiting for workers
        var resumed = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Assigned, e => e.Text(0) == id && e.Int(3) > 1, "the experiment resumed from a checkpoint");
        _output.WriteLine($"coordinator killed after the checkpoint of round {checkpoint}; restarted process recovered the journal after {(recovered.At - restartedAt).TotalSeconds:F1} s; "
                          + $"resumed {(resumed.At - killedAt).TotalSeconds:F1} s after the kill: {resumed.Text}");

        // Both workers came back to the restarted coordinator (they rejoined the seed node) and finish the run.
        foreach (var worker in new[] { "generator", "discriminator" })
        {
            Assert.Contains(NodeEvents.Read(cluster.LogFolder, cluster.LogName(worker)), e => e.Template == Cli.NodeLogEvents.Rejoining);
        }

        AssertFinishesLikeTheLocalRun(cluster, id, experiment);
        cluster.Stop();
    }

    [Fact]
    public void A_killed_coordinator_hands_the_singleton_to_a_second_coordinator_node_which_resumes_the_experiment()
    {
        var experiment = WriteExperiment("crash-handover");
        using var cluster = new LocalCluster(Path.Combine(_folder, "cluster"), settings: FastFailover);
        cluster.Start();

        // A standby coordinator on the same journal (a shared database in production; here the same SQLite files).
        var standbyPort = LocalCluster.FreePort();
        var standby = cluster.StartNode("coordinator-2", "coordinator", standbyPort);
        cluster.WaitForEvent("coordinator-2", Cli.NodeLogEvents.Up, _ => true, "the standby coordinator is up");
        var id = cluster.Submit(experiment);
        var checkpoint = WaitForCheckpoint(cluster, id);

        // Four nodes, one killed: the three survivors are the majority, so the Split Brain Resolver downs the
        // dead coordinator and the singleton moves to the oldest remaining coordinator-role node.
        var killedAt = cluster.Kill("coordinator");
        var recovered = cluster.WaitForEvent("coordinator-2", CoordinatorLogEvents.Started, e => e.Int(0) == 2, "the singleton moved", since: killedAt);
        Assert.Equal(1, recovered.Int(1));
        var resumed = cluster.WaitForEvent("coordinator-2", CoordinatorLogEvents.Assigned, e => e.Text(0) == id && e.Int(3) > 1, "the experiment resumed on the new singleton", since: killedAt);
        _output.WriteLine($"coordinator killed after the checkpoint of round {checkpoint}; singleton took over {(recovered.At - killedAt).TotalSeconds:F1} s "
                          + $"and the experiment resumed {(resumed.At - killedAt).TotalSeconds:F1} s after the kill: {resumed.Text}");

        cluster.Contact = $"127.0.0.1:{standbyPort}";
        AssertFinishesLikeTheLocalRun(cluster, id, experiment);
        cluster.Stop();
    }

    private void KillWorkerAndResume(string role)
    {
        var experiment = WriteExperiment("crash-" + role);
        using var cluster = new LocalCluster(Path.Combine(_folder, "cluster"), settings: FastFailover);
        cluster.Start();
        var id = cluster.Submit(experiment);
        var checkpoint = WaitForCheckpoint(cluster, id);

        var killedAt = cluster.Kill(role);
        var paused = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Paused, e => e.Text(0) == id, "the experiment paused", since: killedAt);
        Assert.Contains($"the {role} node", paused.Text(1));
        Assert.Equal("paused", LocalCluster.StateOf(cluster.Status(id)));

        var startedAt = DateTime.UtcNow;
        cluster.StartNode(role + "-2", role, 0);
        var resumed = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Assigned, e => e.Text(0) == id && e.Int(3) > 1, "the experiment resumed", since: startedAt);
        _output.WriteLine($"{role} killed after the checkpoint of round {checkpoint}; paused {(paused.At - killedAt).TotalSeconds:F1} s after the kill; "
                          + $"resumed {(resumed.At - startedAt).TotalSeconds:F1} s after the replacement started: {resumed.Text}");

        AssertFinishesLikeTheLocalRun(cluster, id, experiment);
        cluster.Stop();
    }

    /// <summary>Waits for the coordinator to store the first checkpoint; returns its round.</summary>
    private static int WaitForCheckpoint(LocalCluster cluster, string id)
    {
        var round = cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Checkpointed, e => e.Text(0) == id, "the first checkpoint").Int(1);
        Assert.True(round < Rounds, $"the experiment finished before the crash:\n{cluster.Logs()}");
        return round;
    }

    /// <summary>
    /// The experiment completes with the round numbering intact (the most recent rounds are consecutive and end
    /// at the last round) and with the weights and per-round losses of the same experiment run locally.
    /// </summary>
    private void AssertFinishesLikeTheLocalRun(LocalCluster cluster, string id, string experiment)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var final = cluster.WaitForState(id, "completed", TimeSpan.FromSeconds(120));
        _output.WriteLine($"completed {watch.Elapsed.TotalSeconds:F1} s after the resume was seen");
        Assert.Equal(Rounds, final.GetProperty("roundsDone").GetInt32());
        var recent = final.GetProperty("recentRounds").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(Rounds - 19, 20), LocalCluster.RecentRounds(final));

        var stored = ClusterRunTests.ReadStoredCheckpoints(Path.Combine(cluster.DataDirectory, "checkpoints.db"), id);
        var localRun = Path.Combine(_folder, "local");
        var (code, _, all) = Gancluster.Run(TimeSpan.FromSeconds(120), "train", "--local", experiment, "--out", localRun, "--log-every", "1", "--eval-samples", "0", "--torch-threads", "1");
        Assert.True(code == 0, all);
        _output.WriteLine($"local run done {watch.Elapsed.TotalSeconds:F1} s after the resume was seen");
        var local = Checkpoint.Load(Path.Combine(localRun, "checkpoints", $"round-{Rounds:D6}.ckpt"));
        Assert.Equal(local.Generator.Sha256, stored[Rounds].Generator);
        Assert.Equal(local.Discriminator.Sha256, stored[Rounds].Discriminator);

        var localLosses = File.ReadLines(Path.Combine(localRun, "metrics.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("loss/d", out _)) // round lines; checkpoint-time lines carry other metrics
            .ToDictionary(e => e.GetProperty("round").GetInt32(), e => (e.GetProperty("loss/d").GetDouble(), e.GetProperty("loss/g").GetDouble()));
        foreach (var r in recent)
        {
            var round = r.GetProperty("round").GetInt32();
            Assert.Equal(localLosses[round].Item1, r.GetProperty("loss/d").GetDouble(), 1e-9);
            Assert.Equal(localLosses[round].Item2, r.GetProperty("loss/g").GetDouble(), 1e-9);
        }
    }

    // The ring presets' uniform noise and falling R1 weight ride along: a resumed half must pick the schedule up at D's step counter.
    private string WriteExperiment(string name)
    {
        var path = Path.Combine(_folder, name + ".json");
        File.WriteAllText(path, $$"""
            {
              "name": "{{name}}",
              "model": "toy",
              "dataset": "ring8",
              "loss": "non-saturating",
              "k": 2,
              "batchSize": 32,
              "latentSize": 8,
              "generatorOptimizer": { "type": "adam", "learningRate": 0.001, "beta1": 0.5 },
              "discriminatorOptimizer": { "type": "adam", "learningRate": 0.001, "beta1": 0.5 },
              "mixture": { "samples": 2000 },
              "toy": { "noise": "uniform" },
              "r1Gamma": 0.1,
              "r1FinalGamma": 0.01,
              "rounds": {{Rounds}},
              "checkpointInterval": {{CheckpointInterval}},
              "seed": 7,
              "device": "cpu"
            }
            """);
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
