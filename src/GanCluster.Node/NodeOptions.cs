using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace GanCluster.Node;

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

/// <summary>The environment variables a node reads (the Docker and systemd convention).</summary>
public static class NodeEnvironment
{
    public const string Roles = "GANCLUSTER_ROLES";
    public const string Hostname = "GANCLUSTER_HOSTNAME";
    public const string Port = "GANCLUSTER_PORT";
    public const string PublicHostname = "GANCLUSTER_PUBLIC_HOSTNAME";
    public const string Seeds = "GANCLUSTER_SEEDS";
    public const string SystemName = "GANCLUSTER_SYSTEM_NAME";
    public const string DataDirectory = "GANCLUSTER_DATA";
    public const string Persistence = "GANCLUSTER_PERSISTENCE";
    public const string SqlitePath = "GANCLUSTER_SQLITE";
    public const string Postgres = "GANCLUSTER_POSTGRES";
    public const string LogDirectory = "GANCLUSTER_LOGS";
    public const string ConfigDirectory = "GANCLUSTER_CONFIG";

    /// <summary>TLS certificate (PKCS#12 .pfx) shared by the nodes of one cluster.</summary>
    public const string TlsCertificate = "GANCLUSTER_TLS_CERTIFICATE";

    /// <summary>Password of the TLS certificate file.</summary>
    public const string TlsPassword = "GANCLUSTER_TLS_PASSWORD";

    /// <summary>Threads TorchSharp may use for one operation on this node.</summary>
    public const string TorchThreads = "GANCLUSTER_TORCH_THREADS";

    /// <summary>A file holding the PostgreSQL connection string (a secret kept out of `ps` and of the environment).</summary>
    public const string PostgresFile = "GANCLUSTER_POSTGRES_FILE";

    /// <summary>A file holding the TLS certificate's password.</summary>
    public const string TlsPasswordFile = "GANCLUSTER_TLS_PASSWORD_FILE";

    /// <summary>1/true: allow a node bound to a non-loopback address without TLS (see <see cref="NodeOptions.Insecure"/>).</summary>
    public const string Insecure = "GANCLUSTER_INSECURE";

    /// <summary>Port of the node's HTTP endpoint: the dashboard on coordinator nodes, /metrics on every node.</summary>
    public const string DashboardPort = "GANCLUSTER_DASHBOARD_PORT";

    /// <summary>Address the HTTP endpoint binds (loopback by default).</summary>
    public const string DashboardHostname = "GANCLUSTER_DASHBOARD_HOSTNAME";

    /// <summary>OTLP/HTTP endpoint the node also ships its log events to (off by default).</summary>
    public const string OtlpLogs = "GANCLUSTER_OTLP_LOGS";
}

/// <summary>
/// Node options as the command line gave them: raw text, null where the option was not given. Parsed by
/// <see cref="NodeOptions.Resolve"/>, which names the option in its errors.
/// </summary>
public sealed record NodeOptionInputs
{
    /// <summary>--roles: comma-separated coordinator, generator, discriminator.</summary>
    public string? Roles { get; init; }

    /// <summary>--hostname: address to bind.</summary>
    public string? Hostname { get; init; }

    /// <summary>--port: port to bind.</summary>
    public string? Port { get; init; }

    /// <summary>--public-hostname: address other nodes use to reach this one.</summary>
    public string? PublicHostname { get; init; }

    /// <summary>--seeds: comma-separated host:port or akka.tcp://system@host:port.</summary>
    public string? Seeds { get; init; }

    /// <summary>--system-name: ActorSystem name.</summary>
    public string? SystemName { get; init; }

    /// <summary>--data: data folder.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>--persistence: sqlite or postgresql.</summary>
    public string? Persistence { get; init; }

    /// <summary>--sqlite: SQLite journal file.</summary>
    public string? SqlitePath { get; init; }

    /// <summary>--postgres: PostgreSQL connection string.</summary>
    public string? Postgres { get; init; }

