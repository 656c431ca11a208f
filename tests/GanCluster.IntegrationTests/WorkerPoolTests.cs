using System.Text.Json;
using GanCluster.Cluster.Coordinator;
using Xunit.Abstractions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A pool of two generator and two discriminator nodes with a coordinator, five real processes: twenty small
/// experiments submitted through the CLI all complete, each assigned once and never two at a time to one node,
/// and an experiment whose data is missing on the discriminator's machine fails with that reason without
/// holding up the queue.
/// </summary>
public sealed class WorkerPoolTests : IDisposable
{
    private const int Experiments = 20;

    private readonly TempDirectory _temp = TempDirectory.Create("pool");

    private string _folder => _temp.Path;
    private readonly ITestOutputHelper _output;

    public WorkerPoolTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Twenty_experiments_on_two_pairs_all_complete_once_each_and_a_missing_data_path_fails_only_its_experiment()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var cluster = new LocalCluster(Path.Combine(_folder, "cluster"));
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        foreach (var name in new[] { "generator-1", "generator-2" })
        {
            cluster.StartNode(name, "generator", 0);
        }

        foreach (var name in new[] { "discriminator-1", "discriminator-2" })
        {
            cluster.StartNode(name, "discriminator", 0);
        }

        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.WorkerJoined, e => e.Int(2) == 2 && e.Int(3) == 2, "the pool of two pairs");

        // The data folder exists only in the spec: the discriminator fails to read it on its machine.
        var missingData = Path.Combine(_folder, "no-such-mnist");
        var broken = cluster.Submit(WriteExperiment("missing-data", $$"""
            "model": "mlp", "dataset": "mnist", "dataPath": "{{missingData}}", "batchSize": 16, "latentSize": 16
            """));
        var file = WriteExperiment("pool", """
            "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 }
            """);
        // Four CLI processes at a time: each is a .NET start-up of its own.
        var ids = Enumerable.Range(1, Experiments).Chunk(4).SelectMany(chunk => chunk.AsParallel().AsOrdered()
            .Select(i => cluster.Cli("submit", file, "--name", $"pool-{i:D2}", "--seed", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Select(r =>
            {
                Assert.True(r.ExitCode == 0, r.AllOutput);
                return r.StandardOutput.Trim();
            }).ToList()).ToList();
        Assert.Equal(Experiments, ids.Distinct().Count());
        _output.WriteLine($"pool up and {Experiments + 1} experiments submitted after {watch.Elapsed.TotalSeconds:F1} s");

        var listing = WaitForList(cluster, ids.Append(broken).ToList(), TimeSpan.FromSeconds(240));
        _output.WriteLine($"all finished after {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var id in ids)
        {
            var listed = listing[id];
            Assert.Equal("completed", LocalCluster.StateOf(listed));
            Assert.StartsWith("pool-", listed.GetProperty("name").GetString());
            Assert.Equal(6, listed.GetProperty("roundsDone").GetInt32());
        }

        var status = cluster.Status(broken);
        Assert.Equal("failed", LocalCluster.StateOf(status));
        Assert.Contains(missingData, status.GetProperty("reason").GetString());

        AssertAssignedOnceAndNeverTwoAtATime(NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}"), ids, broken);
        cluster.Stop();
    }

    /// <summary>
    /// Replays the coordinator's log in order: every experiment is assigned once, starting at round 1, and finishes
    /// once; a node is never given an experiment while another one runs there.
    /// </summary>
    private static void AssertAssignedOnceAndNeverTwoAtATime(IReadOnlyList<NodeEvent> events, IReadOnlyList<string> ids, string broken)
    {
        var busy = new Dictionary<string, string>();
        var runningOn = new Dictionary<string, (string Generator, string Discriminator)>();
        var assigned = new Dictionary<string, int>();
        var finished = new Dictionary<string, int>();
        foreach (var e in events)
        {
            if (e.Template == CoordinatorLogEvents.Assigned)
            {
                var (id, generator, discriminator) = (e.Text(0), e.Text(1), e.Text(2));
                Assert.Equal(1, e.Int(3));
                foreach (var node in new[] { generator, discriminator })
                {
                    Assert.False(busy.TryGetValue(node, out var other), $"{id} was assigned to {node} while {other} ran there");
                    busy[node] = id;
                }

                runningOn[id] = (generator, discriminator);
                assigned[id] = assigned.GetValueOrDefault(id) + 1;
            }
            else if (e.Template is CoordinatorLogEvents.Completed or CoordinatorLogEvents.Failed)
            {
                var id = e.Text(0);
                Assert.True(runningOn.Remove(id, out var nodes), $"{id} finished without running");
                busy.Remove(nodes.Generator);
                busy.Remove(nodes.Discriminator);
                finished[id] = finished.GetValueOrDefault(id) + 1;
            }
        }

        foreach (var id in ids.Append(broken))
        {
            Assert.Equal(1, assigned.GetValueOrDefault(id));
            Assert.Equal(1, finished.GetValueOrDefault(id));
        }

        // Both pairs took part: the queue ran two at a time.
        Assert.Equal(4, events.Where(e => e.Template == CoordinatorLogEvents.Assigned).SelectMany(e => new[] { e.Text(1), e.Text(2) }).Distinct().Count());
    }

    /// <summary>
    /// Polls <c>list --json</c> until every experiment has finished (completed or failed). <paramref name="quiet"/> bounds
    /// how long the list may stay unchanged, not the whole wait.
    /// </summary>
    private static Dictionary<string, JsonElement> WaitForList(LocalCluster cluster, IReadOnlyList<string> ids, TimeSpan quiet)
    {
        var deadline = DateTime.UtcNow + quiet;
        var last = string.Empty;
        var logged = -1L;
        while (DateTime.UtcNow < deadline)
        {
            logged = cluster.AwaitCoordinatorLog(logged);
            var (code, stdout, all) = cluster.Cli("list", "--json");
            if (code == 0)
            {
                var listed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                    .ToDictionary(e => e.GetProperty("id").GetString()!);
                if (ids.All(id => listed.TryGetValue(id, out var e) && LocalCluster.StateOf(e) is "completed" or "failed"))
                {
                    return listed;
                }

                if (stdout != last)
                {
                    last = stdout;
                    deadline = DateTime.UtcNow + quiet;
                }
            }
        }

        throw new TimeoutException($"the experiments did not all finish (the list stayed the same for {quiet}). Last list:\n{last}\n{cluster.Logs()}");
    }

    private string WriteExperiment(string name, string fields)
    {
        var path = Path.Combine(_folder, name + ".json");
        File.WriteAllText(path, $$"""
            {
              "name": "{{name}}",
              {{fields}},
              "k": 1,
              "rounds": 6,
              "checkpointInterval": 3,
              "seed": 1,
              "device": "cpu"
            }
            """);
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
