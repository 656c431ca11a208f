using GanCluster.Training.Core;
using GanCluster.Cluster.Coordinator;
using System.Data.Common;
using GanCluster.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GanCluster.Node.Tests;

/// <summary>The checkpoint store's contract, run against SQLite and PostgreSQL.</summary>
public abstract class CheckpointStoreSpecs
{
    private readonly string _experiment = $"exp-{Guid.NewGuid():N}";

    /// <summary>A store on the test's database; several calls give independent store objects on the same data.</summary>
    protected abstract ICheckpointStore NewStore();

    /// <summary>A raw connection to the same database, to damage rows behind the store's back.</summary>
    protected abstract DbConnection OpenRaw();

    private static byte[] RandomBytes(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public async Task A_saved_blob_loads_back_byte_for_byte_with_its_hash()
    {
        var store = NewStore();
        var blob = CheckpointBlob.Create(_experiment, 500, CheckpointRoles.Generator, RandomBytes(3 * 1024 * 1024 + 7, 1));

        await store.SaveAsync(blob);
        var loaded = await NewStore().LoadAsync(_experiment, 500, CheckpointRoles.Generator);

        Assert.NotNull(loaded);
        Assert.Equal(blob.Data, loaded.Data);
        Assert.Equal(blob.Sha256, loaded.Sha256);
        Assert.Equal((_experiment, 500, CheckpointRoles.Generator), (loaded.ExperimentId, loaded.Round, loaded.Role));
    }

    [Fact]
    public async Task Loading_an_absent_checkpoint_returns_null()
    {
        var store = NewStore();
        await store.SaveAsync(CheckpointBlob.Create(_experiment, 1, CheckpointRoles.Generator, [1, 2, 3]));

        Assert.Null(await store.LoadAsync(_experiment, 1, CheckpointRoles.Discriminator));
        Assert.Null(await store.LoadAsync(_experiment, 2, CheckpointRoles.Generator));
        Assert.Null(await store.LoadAsync("no-such-experiment", 1, CheckpointRoles.Generator));
    }

    [Fact]
    public async Task Saving_the_same_round_and_role_again_replaces_the_blob()
    {
        var store = NewStore();
        await store.SaveAsync(CheckpointBlob.Create(_experiment, 7, CheckpointRoles.Discriminator, RandomBytes(1000, 1)));
        var second = CheckpointBlob.Create(_experiment, 7, CheckpointRoles.Discriminator, RandomBytes(2000, 2));

        await store.SaveAsync(second);

        var loaded = await store.LoadAsync(_experiment, 7, CheckpointRoles.Discriminator);
        Assert.Equal(second.Data, loaded!.Data);
        var info = Assert.Single(await store.ListAsync(_experiment));
        Assert.Equal(2000, info.Size);
        Assert.Equal(second.Sha256, info.Sha256);
    }

    [Fact]
    public async Task Listing_gives_every_round_and_role_of_one_experiment_in_order()
    {
        var store = NewStore();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        foreach (var round in new[] { 1000, 500 })
        {
            await store.SaveAsync(CheckpointBlob.Create(_experiment, round, CheckpointRoles.Generator, RandomBytes(round, round)));
            await store.SaveAsync(CheckpointBlob.Create(_experiment, round, CheckpointRoles.Discriminator, RandomBytes(round + 1, round)));
        }

        await store.SaveAsync(CheckpointBlob.Create(_experiment + "-other", 1, CheckpointRoles.Generator, [1]));

        var list = await store.ListAsync(_experiment);

        Assert.Equal(
            [(500, CheckpointRoles.Discriminator, 501L), (500, CheckpointRoles.Generator, 500L), (1000, CheckpointRoles.Discriminator, 1001L), (1000, CheckpointRoles.Generator, 1000L)],
            list.Select(i => (i.Round, i.Role, i.Size)));
        Assert.All(list, i => Assert.Equal(_experiment, i.ExperimentId));
        Assert.All(list, i => Assert.InRange(i.StoredAt, before, DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Empty(await store.ListAsync("no-such-experiment"));
    }

    [Fact]
    public async Task Deleting_a_round_removes_every_role_of_that_round_only()
    {
        var store = NewStore();
        foreach (var round in new[] { 1, 2 })
        {
            foreach (var role in new[] { CheckpointRoles.Generator, CheckpointRoles.Discriminator, CheckpointRoles.Samples })
            {
                await store.SaveAsync(CheckpointBlob.Create(_experiment, round, role, RandomBytes(10, round)));
            }
        }

        await store.DeleteAsync(_experiment, 1);
        await store.DeleteAsync(_experiment, 99);

        Assert.Equal([2, 2, 2], (await store.ListAsync(_experiment)).Select(i => i.Round));
        Assert.Null(await store.LoadAsync(_experiment, 1, CheckpointRoles.Generator));
        Assert.NotNull(await store.LoadAsync(_experiment, 2, CheckpointRoles.Generator));
    }

    [Fact]
    public async Task Data_that_does_not_match_its_hash_is_refused_and_nothing_is_stored()
    {
        var store = NewStore();
        var good = CheckpointBlob.Create(_experiment, 3, CheckpointRoles.Generator, RandomBytes(100, 1));
        await store.SaveAsync(good);
        var bad = good with { Data = RandomBytes(100, 2) };

        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => store.SaveAsync(bad));

        Assert.Equal(good.Sha256, e.ExpectedSha256);
        Assert.Equal(CheckpointBlob.Hash(bad.Data), e.ActualSha256);
        Assert.Equal(good.Data, (await store.LoadAsync(_experiment, 3, CheckpointRoles.Generator))!.Data);
    }

    [Fact]
    public async Task A_row_damaged_in_the_database_throws_CorruptCheckpointException_with_details()
    {
        var store = NewStore();
        var blob = CheckpointBlob.Create(_experiment, 9, CheckpointRoles.Discriminator, RandomBytes(4096, 3));
        await store.SaveAsync(blob);
        var damaged = (byte[])blob.Data.Clone();
        damaged[2048] ^= 0x01;
        await using (var connection = OpenRaw())
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE gancluster_checkpoints SET data = @data WHERE experiment_id = @id AND round = 9";
            AddParameter(command, "@data", damaged);
            AddParameter(command, "@id", _experiment);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var e = await Assert.ThrowsAsync<CorruptCheckpointException>(() => store.LoadAsync(_experiment, 9, CheckpointRoles.Discriminator));

        Assert.Equal((_experiment, 9, CheckpointRoles.Discriminator), (e.ExperimentId, e.Round, e.Role));
        Assert.Equal(blob.Sha256, e.ExpectedSha256);
        Assert.Equal(CheckpointBlob.Hash(damaged), e.ActualSha256);
        Assert.Equal(4096, e.Size);
        Assert.Contains(_experiment, e.Message, StringComparison.Ordinal);
        Assert.Contains("round 9", e.Message, StringComparison.Ordinal);
        // The listing still shows it, so the coordinator can pick the previous round instead.
        Assert.Single(await store.ListAsync(_experiment));
    }

    [Fact]
    public async Task Concurrent_saves_from_several_stores_all_land()
    {
        var saves = Enumerable.Range(0, 8).Select(i =>
            NewStore().SaveAsync(CheckpointBlob.Create(_experiment, i, CheckpointRoles.Generator, RandomBytes(256 * 1024, i))));

        await Task.WhenAll(saves).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(0, 8), (await NewStore().ListAsync(_experiment)).Select(i => i.Round));
    }

    [Fact]
    public async Task Saves_loads_and_listings_at_the_same_time_all_succeed()
    {
        // What a coordinator does with several experiments running: checkpoints and sample grids written while
        // other tasks load and list. Readers and writers on one SQLite file meet its locks; none may fail.
        const int writers = 4, rounds = 12;
        await NewStore().SaveAsync(CheckpointBlob.Create(_experiment, 0, CheckpointRoles.Generator, RandomBytes(64 * 1024, 99)));
        var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var store = NewStore();
            for (var r = 1; r <= rounds; r++)
            {
                await store.SaveAsync(CheckpointBlob.Create(_experiment, r, $"role-{w}", RandomBytes(128 * 1024, (w * 100) + r)));
            }
        })).ToList();
        var allWritten = Task.WhenAll(writing);
        var reading = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            var store = NewStore();
            var reads = 0;
            while (!allWritten.IsCompleted || reads < 5)
            {
                Assert.NotNull(await store.LoadAsync(_experiment, 0, CheckpointRoles.Generator));
                Assert.NotEmpty(await store.ListAsync(_experiment));
                reads++;
            }
        })).ToList();

        await Task.WhenAll(writing.Concat(reading));

        Assert.Equal(1 + (writers * rounds), (await NewStore().ListAsync(_experiment)).Count);
    }

    [Fact]
    public async Task Invalid_keys_are_rejected_before_touching_the_database()
    {
        var store = NewStore();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SaveAsync(CheckpointBlob.Create(_experiment, -1, CheckpointRoles.Generator, [1])));
        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync(" ", 1, CheckpointRoles.Generator));
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

