using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GanCluster.Hosting;

/// <summary>The kinds of blobs stored per experiment and round.</summary>
public static class CheckpointRoles
{
    public const string Generator = "generator";
    public const string Discriminator = "discriminator";
    public const string Samples = "samples";
}

/// <summary>One stored blob: a half's state (or a sample grid) with its SHA-256.</summary>
public sealed record CheckpointBlob(string ExperimentId, int Round, string Role, byte[] Data, string Sha256)
{
    public static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>What is stored, without the data.</summary>
public sealed record CheckpointInfo(string ExperimentId, int Round, string Role, long Size, string Sha256, DateTimeOffset StoredAt);

/// <summary>A stored blob does not match its SHA-256 (damaged, or written by a killed process).</summary>
public sealed class CorruptCheckpointException(string message) : Exception(message);

/// <summary>Durable storage of checkpoint halves and sample grids, on the coordinator's database.</summary>
public interface ICheckpointStore
{
    Task SaveAsync(CheckpointBlob blob);

    /// <summary>The blob, verified against its SHA-256 (<see cref="CorruptCheckpointException"/> otherwise); null when absent.</summary>
    Task<CheckpointBlob?> LoadAsync(string experimentId, int round, string role);

    Task<IReadOnlyList<CheckpointInfo>> ListAsync(string experimentId);

    Task DeleteAsync(string experimentId, int round);
}

/// <summary>Creates the store a node's options name.</summary>
public static class CheckpointStoreFactory
{
    public static ICheckpointStore Create(NodeOptions options) => options.Persistence switch
    {
        // A file of its own beside the journal: checkpoint writes of many megabytes never hold the journal's lock.
        PersistenceBackend.Sqlite => new SqlCheckpointStore(SqlCheckpointStore.Dialect.Sqlite,
            $"Data Source={Path.Combine(Path.GetDirectoryName(options.ResolvedSqlitePath)!, "checkpoints.db")};Default Timeout=60"),
        _ => new SqlCheckpointStore(SqlCheckpointStore.Dialect.PostgreSql, options.PostgresConnectionString!),
    };
}

/// <summary>
/// Checkpoints in one table (<c>gancluster_checkpoints</c>) of SQLite or PostgreSQL. Every write is one
/// transaction (an upsert), so a process killed mid-write leaves the old row or the new one, never a mix;
/// the SHA-256 is checked on save and on load.
/// </summary>
public sealed class SqlCheckpointStore : ICheckpointStore
{
    public enum Dialect
    {
        Sqlite,
        PostgreSql,
    }

    private readonly Dialect _dialect;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _initialized = new(1, 1);
    private bool _ready;

    public SqlCheckpointStore(Dialect dialect, string connectionString)
    {
        _dialect = dialect;
        _connectionString = connectionString;
    }

    public async Task SaveAsync(CheckpointBlob blob)
    {
        if (CheckpointBlob.Hash(blob.Data) != blob.Sha256)
        {
            throw new CorruptCheckpointException($"{blob.Role} checkpoint of {blob.ExperimentId} round {blob.Round}: the data does not match its SHA-256; not stored");
        }

        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO gancluster_checkpoints (experiment_id, round, role, data, sha256, size, stored_at)
            VALUES (@id, @round, @role, @data, @sha, @size, @at)
            ON CONFLICT (experiment_id, round, role) DO UPDATE SET data = excluded.data, sha256 = excluded.sha256, size = excluded.size, stored_at = excluded.stored_at
            """;
        Add(command, "@id", blob.ExperimentId);
        Add(command, "@round", blob.Round);
        Add(command, "@role", blob.Role);
        Add(command, "@data", blob.Data);
        Add(command, "@sha", blob.Sha256);
        Add(command, "@size", (long)blob.Data.Length);
        Add(command, "@at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    public async Task<CheckpointBlob?> LoadAsync(string experimentId, int round, string role)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT data, sha256 FROM gancluster_checkpoints WHERE experiment_id = @id AND round = @round AND role = @role";
        Add(command, "@id", experimentId);
        Add(command, "@round", round);
        Add(command, "@role", role);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            return null;
        }

        var data = (byte[])reader.GetValue(0);
        var sha = reader.GetString(1);
        if (CheckpointBlob.Hash(data) != sha)
        {
            throw new CorruptCheckpointException($"{role} checkpoint of {experimentId} round {round}: stored data does not match its SHA-256 {sha[..12]}");
        }

        return new CheckpointBlob(experimentId, round, role, data, sha);
    }

    public async Task<IReadOnlyList<CheckpointInfo>> ListAsync(string experimentId)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT round, role, size, sha256, stored_at FROM gancluster_checkpoints WHERE experiment_id = @id ORDER BY round, role";
        Add(command, "@id", experimentId);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var list = new List<CheckpointInfo>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            list.Add(new CheckpointInfo(experimentId, reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return list;
    }

    public async Task DeleteAsync(string experimentId, int round)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM gancluster_checkpoints WHERE experiment_id = @id AND round = @round";
        Add(command, "@id", experimentId);
        Add(command, "@round", round);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = _dialect == Dialect.Sqlite ? new SqliteConnection(_connectionString) : new NpgsqlConnection(_connectionString);
        if (connection is SqliteConnection sqlite)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(sqlite.DataSource))!);
        }

        await connection.OpenAsync().ConfigureAwait(false);
        if (!_ready)
        {
            await _initialized.WaitAsync().ConfigureAwait(false);
            try
            {
                if (!_ready)
                {
                    await using var create = connection.CreateCommand();
                    var blobType = _dialect == Dialect.Sqlite ? "BLOB" : "BYTEA";
                    create.CommandText = $"""
                        CREATE TABLE IF NOT EXISTS gancluster_checkpoints (
                            experiment_id TEXT NOT NULL,
                            round INTEGER NOT NULL,
                            role TEXT NOT NULL,
                            data {blobType} NOT NULL,
                            sha256 TEXT NOT NULL,
                            size BIGINT NOT NULL,
                            stored_at BIGINT NOT NULL,
                            PRIMARY KEY (experiment_id, round, role))
                        """;
                    await create.ExecuteNonQueryAsync().ConfigureAwait(false);
                    _ready = true;
                }
            }
            finally
            {
                _initialized.Release();
            }
        }

        return connection;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
