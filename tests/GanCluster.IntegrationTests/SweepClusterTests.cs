using System.Text.Json;
using GanCluster.Cluster.Coordinator;
using Xunit.Abstractions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A sweep on a pool of two generator/discriminator pairs, five real processes: a 2-configuration x 2-seed grid queued
/// with <c>gancluster sweep</c> completes, <c>sweep status --json</c> ranks the configurations by the metric's mean over
/// the seeds, and <c>list --sweep</c> lists exactly its experiments. A bad space is refused before the cluster is asked.
/// </summary>
public sealed class SweepClusterTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("sweep");
    private readonly ITestOutputHelper _output;

    public SweepClusterTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void A_four_child_grid_sweep_on_two_pairs_completes_with_a_ranked_table()
    {
        var experiment = Write("ring.json", """
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 },
              "k": 1, "rounds": 6, "checkpointInterval": 3, "seed": 1, "device": "cpu" }
            """);
        var space = Write("space.json", """{ "parameters": { "generatorOptimizer.learningRate": [0.002, 0.0002] } }""");

        // Refused locally, naming the field: no cluster is running yet.
        var bad = Gancluster.Run(TimeSpan.FromSeconds(60), "sweep", experiment, "--space", Write("bad.json", """{ "parameters": { "generatorOptimizer.lr": [1] } }"""),
            "--contact", "127.0.0.1:1");
        bad.AssertExitCode(2);
        bad.AssertNoStackTrace();
        Assert.Contains("space.parameters.generatorOptimizer.lr", bad.AllOutput);

        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"));
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        cluster.StartNode("generator-1", "generator", 0);
        cluster.StartNode("generator-2", "generator", 0);
        cluster.StartNode("discriminator-1", "discriminator", 0);
        cluster.StartNode("discriminator-2", "discriminator", 0);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.WorkerJoined, e => e.Int(2) == 2 && e.Int(3) == 2, "the pool of two pairs");

        var submitted = cluster.Cli("sweep", experiment, "--space", space, "--seeds", "2", "--metric", "loss/g", "--mode", "min");
        submitted.AssertExitCode(0);
        var lines = submitted.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sweep = lines[0];
        var children = lines[1..];
        Assert.Equal(4, children.Length);
        Assert.All(children, c => Assert.StartsWith(sweep + "-", c));

        var table = WaitForSweep(cluster, sweep, TimeSpan.FromSeconds(180));
        Assert.Equal(("loss/g", "min", "grid"), (table.GetProperty("metric").GetString(), table.GetProperty("mode").GetString(), table.GetProperty("algorithm").GetString()));
        var rows = table.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("rank").GetInt32()));
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("config").GetInt32()).Order());
        Assert.All(rows, r =>
        {
            Assert.Equal(2, r.GetProperty("measured").GetInt32());
            Assert.Equal(JsonValueKind.Number, r.GetProperty("sd").ValueKind);
            Assert.Equal("completed", r.GetProperty("state").GetString());
            Assert.Equal("6/6", r.GetProperty("rounds").GetString());
        });
        // Ranked for --mode min: the first row's mean is the lower.
        Assert.True(rows[0].GetProperty("mean").GetDouble() <= rows[1].GetProperty("mean").GetDouble(), table.ToString());
        Assert.Equal(children.Order(), rows.SelectMany(r => r.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetString()!)).Order());

        var listed = cluster.Cli("list", "--sweep", sweep, "--json");
        listed.AssertExitCode(0);
        var ids = listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!);
        Assert.Equal(children.Order(), ids.Order());

        var cancelled = cluster.Cli("sweep", "cancel", sweep);
        cancelled.AssertExitCode(0);
        Assert.Contains("0 experiments cancelled", cancelled.StandardOutput);
        cluster.Stop();
    }

    [Fact]
    public void A_coordinator_killed_mid_sweep_loses_no_child_and_starts_none_twice()
    {
        var experiment = Write("ring.json", """
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 },
              "k": 1, "rounds": 300, "checkpointInterval": 50, "seed": 1, "device": "cpu" }
            """);
        var space = Write("space.json", """{ "parameters": { "k": [1, 2, 3] } }""");
        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"), settings:
        [
            "akka.cluster.failure-detector.heartbeat-interval = 500ms",
            "akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s",
            "akka.cluster.split-brain-resolver.stable-after = 3s",
            "gancluster.node.rejoin-after = 2s",
        ]);
        cluster.Start();
        string[] sweepCommand = ["sweep", experiment, "--space", space, "--key", "sweep-crash-1"];
        var submitted = cluster.Cli(sweepCommand);
        submitted.AssertExitCode(0);
        var sweep = submitted.StandardOutput.Split('\n')[0].Trim();

        // Killed once the first child has a checkpoint: it is mid-run and the two others wait in the queue.
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Checkpointed, e => e.Text(0) == $"{sweep}-01", "the first child's first checkpoint");
        cluster.Kill("coordinator");
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Started, e => e.Int(0) == 2, "the journal recovered");

        // The same request again (a client that lost the answer) gets the same sweep, not a second one.
        var retried = cluster.Cli(sweepCommand);
        retried.AssertExitCode(0);
        Assert.Equal(submitted.StandardOutput, retried.StandardOutput);

        var table = WaitForSweep(cluster, sweep, TimeSpan.FromSeconds(180));
        Assert.Equal(3, table.GetProperty("rows").EnumerateArray().SelectMany(r => r.GetProperty("children").EnumerateArray()).Count());

        // Each child started at round 1 exactly once across both coordinators (the first one resumed from its checkpoint).
        var starts = NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}")
            .Where(e => e.Template == CoordinatorLogEvents.Assigned && e.Int(3) == 1).Select(e => e.Text(0)).ToList();
        Assert.Equal([$"{sweep}-01", $"{sweep}-02", $"{sweep}-03"], starts.Order());
        Assert.Contains(NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}"),
            e => e.Template == CoordinatorLogEvents.Assigned && e.Text(0) == $"{sweep}-01" && e.Int(3) > 1);
        cluster.Stop();
    }

    /// <summary>Polls <c>sweep status --json</c> until every child completed; <paramref name="quiet"/> bounds how long the table may stay unchanged.</summary>
    private JsonElement WaitForSweep(LocalCluster cluster, string sweep, TimeSpan quiet)
    {
        var deadline = DateTime.UtcNow + quiet;
        var last = string.Empty;
        var logged = -1L;
        while (DateTime.UtcNow < deadline)
        {
            logged = cluster.AwaitCoordinatorLog(logged);
            var (code, stdout, _) = cluster.Cli("sweep", "status", sweep, "--json");
            if (code == 0)
            {
                var table = JsonDocument.Parse(stdout).RootElement;
                if (table.GetProperty("rows").EnumerateArray().SelectMany(r => r.GetProperty("children").EnumerateArray()).All(c => c.GetProperty("state").GetString() == "completed"))
                {
                    _output.WriteLine(cluster.Cli("sweep", "status", sweep).StandardOutput);
                    return table;
                }

                if (stdout != last)
                {
                    (last, deadline) = (stdout, DateTime.UtcNow + quiet);
                }
            }
        }

        throw new TimeoutException($"the sweep did not complete (its table stayed the same for {quiet}). Last table:\n{last}\n{cluster.Logs()}");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_temp.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