public sealed class SqliteCheckpointStoreTests : CheckpointStoreSpecs, IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("checkpoints");

    private NodeOptions Options => new() { Roles = new HashSet<NodeRole> { NodeRole.Coordinator }, DataDirectory = _temp.Combine("data") };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public void The_factory_puts_checkpoints_in_their_own_file_beside_the_journal()
    {
        var store = Assert.IsType<SqliteCheckpointStore>(CheckpointStoreFactory.Create(Options));

        Assert.Equal(_temp.Combine("data", "checkpoints.db"), store.DatabasePath);
        Assert.Equal(Path.GetDirectoryName(Options.ResolvedSqlitePath), Path.GetDirectoryName(store.DatabasePath));
    }

    [Fact]
    public void Connections_opened_at_the_same_moment_never_share_a_native_handle()
    {
        // Microsoft.Data.Sqlite 10.0.0's pool could hand one native connection to two SqliteConnections opened at once
        // (dotnet/efcore#39008): in CI the coordinator's sample-grid write failed with "SQLite Error 1: 'not an error'"
        // while a checkpoint was written. Waves of 16 simultaneous opens with the store's connection string, each wave
        // from an empty pool: 10.0.0 shared a handle in 1 wave in 100-200 here, the pinned version in none of 6,000.
        var connectionString = Assert.IsType<SqliteCheckpointStore>(NewStore()).ConnectionString;
        const int waves = 600, opens = 16;
        var shared = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        for (var wave = 0; wave < waves; wave++)
        {
            var connections = new SqliteConnection[opens];
            using var start = new Barrier(opens);
            var threads = Enumerable.Range(0, opens).Select(i => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    var connection = new SqliteConnection(connectionString);
                    connection.Open();
                    connections[i] = connection;
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Empty(failures);
            if (connections.Select(c => c.Handle!.DangerousGetHandle()).Distinct().Count() != opens)
            {
                shared++;
            }

            foreach (var connection in connections)
            {
                connection.Dispose();
            }

            SqliteConnection.ClearPool(connections[0]);
        }

        Assert.Equal(0, shared);
    }

    protected override ICheckpointStore NewStore() => CheckpointStoreFactory.Create(Options);

    protected override DbConnection OpenRaw() => new SqliteConnection($"Data Source={Options.ResolvedCheckpointSqlitePath}");
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCheckpointStoreTests(PostgresServer server) : CheckpointStoreSpecs
{
    private NodeOptions Options => new()
    {
        Roles = new HashSet<NodeRole> { NodeRole.Coordinator },
        Persistence = PersistenceBackend.PostgreSql,
        PostgresConnectionString = server.ConnectionString,
    };

    [Fact]
    public void The_factory_uses_the_journal_database()
    {
        Assert.IsType<PostgresCheckpointStore>(CheckpointStoreFactory.Create(Options));
    }

    protected override ICheckpointStore NewStore() => CheckpointStoreFactory.Create(Options);

    protected override DbConnection OpenRaw() => new NpgsqlConnection(server.ConnectionString);
}
