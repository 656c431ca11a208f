using System.Globalization;
using System.Text;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace GanCluster.Node;

/// <summary>
/// Builds a node's Akka configuration from the cluster-config folder and <see cref="NodeOptions"/>, lowest priority
/// first: <c>base.conf</c>, <c>serialization.conf</c> (only when asked), one <c>role-*.conf</c> per role,
/// <c>persistence-sqlite.conf</c> or <c>persistence-postgresql.conf</c> (coordinator nodes), then the node's own values
/// (host, port, seeds, roles, connection strings, failure-detection tuning, <see cref="NodeOptions.ExtraHocon"/>).
/// The plugins' defaults (Akka.Persistence.Sql, cluster singleton manager and proxy, cluster client receptionist) sit underneath all of it.
/// </summary>
public static class ClusterConfigLoader
{
    /// <summary>The folder name of the HOCON files, in the repository and next to every executable.</summary>
    public const string FolderName = "cluster-config";

    /// <summary>
    /// The cluster-config folder: <paramref name="explicitPath"/> (--config), else GANCLUSTER_CONFIG, else the copy
    /// next to the executable (every project that references GanCluster.Node gets one), else ./cluster-config.
    /// </summary>
    public static string LocateConfigDirectory(string? explicitPath = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var candidates = new (string? Path, string Source)[]
        {
            (explicitPath, "--config"),
            (environment(NodeEnvironment.ConfigDirectory), NodeEnvironment.ConfigDirectory),
            (Path.Combine(AppContext.BaseDirectory, FolderName), "the executable's folder"),
            (FolderName, "the current folder"),
        };
        foreach (var (path, source) in candidates)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                continue;
            }

            if (File.Exists(Path.Combine(path, "base.conf")))
            {
                return Path.GetFullPath(path);
            }

