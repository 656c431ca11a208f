namespace GanCluster.Hosting;

/// <summary>The roles a node can play.</summary>
public enum NodeRole
{
    Coordinator,
    Generator,
    Discriminator,
}

/// <summary>Where the coordinator keeps its journal, snapshots and checkpoints.</summary>
public enum PersistenceBackend
{
    Sqlite,
    PostgreSql,
}

/// <summary>A node option is invalid; the message names the option (and its environment variable) and the fix.</summary>
public sealed class NodeOptionsException(string message) : Exception(message);

/// <summary>
/// Everything that differs between nodes. Values come from command-line options, else from GANCLUSTER_*
/// environment variables (the Docker and systemd convention), else from the defaults below.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>Roles of this node (GANCLUSTER_ROLES, comma-separated).</summary>
    public IReadOnlySet<NodeRole> Roles { get; init; } = new HashSet<NodeRole> { NodeRole.Coordinator, NodeRole.Generator, NodeRole.Discriminator };

    /// <summary>Address to bind (GANCLUSTER_HOSTNAME); loopback by default.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Port to bind (GANCLUSTER_PORT); 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Address other nodes use to reach this one (GANCLUSTER_PUBLIC_HOSTNAME), when it differs from the bind address.</summary>
    public string? PublicHostname { get; init; }

    /// <summary>Seed nodes as host:port (GANCLUSTER_SEEDS, comma-separated); empty = this node is the first seed.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>ActorSystem name; identical on every node of a cluster.</summary>
    public string SystemName { get; init; } = "gancluster";

    /// <summary>Folder for the SQLite database and logs (GANCLUSTER_DATA).</summary>
    public string DataDirectory { get; init; } = "gancluster-data";

    /// <summary>Persistence back end (GANCLUSTER_PERSISTENCE: sqlite or postgresql).</summary>
    public PersistenceBackend Persistence { get; init; } = PersistenceBackend.Sqlite;

    /// <summary>SQLite database file; default &lt;data&gt;/coordinator.db.</summary>
    public string? SqlitePath { get; init; }

    /// <summary>PostgreSQL connection string (GANCLUSTER_POSTGRES).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Log folder (GANCLUSTER_LOGS); default &lt;data&gt;/logs.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Extra HOCON applied last (tests shorten timeouts with it).</summary>
    public string? ExtraHocon { get; init; }

    public string ResolvedSqlitePath => Path.GetFullPath(SqlitePath ?? Path.Combine(DataDirectory, "coordinator.db"));

    public string ResolvedLogDirectory => Path.GetFullPath(LogDirectory ?? Path.Combine(DataDirectory, "logs"));

    public bool HasRole(NodeRole role) => Roles.Contains(role);

    /// <summary>A short name for logs and files: roles and port.</summary>
    public string NodeName => $"{string.Join('+', Roles.Order().Select(r => r.ToString().ToLowerInvariant()))}-{Port}";

    /// <summary>Fills every value not given explicitly from GANCLUSTER_* environment variables.</summary>
    public static NodeOptions FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var options = new NodeOptions();
        if (environment("GANCLUSTER_ROLES") is { Length: > 0 } roles)
        {
            options = options with { Roles = ParseRoles(roles, "GANCLUSTER_ROLES") };
        }

        if (environment("GANCLUSTER_HOSTNAME") is { Length: > 0 } host)
        {
            options = options with { Hostname = host };
        }

        if (environment("GANCLUSTER_PORT") is { Length: > 0 } port)
        {
            options = options with { Port = ParsePort(port, "GANCLUSTER_PORT") };
        }

        if (environment("GANCLUSTER_PUBLIC_HOSTNAME") is { Length: > 0 } publicHost)
        {
            options = options with { PublicHostname = publicHost };
        }

        if (environment("GANCLUSTER_SEEDS") is { Length: > 0 } seeds)
        {
            options = options with { SeedNodes = ParseSeeds(seeds, "GANCLUSTER_SEEDS") };
        }

        if (environment("GANCLUSTER_DATA") is { Length: > 0 } data)
        {
            options = options with { DataDirectory = data };
        }

        if (environment("GANCLUSTER_PERSISTENCE") is { Length: > 0 } persistence)
        {
            options = options with { Persistence = ParsePersistence(persistence, "GANCLUSTER_PERSISTENCE") };
        }

        if (environment("GANCLUSTER_POSTGRES") is { Length: > 0 } postgres)
        {
            options = options with { PostgresConnectionString = postgres };
        }

        if (environment("GANCLUSTER_LOGS") is { Length: > 0 } logs)
        {
            options = options with { LogDirectory = logs };
        }

        return options;
    }

    public static IReadOnlySet<NodeRole> ParseRoles(string value, string option)
    {
        var roles = new HashSet<NodeRole>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            roles.Add(part.ToLowerInvariant() switch
            {
                "coordinator" => NodeRole.Coordinator,
                "generator" => NodeRole.Generator,
                "discriminator" => NodeRole.Discriminator,
                _ => throw new NodeOptionsException($"{option}: unknown role '{part}'; allowed: coordinator, generator, discriminator (comma-separated)"),
            });
        }

        return roles.Count > 0 ? roles : throw new NodeOptionsException($"{option}: give at least one role: coordinator, generator, discriminator");
    }

    public static int ParsePort(string value, string option) =>
        int.TryParse(value, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new NodeOptionsException($"{option}: '{value}' is not a port; use 0..65535 (0 picks a free port)");

    public static IReadOnlyList<string> ParseSeeds(string value, string option) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => ParseSeed(s, option)).ToList();

    public static PersistenceBackend ParsePersistence(string value, string option) => value.ToLowerInvariant() switch
    {
        "sqlite" => PersistenceBackend.Sqlite,
        "postgresql" or "postgres" => PersistenceBackend.PostgreSql,
        _ => throw new NodeOptionsException($"{option}: unknown persistence '{value}'; allowed: sqlite, postgresql"),
    };

    /// <summary>Accepts host:port or a full akka.tcp://system@host:port address; returns host:port.</summary>
    private static string ParseSeed(string seed, string option)
    {
        var hostPort = seed.Contains("://", StringComparison.Ordinal) ? seed[(seed.IndexOf('@') + 1)..].TrimEnd('/') : seed;
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], out var port) || port is <= 0 or > 65535)
        {
            throw new NodeOptionsException($"{option}: seed '{seed}' is not host:port (for example 10.0.0.5:4053)");
        }

        return hostPort;
    }

    /// <summary>Checks the combination of values; throws with the option to fix.</summary>
    public void Validate()
    {
        if (Roles.Count == 0)
        {
            throw new NodeOptionsException("--roles: give at least one role: coordinator, generator, discriminator");
        }

        if (Port is < 0 or > 65535)
        {
            throw new NodeOptionsException($"--port / GANCLUSTER_PORT: {Port} is not a port; use 0..65535");
        }

        if (HasRole(NodeRole.Coordinator) && Persistence == PersistenceBackend.PostgreSql && string.IsNullOrWhiteSpace(PostgresConnectionString))
        {
            throw new NodeOptionsException("--postgres / GANCLUSTER_POSTGRES: the postgresql persistence needs a connection string, for example 'Host=db;Username=gancluster;Password=...;Database=gancluster'");
        }

        if (SeedNodes.Count == 0 && Port == 0)
        {
            throw new NodeOptionsException("--port / --seeds: the first node of a cluster needs a fixed --port (the others name it in --seeds host:port)");
        }
    }
}