    /// <summary>--logs: log folder.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>--config: cluster-config folder.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>--tls-certificate: PKCS#12 file of the cluster's TLS certificate.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>--tls-password: its password.</summary>
    public string? TlsPassword { get; init; }

    /// <summary>--torch-threads: threads TorchSharp may use for one operation.</summary>
    public string? TorchThreads { get; init; }

    /// <summary>--postgres-file: a file holding the connection string.</summary>
    public string? PostgresFile { get; init; }

    /// <summary>--tls-password-file: a file holding the certificate's password.</summary>
    public string? TlsPasswordFile { get; init; }

    /// <summary>--insecure: true when given.</summary>
    public bool Insecure { get; init; }

    /// <summary>--dashboard-port: port of the node's HTTP endpoint (dashboard, /metrics).</summary>
    public string? DashboardPort { get; init; }

    /// <summary>--dashboard-hostname: address it binds.</summary>
    public string? DashboardHostname { get; init; }

    /// <summary>--otlp-logs: an OTLP/HTTP logs endpoint.</summary>
    public string? OtlpLogs { get; init; }
}

/// <summary>
/// Everything that differs between nodes. <see cref="Resolve"/> takes each value from the command line, else from
/// its GANCLUSTER_* environment variable, else from the defaults below. Tests build the record directly.
/// </summary>
public sealed partial record NodeOptions
{
    /// <summary>Port of a node with the coordinator role when none is given: the well-known seed port.</summary>
    public const int DefaultCoordinatorPort = 4053;

    /// <summary>Roles of this node (--roles, GANCLUSTER_ROLES); all three by default, a one-process cluster.</summary>
    public IReadOnlySet<NodeRole> Roles { get; init; } = new HashSet<NodeRole> { NodeRole.Coordinator, NodeRole.Generator, NodeRole.Discriminator };

    /// <summary>Address to bind (--hostname, GANCLUSTER_HOSTNAME); loopback by default, so nothing is exposed by accident.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>
    /// Port to bind (--port, GANCLUSTER_PORT). Null means the default: <see cref="DefaultCoordinatorPort"/> for a
    /// node with the coordinator role (other nodes name it in their seeds), 0 (any free port) for worker-only nodes.
    /// </summary>
    public int? Port { get; init; }

    /// <summary>Address other nodes use to reach this one (--public-hostname, GANCLUSTER_PUBLIC_HOSTNAME), when it differs from the bind address.</summary>
    public string? PublicHostname { get; init; }

    /// <summary>
    /// Seed nodes (--seeds, GANCLUSTER_SEEDS, comma-separated), each host:port or akka.tcp://system@host:port; empty
    /// means this node is the first seed of a new cluster (only allowed for coordinator nodes).
    /// </summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>ActorSystem name (--system-name, GANCLUSTER_SYSTEM_NAME); identical on every node of a cluster.</summary>
    public string SystemName { get; init; } = "gancluster";

    /// <summary>Folder for the SQLite databases and logs (--data, GANCLUSTER_DATA).</summary>
    public string DataDirectory { get; init; } = "gancluster-data";

    /// <summary>Persistence back end of coordinator nodes (--persistence, GANCLUSTER_PERSISTENCE: sqlite or postgresql).</summary>
    public PersistenceBackend Persistence { get; init; } = PersistenceBackend.Sqlite;

    /// <summary>SQLite journal file (--sqlite, GANCLUSTER_SQLITE); default &lt;data&gt;/coordinator.db.</summary>
    public string? SqlitePath { get; init; }

    /// <summary>PostgreSQL connection string (--postgres, GANCLUSTER_POSTGRES); required with the postgresql back end.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Log folder (--logs, GANCLUSTER_LOGS); default &lt;data&gt;/logs.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>cluster-config folder (--config, GANCLUSTER_CONFIG); default: the copy next to the executable.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>Split Brain Resolver stable-after; null keeps base.conf's 20 s. Tests shorten it.</summary>
    public TimeSpan? StableAfter { get; init; }

