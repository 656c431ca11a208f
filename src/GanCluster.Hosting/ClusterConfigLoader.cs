using Akka.Configuration;
using Akka.Persistence.Sql;

namespace GanCluster.Hosting;

/// <summary>
/// Builds a node's HOCON: <c>base.conf</c>, one <c>role-*.conf</c> per role, one <c>persistence-*.conf</c>
/// for coordinator nodes, then the node's own values (host, port, seeds, roles, connection strings) on
/// top, and the plugins' defaults underneath.
/// </summary>
public static class ClusterConfigLoader
{
    /// <summary>
    /// The cluster-config folder: GANCLUSTER_CONFIG, else the copy next to the executable (every project
    /// that references GanCluster.Hosting gets one), else ./cluster-config.
    /// </summary>
    public static string LocateConfigDirectory(string? explicitPath = null)
    {
        foreach (var candidate in new[] { explicitPath, Environment.GetEnvironmentVariable("GANCLUSTER_CONFIG"), Path.Combine(AppContext.BaseDirectory, "cluster-config"), "cluster-config" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(Path.Combine(candidate, "base.conf")))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new NodeOptionsException("--config / GANCLUSTER_CONFIG: no cluster-config folder with base.conf found next to the executable or in the current folder");
    }

    public static Config Load(NodeOptions options, string configDirectory, bool includeSerialization = true)
    {
        options.Validate();
        var config = ConfigurationFactory.ParseString(Overrides(options));
        if (options.HasRole(NodeRole.Coordinator))
        {
            var file = options.Persistence == PersistenceBackend.Sqlite ? "persistence-sqlite.conf" : "persistence-postgresql.conf";
            config = config.WithFallback(ReadFile(configDirectory, file));
        }

        foreach (var role in options.Roles.Order())
        {
            config = config.WithFallback(ReadFile(configDirectory, $"role-{role.ToString().ToLowerInvariant()}.conf"));
        }

        config = config.WithFallback(ReadFile(configDirectory, "base.conf"));
        if (includeSerialization)
        {
            config = config.WithFallback(ConfigurationFactory.ParseString(GanCluster.Protocol.Serialization.GanClusterSerializer.HoconText));
        }

        return config.WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>The shared settings alone (base.conf and serializers), for clients.</summary>
    public static Config LoadShared(string configDirectory) =>
        ReadFile(configDirectory, "base.conf").WithFallback(ConfigurationFactory.ParseString(GanCluster.Protocol.Serialization.GanClusterSerializer.HoconText));

    private static Config ReadFile(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            throw new NodeOptionsException($"--config / GANCLUSTER_CONFIG: {path} is missing; the cluster-config folder needs base.conf, role-*.conf and persistence-*.conf");
        }

        return ConfigurationFactory.ParseString(File.ReadAllText(path));
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Overrides(NodeOptions options)
    {
        var publicHost = options.PublicHostname ?? options.Hostname;
        var seeds = options.SeedNodes.Count > 0 ? options.SeedNodes : [$"{publicHost}:{options.Port}"];
        var lines = new List<string>
        {
            $"akka.remote.dot-netty.tcp.hostname = {Quote(options.Hostname)}",
            $"akka.remote.dot-netty.tcp.port = {options.Port}",
            $"akka.cluster.roles = [{string.Join(", ", options.Roles.Order().Select(r => Quote(r.ToString().ToLowerInvariant())))}]",
            $"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(s => Quote($"akka.tcp://{options.SystemName}@{s}")))}]",
        };
        if (options.PublicHostname is not null)
        {
            lines.Add($"akka.remote.dot-netty.tcp.public-hostname = {Quote(options.PublicHostname)}");
        }

        if (options.HasRole(NodeRole.Coordinator))
        {
            var connection = options.Persistence == PersistenceBackend.Sqlite
                ? $"Data Source={options.ResolvedSqlitePath}"
                : options.PostgresConnectionString!;
            lines.Add($"akka.persistence.journal.sql.connection-string = {Quote(connection)}");
            lines.Add($"akka.persistence.snapshot-store.sql.connection-string = {Quote(connection)}");
        }

        if (options.ExtraHocon is not null)
        {
            lines.Add(options.ExtraHocon);
        }

        // Later HOCON lines win: the extra HOCON (tests, tuning) comes last.
        return string.Join("\n", lines);
    }
}