            // A folder named explicitly but unusable is an error, not a reason to fall back silently to another one.
            if (source is "--config" or NodeEnvironment.ConfigDirectory)
            {
                throw new NodeOptionsException($"{source}: '{path}' has no base.conf; point it at a cluster-config folder (base.conf, role-*.conf, persistence-*.conf)");
            }
        }

        throw new NodeOptionsException($"--config / {NodeEnvironment.ConfigDirectory}: no {FolderName} folder with base.conf next to the executable ({AppContext.BaseDirectory}) or in the current folder; give its path");
    }

    /// <summary>The node's configuration, with the cluster-config folder located from <see cref="NodeOptions.ConfigDirectory"/>.</summary>
    public static Config Load(NodeOptions options, bool includeSerialization) =>
        Load(options, LocateConfigDirectory(options.ConfigDirectory), includeSerialization);

    /// <summary>
    /// The node's configuration. <paramref name="includeSerialization"/> adds <c>serialization.conf</c>, which binds
    /// GanCluster messages to GanCluster.Protocol's serializer: pass true in every process that has that assembly
    /// (nodes, the CLI), false where it is absent (hosting tests). Validates <paramref name="options"/> first. For a
    /// coordinator on SQLite it creates the database's folder, which SQLite will not do.
    /// </summary>
    public static Config Load(NodeOptions options, string configDirectory, bool includeSerialization)
    {
        options.Validate();
        var files = new List<string> { "base.conf" };
        if (includeSerialization)
        {
            files.Add("serialization.conf");
        }

        files.AddRange(options.Roles.Order().Select(r => $"role-{NodeOptions.RoleName(r)}.conf"));
        if (options.HasRole(NodeRole.Coordinator))
        {
            // Only the coordinator singleton persists; workers never start the journal, so they need no database.
            files.Add(options.Persistence == PersistenceBackend.Sqlite ? "persistence-sqlite.conf" : "persistence-postgresql.conf");
            if (options.Persistence == PersistenceBackend.Sqlite)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(options.ResolvedSqlitePath)!);
            }
        }

        return Compose(configDirectory, files, Overrides(options));
    }

    /// <summary>
    /// The settings every client of the cluster shares with the nodes (base.conf, and serialization.conf when asked):
    /// frame size and serializers must match or the nodes drop the client's messages.
    /// </summary>
    public static Config LoadShared(string configDirectory, bool includeSerialization) =>
        Compose(configDirectory, includeSerialization ? ["base.conf", "serialization.conf"] : ["base.conf"], string.Empty);

    /// <summary>Quotes a value as a HOCON string.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Concatenates the files and the overrides into one HOCON document, so that later entries override earlier
    /// ones and substitutions (such as the SQLite path inside its connection string) resolve against the final
    /// values; each file is parsed alone first so that a syntax error names its file.
    /// </summary>
    private static Config Compose(string configDirectory, IEnumerable<string> files, string overrides)
    {
        var document = new StringBuilder();
        foreach (var file in files)
        {
            var path = Path.Combine(configDirectory, file);
            if (!File.Exists(path))
            {
                throw new NodeOptionsException($"--config / {NodeEnvironment.ConfigDirectory}: {path} is missing; the cluster-config folder needs base.conf, serialization.conf, role-*.conf and persistence-*.conf");
            }

            var text = File.ReadAllText(path);
            try
            {
                ConfigurationFactory.ParseString(text);
            }
            catch (Exception e)
            {
                // Akka's HOCON parser throws several exception types; all of them mean a broken file.
                throw new NodeOptionsException($"--config / {NodeEnvironment.ConfigDirectory}: {path} is not valid HOCON: {e.Message}");
            }

            document.Append("# ---- ").Append(file).Append('\n').Append(text).Append('\n');
        }

        document.Append("# ---- node options\n").Append(overrides).Append('\n');
        return ConfigurationFactory.ParseString(document.ToString())
            .WithFallback(SqlPersistence.DefaultConfiguration)
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterClientReceptionist.DefaultConfig());
    }

    private static string Duration(TimeSpan value) => $"{value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms";

    private static string Overrides(NodeOptions options)
    {
        var lines = new List<string>
        {
            $"akka.remote.dot-netty.tcp.hostname = {Quote(options.Hostname)}",
            $"akka.remote.dot-netty.tcp.port = {options.ResolvedPort.ToString(CultureInfo.InvariantCulture)}",
            $"akka.cluster.roles = [{string.Join(", ", options.Roles.Order().Select(r => Quote(NodeOptions.RoleName(r))))}]",
            $"akka.cluster.seed-nodes = [{string.Join(", ", options.SeedAddresses.Select(Quote))}]",
        };
        if (options.PublicHostname is not null)
        {
            lines.Add($"akka.remote.dot-netty.tcp.public-hostname = {Quote(options.PublicHostname)}");
        }

        if (options.StableAfter is { } stableAfter)
        {
            lines.Add($"akka.cluster.split-brain-resolver.stable-after = {Duration(stableAfter)}");
        }

        if (options.HeartbeatInterval is { } heartbeat)
        {
            lines.Add($"akka.cluster.failure-detector.heartbeat-interval = {Duration(heartbeat)}");
        }

        if (options.AcceptableHeartbeatPause is { } pause)
        {
            lines.Add($"akka.cluster.failure-detector.acceptable-heartbeat-pause = {Duration(pause)}");
        }

        if (options.HasRole(NodeRole.Coordinator))
        {
            lines.Add(options.Persistence == PersistenceBackend.Sqlite
                ? $"gancluster.persistence.sqlite.path = {Quote(options.ResolvedSqlitePath)}"
                : $"gancluster.persistence.postgresql.connection-string = {Quote(options.PostgresConnectionString!)}");
        }

        if (!string.IsNullOrWhiteSpace(options.ExtraHocon))
        {
            lines.Add(options.ExtraHocon);
        }

        return string.Join("\n", lines);
    }
}