    /// <summary>Cluster failure-detector heartbeat interval; null keeps base.conf's 1 s.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>Cluster failure-detector acceptable heartbeat pause; null keeps base.conf's 6 s.</summary>
    public TimeSpan? AcceptableHeartbeatPause { get; init; }

    /// <summary>Extra HOCON applied last, above everything else (tests and one-off tuning).</summary>
    public string? ExtraHocon { get; init; }

    /// <summary>
    /// TLS certificate (PKCS#12) for the remoting transport (--tls-certificate, GANCLUSTER_TLS_CERTIFICATE); null =
    /// plain TCP. Every node and client of the cluster uses the same certificate: connections are mutually
    /// authenticated and accepted only from a peer presenting exactly that certificate (pinned thumbprint).
    /// </summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>Password of <see cref="TlsCertificatePath"/> (--tls-password, GANCLUSTER_TLS_PASSWORD).</summary>
    public string? TlsCertificatePassword { get; init; }

    /// <summary>
    /// Threads TorchSharp may use for one operation (--torch-threads, GANCLUSTER_TORCH_THREADS); null keeps libtorch's
    /// default, one per core. Nodes that share a machine should split its cores: two halves that each use every core
    /// compute at the same time and oversubscribe it.
    /// </summary>
    public int? TorchThreads { get; init; }

    /// <summary>
    /// Protected mode off (--insecure, GANCLUSTER_INSECURE=1): a node bound to a non-loopback address without TLS accepts
    /// anyone who reaches its port as a client or a worker. Off by default, like Redis's protected mode.
    /// </summary>
    public bool Insecure { get; init; }

    /// <summary>
    /// Port of the node's HTTP endpoint (--dashboard-port, GANCLUSTER_DASHBOARD_PORT): the dashboard page and its JSON on a
    /// coordinator node, <c>/metrics</c> (Prometheus) on every node. Null (the default): no HTTP endpoint.
    /// </summary>
    public int? DashboardPort { get; init; }

    /// <summary>
    /// Address the HTTP endpoint binds (--dashboard-hostname, GANCLUSTER_DASHBOARD_HOSTNAME): loopback by default. It has
    /// no TLS and no login, so another address needs <see cref="Insecure"/>, as a cluster port without TLS does.
    /// </summary>
    public string DashboardHostname { get; init; } = "127.0.0.1";

    /// <summary>
    /// OTLP/HTTP (protobuf) logs endpoint (--otlp-logs, GANCLUSTER_OTLP_LOGS), e.g. http://collector:4318/v1/logs: every
    /// log event also goes there, besides the node's file, as OpenTelemetry log records with the node's name as the
    /// resource's <c>service.instance.id</c>. Null (the default): nothing leaves the machine.
    /// </summary>
    public Uri? OtlpLogs { get; init; }

    /// <summary>The port actually configured: <see cref="Port"/>, else the role's default.</summary>
    public int ResolvedPort => Port ?? (HasRole(NodeRole.Coordinator) ? DefaultCoordinatorPort : 0);

    /// <summary>The coordinator's run folders, one per experiment (&lt;data&gt;/experiments): metrics.jsonl, samples, TensorBoard.</summary>
    public string ResolvedExperimentsDirectory => Path.Combine(Path.GetFullPath(DataDirectory), "experiments");

    /// <summary>The absolute path of the SQLite journal file.</summary>
    public string ResolvedSqlitePath => Path.GetFullPath(SqlitePath ?? Path.Combine(DataDirectory, "coordinator.db"));

    /// <summary>The absolute path of the SQLite checkpoint file: checkpoints.db beside the journal.</summary>
    public string ResolvedCheckpointSqlitePath => Path.Combine(Path.GetDirectoryName(ResolvedSqlitePath)!, "checkpoints.db");

