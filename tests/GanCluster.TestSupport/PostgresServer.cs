using System.Security.Cryptography;
using Npgsql;
using Xunit;

namespace GanCluster.TestSupport;

/// <summary>
/// A private PostgreSQL server for one test run: initdb into a fresh temp folder, then <c>postgres</c> in the
/// foreground as a <see cref="ChildProcess"/>, listening on 127.0.0.1 only, on a free port, with its Unix socket in the
/// temp folder (nothing touches the machine's own PostgreSQL, /var/run/postgresql or port 5432). Creates the database
/// <see cref="DatabaseName"/>; <see cref="CreateDatabaseAsync"/> makes more. Disposing stops the server (fast
/// shutdown, then a kill if it hangs) and deletes the folder. As root, initdb and postgres run as an unprivileged
/// account (<see cref="UnprivilegedUser"/>) that owns the folder. Use it as an xunit class or collection fixture.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime, IDisposable
{
    /// <summary>Where Debian's and Ubuntu's postgresql-N packages install the server (N = 15 on Debian 12).</summary>
    public const string PackagesDirectory = "/usr/lib/postgresql";

    /// <summary>
    /// The server binaries to use: GANCLUSTER_PG_BIN if set, else the newest /usr/lib/postgresql/N/bin holding initdb
    /// (Debian 12 ships 15, Ubuntu 22.04 14, Ubuntu 24.04 16: Akka.Persistence.Sql's PostgreSQL support covers each).
    /// </summary>
    public static string DefaultBinDirectory =>
        (Directory.Exists(PackagesDirectory)
            ? Directory.GetDirectories(PackagesDirectory)
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Bin, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Bin)
                .FirstOrDefault()
            : null)
        ?? Path.Combine(PackagesDirectory, "15", "bin");

    /// <summary>The superuser initdb creates; password authentication over TCP, as in production.</summary>
    public const string Username = "gancluster";

    /// <summary>The database created at start.</summary>
    public const string DatabaseName = "gancluster_test";

    private const int SigInt = 2;
    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private TempDirectory? _root;
    private ChildProcess? _server;
    private UnprivilegedUser? _user;

    /// <summary>The folder of initdb and postgres.</summary>
    public string BinDirectory { get; } =
        Environment.GetEnvironmentVariable("GANCLUSTER_PG_BIN") is { Length: > 0 } bin ? bin : DefaultBinDirectory;

    /// <summary>Always the loopback address: the test server is never reachable from elsewhere.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The TCP port, chosen free at start.</summary>
    public int Port { get; private set; }

    /// <summary>The superuser's password (random per run).</summary>
    public string Password { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The cluster's data folder.</summary>
    public string DataDirectory => _root?.Combine("data") ?? throw NotStarted();

    /// <summary>The folder holding the server's Unix socket.</summary>
    public string SocketDirectory => _root?.Combine("sock") ?? throw NotStarted();

    /// <summary>Connection string of <see cref="DatabaseName"/>.</summary>
    public string ConnectionString => ConnectionStringFor(DatabaseName);

    /// <summary>The server's log lines so far (postgres logs to stderr here), for failure messages.</summary>
    public IReadOnlyList<ChildProcessLine> ServerLog => _server?.Lines ?? [];

    /// <summary>The server process, while it runs.</summary>
    public ChildProcess? Process => _server;

    /// <summary>Connection string of any database on this server, over TCP with password authentication.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port != 0 ? Port : throw NotStarted(),
        Username = Username,
        Password = Password,
        Database = database,
        // Tests stop the server at the end; short idle lifetimes keep pools from holding many backends.
        ConnectionIdleLifetime = 10,
        Timeout = 15,
        CommandTimeout = 60,
    }.ConnectionString;

    public Task InitializeAsync() => StartAsync();

    /// <summary>Initializes the data folder, starts the server, and creates <see cref="DatabaseName"/>.</summary>
    public async Task StartAsync()
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("the server is already started");
        }

        var initdb = Path.Combine(BinDirectory, "initdb");
        var postgres = Path.Combine(BinDirectory, "postgres");
        if (!File.Exists(initdb) || !File.Exists(postgres))
        {
            throw new InvalidOperationException(
                $"PostgreSQL server binaries are missing in {BinDirectory}: run scripts/install-prerequisites.sh (apt-get install postgresql), or set GANCLUSTER_PG_BIN to the folder holding initdb and postgres");
        }

        _user = UnprivilegedUser.IsRoot ? await UnprivilegedUser.GetAsync().ConfigureAwait(false) : null;
        _root = TempDirectory.Create("pg", ParentFolder());
        Directory.CreateDirectory(SocketDirectory);
        var passwordFile = _root.Combine("pwfile");
        await File.WriteAllTextAsync(passwordFile, Password + "\n").ConfigureAwait(false);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (_user is not null)
        {
            await _user.ChownAsync(_root.Path).ConfigureAwait(false);
        }

        var init = await RunAsync(initdb, [
            "-D", DataDirectory, "-U", Username, $"--pwfile={passwordFile}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale",
            // Test data need not survive a power cut; skipping fsync makes initdb several times faster.
            "--no-sync",
        ]).ConfigureAwait(false);
        if (init.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed with code {init.ExitCode}:\n{init.AllOutput}");
        }

        File.Delete(passwordFile);

        // The port is only reserved by convention until postgres binds it: retry with another on a collision.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            var server = StartServer(postgres);
            try
            {
                await server.WaitForLineAsync(l => l.Contains("database system is ready to accept connections", StringComparison.Ordinal), StartTimeout).ConfigureAwait(false);
                _server = server;
                break;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.Lines.Any(l => l.Text.Contains("could not bind", StringComparison.Ordinal) || l.Text.Contains("already in use", StringComparison.Ordinal)))
            {
                server.Dispose();
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        await CreateDatabaseAsync(DatabaseName).ConfigureAwait(false);
    }

    /// <summary>Creates a database and returns its connection string (a test that wants its own clean slate).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z_][a-z0-9_]{0,62}$"))
        {
            throw new ArgumentException($"'{name}' is not a plain lowercase identifier", nameof(name));
        }

        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return ConnectionStringFor(name);
    }

    /// <summary>
    /// Stops the server the way an outage looks to its clients (fast shutdown: every connection is cut) and keeps its
    /// data; <see cref="StartAgainAsync"/> brings it back on the same port.
    /// </summary>
    public async Task StopAsync()
    {
        var server = _server ?? throw NotStarted();
        _server = null;
        try
        {
            if (server.Signal(SigInt))
            {
                await server.WaitForExitAsync(StopTimeout).ConfigureAwait(false);
            }
        }
        finally
        {
            server.Dispose();
        }
    }

    /// <summary>Starts the server stopped by <see cref="StopAsync"/> again, on its data folder and port.</summary>
    public async Task StartAgainAsync()
    {
        if (_server is not null || _root is null)
        {
            throw new InvalidOperationException("StartAgainAsync starts a server that StopAsync stopped");
        }

        var server = StartServer(Path.Combine(BinDirectory, "postgres"));
        try
        {
            await server.WaitForLineAsync(l => l.Contains("database system is ready to accept connections", StringComparison.Ordinal), StartTimeout).ConfigureAwait(false);
            _server = server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Stops the server (fast shutdown; a kill after <see cref="StopTimeout"/>) and deletes its folder.</summary>
    public async Task DisposeAsync()
    {
        // Pooled idle connections would otherwise be cut by the shutdown and surface as errors in later tests.
        NpgsqlConnection.ClearAllPools();
        if (_server is { } server)
        {
            _server = null;
            try
            {
                if (server.Signal(SigInt))
                {
                    await server.WaitForExitAsync(StopTimeout).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                // WaitForExitAsync killed the tree already.
            }
            finally
            {
                server.Dispose();
            }
        }

        _root?.Dispose();
        _root = null;
    }

    public void Dispose() => DisposeAsync().GetAwaiter().GetResult();

    private static InvalidOperationException NotStarted() => new("the PostgreSQL server is not started; call StartAsync (or use it as an xunit fixture)");

    /// <summary>
    /// The temp folder, unless the unprivileged account cannot reach it (a TMPDIR under /root, say): then /tmp,
    /// which every account can traverse.
    /// </summary>
    private string? ParentFolder()
    {
        if (_user is null)
        {
            return null;
        }

        for (var dir = new DirectoryInfo(Path.GetTempPath()); dir is not null; dir = dir.Parent)
        {
            if (!dir.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return "/tmp";
            }
        }

        return null;
    }

    private ChildProcess StartServer(string postgres)
    {
        var (file, arguments) = Command(postgres, [
            "-D", DataDirectory,
            "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={SocketDirectory}",
            // Durability is irrelevant for test data; these keep a 2-core machine fast.
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "shared_buffers=32MB",
            "-c", "max_connections=60",
            "-c", "logging_collector=off",
        ]);
        return ChildProcess.Start(file, arguments, Options("postgres"));
    }

    private async Task<ChildProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments)
    {
        var (file, args) = Command(fileName, arguments);
        return await ChildProcess.RunAsync(file, args, InitTimeout, Options(Path.GetFileName(fileName))).ConfigureAwait(false);
    }

    private (string FileName, IReadOnlyList<string> Arguments) Command(string fileName, IReadOnlyList<string> arguments) =>
        _user is null ? (fileName, arguments) : _user.Wrap(fileName, arguments);

    private ChildProcessOptions Options(string name) => new()
    {
        Name = name,
        WorkingDirectory = _root!.Path,
        Environment = new Dictionary<string, string?>
        {
            // Locale-independent messages (the ready line is matched as text) and no stray client settings.
            ["LC_ALL"] = "C",
            ["LANG"] = "C",
            ["HOME"] = _root.Path,
            ["PGDATA"] = null,
            ["PGPORT"] = null,
            ["PGHOST"] = null,
        },
    };
}
