using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

using GanCluster.Cluster.Coordinator;
using GanCluster.Training.Core;

namespace GanCluster.Node;

/// <summary>Creates the store a node's options name.</summary>
public static class CheckpointStoreFactory
{
    /// <summary>
    /// SQLite: <see cref="NodeOptions.ResolvedCheckpointSqlitePath"/>, a file of its own beside the journal, so that a
    /// checkpoint write of many megabytes never holds the journal's database lock. PostgreSQL: the journal's database.
    /// </summary>
    public static ICheckpointStore Create(NodeOptions options) => options.Persistence switch
    {
        PersistenceBackend.Sqlite => new SqliteCheckpointStore(options.ResolvedCheckpointSqlitePath),
        PersistenceBackend.PostgreSql => new PostgresCheckpointStore(
            options.PostgresConnectionString ?? throw new NodeOptionsException($"--postgres / {NodeEnvironment.Postgres}: the postgresql checkpoint store needs a connection string")),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Persistence, "unknown persistence back end"),
    };
}

/// <summary>
/// Checkpoints in one table, <c>gancluster_checkpoints</c>, created when missing. Each write is one upsert inside a
/// transaction; the SHA-256 is checked on save and on load. Dialects differ only in connections and the blob type.
/// </summary>
public abstract class SqlCheckpointStore : ICheckpointStore
{
    /// <summary>The table's name in both dialects.</summary>
    public const string TableName = "gancluster_checkpoints";

    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    /// <summary>The column type of the data: BLOB or BYTEA.</summary>
    protected abstract string BlobType { get; }

    public async Task SaveAsync(CheckpointBlob blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        CheckKey(blob.ExperimentId, blob.Round);
        ArgumentException.ThrowIfNullOrWhiteSpace(blob.Role);
        ArgumentNullException.ThrowIfNull(blob.Data);
        var actual = CheckpointBlob.Hash(blob.Data);
        if (!string.Equals(actual, blob.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptCheckpointException(blob.ExperimentId, blob.Round, blob.Role, blob.Sha256, actual, blob.Data.Length, "the data to save does not match the hash it came with; nothing was stored");
        }

        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // One statement, one transaction: the old row stays until the new one is committed whole.
        command.CommandText = $"""
            INSERT INTO {TableName} (experiment_id, round, role, data, sha256, size, stored_at)
            VALUES (@id, @round, @role, @data, @sha, @size, @at)
            ON CONFLICT (experiment_id, round, role)
            DO UPDATE SET data = excluded.data, sha256 = excluded.sha256, size = excluded.size, stored_at = excluded.stored_at
            """;
        Add(command, "@id", blob.ExperimentId);
        Add(command, "@round", blob.Round);
        Add(command, "@role", blob.Role);
        Add(command, "@data", blob.Data);
        Add(command, "@sha", actual);
        Add(command, "@size", (long)blob.Data.Length);
        Add(command, "@at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    public async Task<CheckpointBlob?> LoadAsync(string experimentId, int round, string role)
    {
        CheckKey(experimentId, round);
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT data, sha256 FROM {TableName} WHERE experiment_id = @id AND round = @round AND role = @role";
        Add(command, "@id", experimentId);
        Add(command, "@round", round);
        Add(command, "@role", role);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            return null;
        }

        var data = await reader.GetFieldValueAsync<byte[]>(0).ConfigureAwait(false);
        var recorded = reader.GetString(1);
        var actual = CheckpointBlob.Hash(data);
        if (!string.Equals(actual, recorded, StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptCheckpointException(experimentId, round, role, recorded, actual, data.Length, "the stored data is damaged");
        }

        return new CheckpointBlob(experimentId, round, role, data, recorded);
    }

    public async Task<IReadOnlyList<CheckpointInfo>> ListAsync(string experimentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experimentId);
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT round, role, size, sha256, stored_at FROM {TableName} WHERE experiment_id = @id ORDER BY round, role";
        Add(command, "@id", experimentId);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var list = new List<CheckpointInfo>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            list.Add(new CheckpointInfo(
                experimentId,
                reader.GetInt32(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return list;
    }

    public async Task DeleteAsync(string experimentId, int round)
    {
        CheckKey(experimentId, round);
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM {TableName} WHERE experiment_id = @id AND round = @round";
        Add(command, "@id", experimentId);
        Add(command, "@round", round);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>A new, not yet opened connection.</summary>
    protected abstract DbConnection CreateConnection();

    /// <summary>Runs the table's DDL; a dialect may tolerate a concurrent creator.</summary>
    protected virtual async Task CreateTableAsync(DbConnection connection)
    {
        await using var create = connection.CreateCommand();
        create.CommandText = $"""
            CREATE TABLE IF NOT EXISTS {TableName} (
                experiment_id TEXT NOT NULL,
                round INTEGER NOT NULL,
                role TEXT NOT NULL,
                data {BlobType} NOT NULL,
                sha256 TEXT NOT NULL,
                size BIGINT NOT NULL,
                stored_at BIGINT NOT NULL,
                PRIMARY KEY (experiment_id, round, role))
            """;
        await create.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static void CheckKey(string experimentId, int round)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experimentId);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private async Task<DbConnection> OpenAsync()
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
            if (!_schemaReady)
            {
                await _schemaLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    if (!_schemaReady)
                    {
                        await CreateTableAsync(connection).ConfigureAwait(false);
                        _schemaReady = true;
                    }
                }
                finally
                {
                    _schemaLock.Release();
                }
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>Checkpoints in a SQLite file (Microsoft.Data.Sqlite); the file and its folder are created when missing.</summary>
public sealed class SqliteCheckpointStore : SqlCheckpointStore
{
    public SqliteCheckpointStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        // Default Timeout doubles as the busy timeout: a reader waits for a writer's multi-megabyte commit
        // instead of failing with SQLITE_BUSY.
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, DefaultTimeout = 60 }.ToString();
    }

    /// <summary>The absolute path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The connection string every operation opens (the file, and the busy timeout).</summary>
    public string ConnectionString { get; }

    protected override string BlobType => "BLOB";

    protected override DbConnection CreateConnection() => new SqliteConnection(ConnectionString);
}

/// <summary>Checkpoints in PostgreSQL (Npgsql).</summary>
public sealed class PostgresCheckpointStore : SqlCheckpointStore
{
    private readonly string _connectionString;

    public PostgresCheckpointStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = connectionString;
    }

    protected override string BlobType => "BYTEA";

    protected override DbConnection CreateConnection() => new NpgsqlConnection(_connectionString);

    protected override async Task CreateTableAsync(DbConnection connection)
    {
        try
        {
            await base.CreateTableAsync(connection).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Two coordinators (or a coordinator and a tool) created the table at the same moment: PostgreSQL's
            // IF NOT EXISTS is not atomic across sessions, and the table exists now, which is all we need.
        }
    }
}