    /// <summary>The absolute path of the log folder.</summary>
    public string ResolvedLogDirectory => Path.GetFullPath(LogDirectory ?? Path.Combine(DataDirectory, "logs"));

    /// <summary>The host name other nodes use for this one.</summary>
    public string AdvertisedHostname => PublicHostname ?? Hostname;

    /// <summary>
    /// A short name for logs and log files: roles and port, or the process id when the port is picked at
    /// random (two workers on one machine must not share a log file).
    /// </summary>
    public string NodeName =>
        $"{string.Join('+', Roles.Order().Select(RoleName))}-{(ResolvedPort != 0 ? ResolvedPort.ToString(CultureInfo.InvariantCulture) : $"pid{Environment.ProcessId}")}";

    /// <summary>Whether this node plays <paramref name="role"/>.</summary>
    public bool HasRole(NodeRole role) => Roles.Contains(role);

    /// <summary>The role's name in HOCON, on the command line and in akka.cluster.roles.</summary>
    public static string RoleName(NodeRole role) => role.ToString().ToLowerInvariant();

    /// <summary>
    /// Full akka.tcp addresses of the seed nodes; without seeds, this node's own address (it founds the cluster).
    /// </summary>
    public IReadOnlyList<string> SeedAddresses =>
        SeedNodes.Count == 0
            ? [$"{Protocol}://{SystemName}@{FormatHost(AdvertisedHostname)}:{ResolvedPort}"]
            : SeedNodes.Select(s => s.Contains("://", StringComparison.Ordinal) ? WithProtocol(s) : $"{Protocol}://{SystemName}@{s}").ToList();

    /// <summary>The remoting protocol: akka.ssl.tcp with TLS, akka.tcp without.</summary>
    public string Protocol => TlsCertificatePath is null ? "akka.tcp" : "akka.ssl.tcp";

    private string WithProtocol(string address) => TlsCertificatePath is null ? address : address.Replace("akka.tcp://", "akka.ssl.tcp://", StringComparison.Ordinal);

    /// <summary>Values from GANCLUSTER_* environment variables over the defaults.</summary>
    public static NodeOptions FromEnvironment(Func<string, string?>? environment = null) => Resolve(null, environment);

