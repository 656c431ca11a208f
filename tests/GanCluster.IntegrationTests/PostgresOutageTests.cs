using GanCluster.Cluster.Coordinator;
using GanCluster.Training.Core;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A coordinator on a real PostgreSQL server (journal, snapshots and checkpoints there) with real generator and
/// discriminator processes: the server is stopped mid-experiment and kept down while the coordinator fails and retries
/// under its backoff; clients are told it is recovering; once the server is back the experiment finishes, with nobody
/// touching the cluster, with the weights of a local run of the same experiment, bit for bit.
/// </summary>
public sealed class PostgresOutageTests : IClassFixture<PostgresServer>, IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("pg-outage");
    private readonly PostgresServer _server;

    public PostgresOutageTests(PostgresServer server)
    {
        _server = server;
    }

    [Fact]
    public async Task A_postgresql_outage_mid_experiment_heals_without_a_person_and_the_experiment_ends_with_the_local_runs_weights()
    {
        var database = await _server.CreateDatabaseAsync("outage_" + Guid.NewGuid().ToString("N")[..12]);
        const int rounds = 3000;
        var experiment = Path.Combine(_temp.Path, "ring.json");
        await File.WriteAllTextAsync(experiment, $$"""
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 64, "latentSize": 4, "mixture": { "samples": 2048 },
              "k": 1, "rounds": {{rounds}}, "checkpointInterval": 500, "seed": 5, "device": "cpu" }
            """);

        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"), "--persistence postgresql");
        cluster.NodeEnvironment["GANCLUSTER_POSTGRES"] = database;
        cluster.Start();
        var id = cluster.Submit(experiment);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Checkpointed, e => e.Text(0) == id && e.Int(1) == 500, "the first checkpoint");

        var down = DateTimeOffset.UtcNow;
        await _server.StopAsync();
        try
        {
            // The next journal write fails and the coordinator stops; kept down through four starts that cannot read the journal.
            cluster.WaitForEvent("coordinator", CoordinatorLogEvents.CoordinatorFailed, _ => true, "the coordinator failing on the database", down);
            // Between starts the guardian answers for it (a start under way may keep a request until its journal read fails).
            var answers = new List<string>();
            for (var attempt = 0; attempt < 10 && !answers.Any(a => a.Contains("the coordinator is recovering", StringComparison.Ordinal)); attempt++)
            {
                var list = cluster.Cli("list", "--timeout", "5");
                list.AssertNoStackTrace();
                answers.Add(list.AllOutput);
            }

            Assert.Contains(answers, a => a.Contains("the coordinator is recovering", StringComparison.Ordinal));
            cluster.WaitForEvent("coordinator", CoordinatorLogEvents.CoordinatorRestarting, e => e.Int(2) >= 4, "the fourth start after the outage", down);
        }
        finally
        {
            await _server.StartAgainAsync();
        }

        // The coordinator read its journal again by itself (a new incarnation in the same process) and carried the experiment on.
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Started, e => e.Int(0) >= 2, "the coordinator started again on the journal", down);
        cluster.WaitForState(id, "completed", TimeSpan.FromSeconds(300));
        Assert.True(cluster.AllRunning, "a node process exited: nobody restarts anything in this test");
        var stored = Path.Combine(_temp.Path, "stored.ckpt");
        cluster.Cli("checkpoint", id, "--out", stored).AssertExitCode(0);
        var local = Gancluster.Run(TimeSpan.FromMinutes(10), "train", "--local", experiment, "--out", Path.Combine(_temp.Path, "local"), "--torch-threads", "1", "--eval-samples", "0");
        Assert.True(local.ExitCode == 0, local.AllOutput);

        var onCluster = Checkpoint.Load(stored);
        var localRun = Checkpoint.Load(Path.Combine(_temp.Path, "local", "checkpoints", $"round-{rounds:D6}.ckpt"));
        Assert.Equal(rounds, onCluster.Round);
        Assert.Equal(localRun.Generator.Sha256, onCluster.Generator.Sha256);
        Assert.Equal(localRun.Discriminator.Sha256, onCluster.Discriminator.Sha256);
        cluster.Stop();
    }

    public void Dispose() => _temp.Dispose();
}
