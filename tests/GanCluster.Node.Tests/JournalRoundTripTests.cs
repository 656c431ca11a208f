using Akka;
using Akka.Actor;
using Akka.Persistence;
using GanCluster.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GanCluster.Node.Tests;

/// <summary>A tiny persistent actor: appends strings, snapshots on request, reports what it recovered.</summary>
internal sealed class Recorder : ReceivePersistentActor
{
    private List<string> _items = [];
    private bool _recoveredFromSnapshot;
    private IActorRef? _snapshotRequester;

    public Recorder(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<SnapshotOffer>(offer =>
        {
            _items = ((string[])offer.Snapshot).ToList();
            _recoveredFromSnapshot = true;
        });
        Recover<string>(item => _items.Add(item));
        Command<Append>(append => Persist(append.Item, item =>
        {
            _items.Add(item);
            Sender.Tell(Done.Instance);
        }));
        Command<TakeSnapshot>(_ =>
        {
            SaveSnapshot(_items.ToArray());
            _snapshotRequester = Sender;
        });
        Command<SaveSnapshotSuccess>(_ => _snapshotRequester?.Tell(Done.Instance));
        Command<SaveSnapshotFailure>(failure => _snapshotRequester?.Tell(new Status.Failure(failure.Cause)));
        Command<GetState>(_ => Sender.Tell(new State(_items.ToArray(), _recoveredFromSnapshot)));
    }

    public override string PersistenceId { get; }

    public sealed record Append(string Item);

    public sealed record TakeSnapshot;

    public sealed record GetState;

    public sealed record State(string[] Items, bool RecoveredFromSnapshot);

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => throw cause;
}

/// <summary>
/// Events and snapshots written through ClusterConfigLoader's configuration survive the ActorSystem: a second system
/// on the same store recovers them. Runs on a real SQLite file and on the private PostgreSQL server.
/// </summary>
public abstract class JournalRoundTripSpecs
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    protected abstract NodeOptions Options();

    protected abstract Task<long> CountJournalRowsAsync();

    [Fact]
    public async Task Events_and_snapshots_are_recovered_by_a_new_actor_system()
    {
        var persistenceId = $"recorder-{Guid.NewGuid():N}";
        await using (var first = Start())
        {
            var recorder = first.System.ActorOf(Props.Create(() => new Recorder(persistenceId)));
            await recorder.Ask<Done>(new Recorder.Append("a"), Timeout);
            await recorder.Ask<Done>(new Recorder.Append("b"), Timeout);
            await recorder.Ask<Done>(new Recorder.TakeSnapshot(), Timeout);
            await recorder.Ask<Done>(new Recorder.Append("c"), Timeout);
        }

        await using (var second = Start())
        {
            var recorder = second.System.ActorOf(Props.Create(() => new Recorder(persistenceId)));
            var state = await recorder.Ask<Recorder.State>(new Recorder.GetState(), Timeout);

            Assert.Equal(["a", "b", "c"], state.Items);
            Assert.True(state.RecoveredFromSnapshot);
        }

        // The events are in the database the options name, not in some default location.
        Assert.True(await CountJournalRowsAsync() >= 3);
    }

    private RunningSystem Start()
    {
        var options = Options() with { Port = FreePort.Next() };
        var config = ClusterConfigLoader.Load(options, ClusterConfigLoader.LocateConfigDirectory(null, _ => null), includeSerialization: false);
        return new RunningSystem(ActorSystem.Create(options.SystemName, config));
    }

    private sealed class RunningSystem(ActorSystem system) : IAsyncDisposable
    {
        public ActorSystem System { get; } = system;

        public async ValueTask DisposeAsync()
        {
            await System.Terminate().WaitAsync(Timeout);
        }
    }
}

public sealed class SqliteJournalRoundTripTests : JournalRoundTripSpecs, IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("journal");

    public void Dispose()
    {
        // Microsoft.Data.Sqlite pools connections and keeps the file open; release it before deleting the folder.
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    protected override NodeOptions Options() => new()
    {
        Roles = new HashSet<NodeRole> { NodeRole.Coordinator },
        DataDirectory = _temp.Combine("data"),
    };

    protected override async Task<long> CountJournalRowsAsync()
    {
        Assert.True(File.Exists(_temp.Combine("data", "coordinator.db")));
        await using var connection = new SqliteConnection($"Data Source={_temp.Combine("data", "coordinator.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalRoundTripTests(PostgresServer server) : JournalRoundTripSpecs, IAsyncLifetime
{
    private string _connectionString = string.Empty;

    public async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync($"journal_{Guid.NewGuid():N}");

    public Task DisposeAsync() => Task.CompletedTask;

    protected override NodeOptions Options() => new()
    {
        Roles = new HashSet<NodeRole> { NodeRole.Coordinator },
        Persistence = PersistenceBackend.PostgreSql,
        PostgresConnectionString = _connectionString,
    };

    protected override async Task<long> CountJournalRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