    /// <summary>
    /// Resolves every value: the command line (<paramref name="explicitValues"/>) wins over the environment, which
    /// wins over the defaults. Parse errors name the option or variable the bad value came from; the result is
    /// validated (<see cref="Validate"/>) so a node fails at start with a message that says what to fix.
    /// </summary>
    public static NodeOptions Resolve(NodeOptionInputs? explicitValues, Func<string, string?>? environment = null)
    {
        explicitValues ??= new NodeOptionInputs();
        environment ??= Environment.GetEnvironmentVariable;
        var options = new NodeOptions();

        // Picks the command-line text, else the variable's, and remembers which one for error messages.
        (string Text, string Source)? Pick(string? given, string flag, string variable) =>
            !string.IsNullOrWhiteSpace(given) ? (given.Trim(), flag)
            : environment(variable) is { } env && !string.IsNullOrWhiteSpace(env) ? (env.Trim(), variable)
            : null;

        if (Pick(explicitValues.Roles, "--roles", NodeEnvironment.Roles) is { } roles)
        {
            options = options with { Roles = ParseRoles(roles.Text, roles.Source) };
        }

        if (Pick(explicitValues.Hostname, "--hostname", NodeEnvironment.Hostname) is { } host)
        {
            options = options with { Hostname = ParseHost(host.Text, host.Source) };
        }

        if (Pick(explicitValues.Port, "--port", NodeEnvironment.Port) is { } port)
        {
            options = options with { Port = ParsePort(port.Text, port.Source) };
        }

        if (Pick(explicitValues.PublicHostname, "--public-hostname", NodeEnvironment.PublicHostname) is { } publicHost)
        {
            options = options with { PublicHostname = ParseHost(publicHost.Text, publicHost.Source) };
        }

        if (Pick(explicitValues.Seeds, "--seeds", NodeEnvironment.Seeds) is { } seeds)
        {
            options = options with { SeedNodes = ParseSeeds(seeds.Text, seeds.Source) };
        }

        if (Pick(explicitValues.SystemName, "--system-name", NodeEnvironment.SystemName) is { } system)
        {
            options = options with { SystemName = system.Text };
        }

        if (Pick(explicitValues.DataDirectory, "--data", NodeEnvironment.DataDirectory) is { } data)
        {
            options = options with { DataDirectory = data.Text };
        }

        if (Pick(explicitValues.Persistence, "--persistence", NodeEnvironment.Persistence) is { } persistence)
        {
            options = options with { Persistence = ParsePersistence(persistence.Text, persistence.Source) };
        }

        if (Pick(explicitValues.SqlitePath, "--sqlite", NodeEnvironment.SqlitePath) is { } sqlite)
        {
            options = options with { SqlitePath = sqlite.Text };
        }

        if (Pick(explicitValues.Postgres, "--postgres", NodeEnvironment.Postgres) is { } postgres)
        {
            options = options with { PostgresConnectionString = postgres.Text };
        }

        if (Pick(explicitValues.PostgresFile, "--postgres-file", NodeEnvironment.PostgresFile) is { } postgresFile)
        {
            options = options with { PostgresConnectionString = ReadSecret(postgresFile.Text, postgresFile.Source, "the PostgreSQL connection string") };
        }

        if (Pick(explicitValues.LogDirectory, "--logs", NodeEnvironment.LogDirectory) is { } logs)
        {
            options = options with { LogDirectory = logs.Text };
        }

        if (Pick(explicitValues.TlsCertificate, "--tls-certificate", NodeEnvironment.TlsCertificate) is { } tls)
        {
            if (!File.Exists(tls.Text))
            {
                throw new NodeOptionsException($"{tls.Source}: the TLS certificate '{tls.Text}' does not exist; give the path of the cluster's PKCS#12 (.pfx) file");
            }

            options = options with { TlsCertificatePath = Path.GetFullPath(tls.Text) };
        }

        if (Pick(explicitValues.TlsPassword, "--tls-password", NodeEnvironment.TlsPassword) is { } tlsPassword)
        {
            options = options with { TlsCertificatePassword = tlsPassword.Text };
        }

        if (Pick(explicitValues.TlsPasswordFile, "--tls-password-file", NodeEnvironment.TlsPasswordFile) is { } tlsPasswordFile)
        {
            options = options with { TlsCertificatePassword = ReadSecret(tlsPasswordFile.Text, tlsPasswordFile.Source, "the certificate's password") };
        }

        if (explicitValues.Insecure || environment(NodeEnvironment.Insecure) is { } insecure && ParseFlag(insecure, NodeEnvironment.Insecure))
        {
            options = options with { Insecure = true };
        }

        if (Pick(explicitValues.DashboardPort, "--dashboard-port", NodeEnvironment.DashboardPort) is { } dashboardPort)
        {
            options = options with { DashboardPort = ParsePort(dashboardPort.Text, dashboardPort.Source) };
        }

        if (Pick(explicitValues.DashboardHostname, "--dashboard-hostname", NodeEnvironment.DashboardHostname) is { } dashboardHost)
        {
            options = options with { DashboardHostname = ParseHost(dashboardHost.Text, dashboardHost.Source) };
        }

        if (Pick(explicitValues.OtlpLogs, "--otlp-logs", NodeEnvironment.OtlpLogs) is { } otlp)
        {
            options = options with { OtlpLogs = ParseOtlpEndpoint(otlp.Text, otlp.Source) };
        }

        if (Pick(explicitValues.TorchThreads, "--torch-threads", NodeEnvironment.TorchThreads) is { } threads)
        {
            options = options with { TorchThreads = ParseTorchThreads(threads.Text, threads.Source) };
        }

        if (Pick(explicitValues.ConfigDirectory, "--config", NodeEnvironment.ConfigDirectory) is { } config)
        {
            options = options with { ConfigDirectory = config.Text };
        }

        options.Validate();
        return options;
    }

    /// <summary>
    /// The first line of a secret file (a password, a connection string), without its line break: secrets given as files
    /// (or Docker/Kubernetes secrets mounted as files) stay out of `ps` and of the process environment.
    /// </summary>
    public static string ReadSecret(string path, string source, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeOptionsException($"{source}: cannot read '{path}' ({e.Message}); give a file holding {what} on its first line");
        }

        var line = text.Split('\n', 2)[0].TrimEnd('\r');
        return line.Length > 0 ? line : throw new NodeOptionsException($"{source}: '{path}' is empty; its first line must hold {what}");
    }

    /// <summary>1/true/yes or 0/false/no (any case).</summary>
    public static bool ParseFlag(string value, string source) => value.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" => true,
        "0" or "false" or "no" or "" => false,
        _ => throw new NodeOptionsException($"{source}: '{value}' is not a flag; use 1 or 0"),
    };

    /// <summary>True for addresses only this machine can reach: 127.0.0.0/8, ::1 and localhost.</summary>
    public static bool IsLoopback(string host)
    {
        var bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
               || System.Net.IPAddress.TryParse(bare, out var address) && System.Net.IPAddress.IsLoopback(address);
    }

    /// <summary>Parses a comma-separated role list; <paramref name="source"/> names the option in errors.</summary>
    public static IReadOnlySet<NodeRole> ParseRoles(string value, string source)
    {
        var roles = new HashSet<NodeRole>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            roles.Add(part.ToLowerInvariant() switch
            {
                "coordinator" => NodeRole.Coordinator,
                "generator" => NodeRole.Generator,
                "discriminator" => NodeRole.Discriminator,
                _ => throw new NodeOptionsException($"{source}: unknown role '{part}'; use one or more of coordinator, generator, discriminator, comma-separated (for example 'generator,discriminator')"),
            });
        }

        return roles.Count > 0 ? roles : throw new NodeOptionsException($"{source}: give at least one role: coordinator, generator, discriminator");
    }

    /// <summary>Parses a thread count for TorchSharp (1 to 1024).</summary>
    public static int ParseTorchThreads(string value, string source) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var threads) && threads is >= 1 and <= 1024
            ? threads
            : throw new NodeOptionsException($"{source}: '{value}' is not a thread count; use a whole number from 1 to 1024 (on a machine shared by several nodes, its cores divided among them)");

    /// <summary>Parses a TCP port (0 = any free port).</summary>
    public static int ParsePort(string value, string source) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new NodeOptionsException($"{source}: '{value}' is not a port; use a number from 0 to 65535 (0 picks a free port)");

    /// <summary>Parses an OTLP/HTTP logs endpoint: an absolute http or https URL.</summary>
    public static Uri ParseOtlpEndpoint(string value, string source) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? uri
            : throw new NodeOptionsException($"{source}: '{value}' is not an OTLP/HTTP logs endpoint; use an http(s) URL such as http://collector:4318/v1/logs (an OpenTelemetry Collector's OTLP/HTTP receiver)");

    /// <summary>Parses a comma-separated seed list into normalized entries (host:port, or a full akka.tcp address).</summary>
    public static IReadOnlyList<string> ParseSeeds(string value, string source) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => ParseSeed(s, source)).ToList();

    /// <summary>Parses the persistence back end name.</summary>
    public static PersistenceBackend ParsePersistence(string value, string source) => value.ToLowerInvariant() switch
    {
        "sqlite" => PersistenceBackend.Sqlite,
        "postgresql" or "postgres" => PersistenceBackend.PostgreSql,
        _ => throw new NodeOptionsException($"{source}: unknown persistence '{value}'; use sqlite (embedded file, the default) or postgresql (with --postgres / GANCLUSTER_POSTGRES)"),
    };

    /// <summary>
    /// Accepts host:port, [ipv6]:port or akka.tcp://system@host:port; returns host:port, or the full address
    /// without a trailing slash (its system name is checked against <see cref="SystemName"/> in <see cref="Validate"/>).
    /// </summary>
    public static string ParseSeed(string seed, string source)
    {
        var hostPort = seed;
        string? prefix = null;
        var scheme = seed.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var at = seed.IndexOf('@', scheme);
            if (!seed.StartsWith("akka.tcp://", StringComparison.Ordinal) || at < 0 || !SystemNamePattern().IsMatch(seed[(scheme + 3)..at]))
            {
                throw new NodeOptionsException($"{source}: seed '{seed}' is not an address like akka.tcp://gancluster@10.0.0.5:4053; or give host:port (for example 10.0.0.5:4053)");
            }

            prefix = seed[..(at + 1)];
            hostPort = seed[(at + 1)..].TrimEnd('/');
        }

        var colon = hostPort.LastIndexOf(':');
        var host = colon > 0 ? hostPort[..colon] : string.Empty;
        if (colon <= 0
            || !int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is <= 0 or > 65535
            || !IsHost(host))
        {
            throw new NodeOptionsException($"{source}: seed '{seed}' is not host:port with a port from 1 to 65535 (for example 10.0.0.5:4053 or coordinator:4053); separate several seeds with commas");
        }

        return prefix + hostPort;
    }

    /// <summary>Checks the combination of values; throws with the option (and variable) to fix.</summary>
    public void Validate()
    {
        if (Roles.Count == 0)
        {
            throw new NodeOptionsException($"--roles / {NodeEnvironment.Roles}: give at least one role: coordinator, generator, discriminator");
        }

        if (!IsHost(Hostname))
        {
            throw new NodeOptionsException($"--hostname / {NodeEnvironment.Hostname}: '{Hostname}' is not a host name or IP address; use 127.0.0.1 (default) or 0.0.0.0 to listen on every interface");
        }

        if (PublicHostname is not null && !IsHost(PublicHostname))
        {
            throw new NodeOptionsException($"--public-hostname / {NodeEnvironment.PublicHostname}: '{PublicHostname}' is not a host name or IP address");
        }

        if (Port is < 0 or > 65535)
        {
            throw new NodeOptionsException($"--port / {NodeEnvironment.Port}: {Port} is not a port; use a number from 0 to 65535 (0 picks a free port)");
        }

        if (DashboardPort is < 1 or > 65535)
        {
            throw new NodeOptionsException($"--dashboard-port / {NodeEnvironment.DashboardPort}: {DashboardPort} is not a port for the dashboard; use a number from 1 to 65535, for example 8080");
        }

        if (!IsHost(DashboardHostname))
        {
            throw new NodeOptionsException($"--dashboard-hostname / {NodeEnvironment.DashboardHostname}: '{DashboardHostname}' is not a host name or IP address; use 127.0.0.1 (default)");
        }

        if (DashboardPort is not null && !Insecure && !IsLoopback(DashboardHostname))
        {
            throw new NodeOptionsException(
                $"--dashboard-hostname / {NodeEnvironment.DashboardHostname}: the dashboard has no TLS and no login, so bound to {DashboardHostname} anyone who reaches its port sees every experiment. "
                + $"Keep it on 127.0.0.1 and reach it through a tunnel (ssh -L {DashboardPort}:127.0.0.1:{DashboardPort} <node>); or pass --insecure ({NodeEnvironment.Insecure}=1) on a network only you can reach");
        }

        if (!SystemNamePattern().IsMatch(SystemName))
        {
            throw new NodeOptionsException($"--system-name / {NodeEnvironment.SystemName}: '{SystemName}' is not a valid ActorSystem name; use letters, digits, '-' and '_' (default gancluster)");
        }

        if (PublicHostname is null && Hostname is "0.0.0.0" or "::" or "[::]")
        {
            throw new NodeOptionsException($"--public-hostname / {NodeEnvironment.PublicHostname}: a node bound to {Hostname} must say which address other nodes reach it at (for example its DNS name or IP)");
        }

        if (TlsCertificatePath is null && !Insecure && !IsLoopback(Hostname))
        {
            throw new NodeOptionsException(
                $"--hostname / {NodeEnvironment.Hostname}: a node bound to {Hostname} without TLS lets anyone who reaches its port submit, cancel or join as a worker. "
                + "Create the cluster's certificate once with 'gancluster cert create --out cluster.pfx', give it to every node and client with --tls-certificate "
                + $"(its password with --tls-password-file or {NodeEnvironment.TlsPassword}); or pass --insecure ({NodeEnvironment.Insecure}=1) on a network only you can reach");
        }

        foreach (var seed in SeedNodes)
        {
            var checkedSeed = ParseSeed(seed, $"--seeds / {NodeEnvironment.Seeds}");
            if (checkedSeed.Contains("://", StringComparison.Ordinal) && !checkedSeed.StartsWith($"akka.tcp://{SystemName}@", StringComparison.Ordinal))
            {
                throw new NodeOptionsException($"--seeds / {NodeEnvironment.Seeds}: seed '{seed}' names another ActorSystem than this node's '{SystemName}'; every node of a cluster uses the same system name (or give the seed as host:port)");
            }
        }

        if (SeedNodes.Count == 0 && !HasRole(NodeRole.Coordinator))
        {
            throw new NodeOptionsException($"--seeds / {NodeEnvironment.Seeds}: a node without the coordinator role must join an existing cluster; give the coordinator's host:port (for example 127.0.0.1:{DefaultCoordinatorPort})");
        }

        if (SeedNodes.Count == 0 && ResolvedPort == 0)
        {
            throw new NodeOptionsException($"--port / {NodeEnvironment.Port}: the first node of a cluster (no --seeds) needs a fixed port, which the other nodes name in their --seeds; omit --port to use {DefaultCoordinatorPort}");
        }

        if (HasRole(NodeRole.Coordinator) && Persistence == PersistenceBackend.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(PostgresConnectionString))
            {
                throw new NodeOptionsException($"--postgres / {NodeEnvironment.Postgres}: the postgresql persistence needs a connection string, for example 'Host=db;Port=5432;Username=gancluster;Password=...;Database=gancluster'");
            }

            try
            {
                _ = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
            }
            catch (ArgumentException e)
            {
                // The text itself is not echoed: it usually holds a password.
                throw new NodeOptionsException($"--postgres / {NodeEnvironment.Postgres}: not a valid PostgreSQL connection string ({e.Message}); use 'Host=...;Port=5432;Username=...;Password=...;Database=...'");
            }
        }

        if (StableAfter is { } stable && stable <= TimeSpan.Zero
            || HeartbeatInterval is { } heartbeat && heartbeat <= TimeSpan.Zero
            || AcceptableHeartbeatPause is { } pause && pause <= TimeSpan.Zero)
        {
            throw new NodeOptionsException("StableAfter, HeartbeatInterval and AcceptableHeartbeatPause must be positive when given");
        }
    }

    /// <summary>Writes a host for an akka.tcp address: IPv6 literals in brackets.</summary>
    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private static string ParseHost(string value, string source) =>
        IsHost(value) ? value : throw new NodeOptionsException($"{source}: '{value}' is not a host name or IP address");

    private static bool IsHost(string host) =>
        host.Length > 0 && (HostPattern().IsMatch(host) || host.StartsWith('[') && host.EndsWith(']') || System.Net.IPAddress.TryParse(host, out _));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex SystemNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9_])?$")]
    private static partial Regex HostPattern();
}
