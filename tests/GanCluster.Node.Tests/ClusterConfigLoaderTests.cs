using Akka.Configuration;
using GanCluster.TestSupport;

namespace GanCluster.Node.Tests;

public sealed class ClusterConfigLoaderTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("config");

    private static string ConfigDirectory => ClusterConfigLoader.LocateConfigDirectory(null, _ => null);

    public void Dispose() => _temp.Dispose();

    private NodeOptions Coordinator(int port = 4053) => new()
    {
        Roles = new HashSet<NodeRole> { NodeRole.Coordinator },
        Port = port,
        DataDirectory = _temp.Combine("data"),
    };

    private Config Load(NodeOptions options, bool includeSerialization = false) => ClusterConfigLoader.Load(options, ConfigDirectory, includeSerialization);

    [Fact]
    public void The_config_folder_is_copied_next_to_every_referencing_assembly()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "cluster-config"), ConfigDirectory);
        foreach (var file in new[] { "base.conf", "serialization.conf", "role-coordinator.conf", "role-generator.conf", "role-discriminator.conf", "persistence-sqlite.conf", "persistence-postgresql.conf" })
        {
            Assert.True(File.Exists(Path.Combine(ConfigDirectory, file)), file);
        }
    }

    [Fact]
    public void GANCLUSTER_CONFIG_and_an_explicit_path_win_over_the_copy_next_to_the_executable()
    {
        File.Copy(Path.Combine(ConfigDirectory, "base.conf"), _temp.Combine("base.conf"));

        Assert.Equal(_temp.Path, ClusterConfigLoader.LocateConfigDirectory(null, k => k == NodeEnvironment.ConfigDirectory ? _temp.Path : null));
        Assert.Equal(_temp.Path, ClusterConfigLoader.LocateConfigDirectory(_temp.Path, _ => "/nonexistent"));
    }

    [Fact]
    public void A_named_config_folder_without_base_conf_is_an_error_not_a_silent_fallback()
    {
        var e = Assert.Throws<NodeOptionsException>(() => ClusterConfigLoader.LocateConfigDirectory(null, k => k == NodeEnvironment.ConfigDirectory ? _temp.Path : null));

        Assert.StartsWith($"GANCLUSTER_CONFIG: '{_temp.Path}' has no base.conf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Base_settings_bind_loopback_with_4_MiB_frames_and_route_logs_to_Serilog()
    {
        var config = Load(Coordinator());

        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4194304, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal(4194304, config.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size"));
        Assert.Equal(4194304, config.GetByteSize("akka.remote.dot-netty.tcp.receive-buffer-size"));
        Assert.Equal(["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"], config.GetStringList("akka.loggers"));
        Assert.Equal("INFO", config.GetString("akka.loglevel"));
    }

    [Fact]
    public void Split_brain_resolver_keeps_the_majority_after_20_seconds_unless_tuned()
    {
        var defaults = Load(Coordinator());
        var tuned = Load(Coordinator() with { StableAfter = TimeSpan.FromSeconds(2), HeartbeatInterval = TimeSpan.FromMilliseconds(200), AcceptableHeartbeatPause = TimeSpan.FromSeconds(1) });

        Assert.Equal("Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster", defaults.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", defaults.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(20), defaults.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromSeconds(6), defaults.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(TimeSpan.FromSeconds(2), tuned.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), tuned.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromSeconds(1), tuned.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
    }

    [Fact]
    public void A_coordinator_hosts_the_singleton_and_the_receptionist_and_seeds_itself()
    {
        var config = Load(Coordinator(4100));

        Assert.Equal(["coordinator"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(4100, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://gancluster@127.0.0.1:4100"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("coordinator", config.GetString("akka.cluster.singleton.singleton-name"));
        Assert.Equal("coordinator", config.GetString("akka.cluster.singleton.role"));
        Assert.Equal("coordinator", config.GetString("akka.cluster.singleton-proxy.singleton-name"));
        Assert.Equal("coordinator", config.GetString("akka.cluster.client.receptionist.role"));
        Assert.Contains("Akka.Cluster.Tools.Client.ClusterClientReceptionistExtensionProvider, Akka.Cluster.Tools", config.GetStringList("akka.extensions"));
        // Defaults of the plugins underneath: a key no cluster-config file sets.
        Assert.Equal(TimeSpan.FromSeconds(1), config.GetTimeSpan("akka.cluster.singleton.hand-over-retry-interval"));
        Assert.True(config.HasPath("akka.cluster.client.receptionist.response-tunnel-receive-timeout"));
    }

    [Fact]
    public void Workers_get_their_roles_and_seeds_but_no_receptionist_and_no_journal()
    {
        var config = Load(new NodeOptions
        {
            Roles = new HashSet<NodeRole> { NodeRole.Generator, NodeRole.Discriminator },
            SeedNodes = ["10.0.0.5:4053", "akka.tcp://gancluster@10.0.0.6:4053"],
            Hostname = "0.0.0.0",
            PublicHostname = "worker-1",
            Insecure = true,
        });

        Assert.Equal(["generator", "discriminator"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("worker-1", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(["akka.tcp://gancluster@10.0.0.5:4053", "akka.tcp://gancluster@10.0.0.6:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.DoesNotContain(config.GetStringList("akka.extensions") ?? [], e => e.Contains("Receptionist", StringComparison.Ordinal));
        Assert.False(config.HasPath("gancluster.persistence"));
        Assert.True(string.IsNullOrEmpty(config.GetString("akka.persistence.journal.plugin")));
    }

    [Fact]
    public void Sqlite_persistence_points_journal_and_snapshots_at_the_resolved_path_and_creates_its_folder()
    {
        var options = Coordinator() with { SqlitePath = _temp.Combine("nested", "dir", "journal.db") };

        var config = Load(options);

        var expected = $"Data Source={_temp.Combine("nested", "dir", "journal.db")};Default Timeout=60";
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        Assert.Equal(expected, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(expected, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.True(Directory.Exists(_temp.Combine("nested", "dir")));
        // Akka.Persistence.Sql's own defaults sit underneath (table mapping and the plugin class).
        Assert.False(string.IsNullOrEmpty(config.GetString("akka.persistence.journal.sql.class")));
    }

    [Fact]
    public void Postgresql_persistence_carries_the_connection_string_verbatim()
    {
        // Quotes, backslashes and semicolons must survive the trip through HOCON.
        const string connection = "Host=db;Port=5432;Username=gan;Password='p\"a\\ss;w';Database=gancluster";
        var config = Load(Coordinator() with { Persistence = PersistenceBackend.PostgreSql, PostgresConnectionString = connection });

        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        Assert.Equal(connection, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(connection, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
    }

    [Fact]
    public void The_serializer_binding_is_included_only_when_asked()
    {
        var without = Load(Coordinator());
        var with = Load(Coordinator(), includeSerialization: true);

        Assert.False(without.HasPath("akka.actor.serializers.gancluster"));
        Assert.Equal("GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol", with.GetString("akka.actor.serializers.gancluster"));
        Assert.Equal("gancluster", with.GetConfig("akka.actor.serialization-bindings").GetString("\"GanCluster.Protocol.IGanClusterMessage, GanCluster.Protocol\""));
        Assert.Equal(4711, with.GetConfig("akka.actor.serialization-identifiers").GetInt("\"GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol\""));
    }

    [Fact]
    public void Extra_hocon_overrides_everything_else()
    {
        var config = Load(Coordinator() with { ExtraHocon = "akka.loglevel = DEBUG\nakka.remote.dot-netty.tcp.maximum-frame-size = 1048576b" });

        Assert.Equal("DEBUG", config.GetString("akka.loglevel"));
        Assert.Equal(1048576, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
    }

    [Fact]
    public void Options_are_validated_before_loading()
    {
        var e = Assert.Throws<NodeOptionsException>(() => Load(new NodeOptions { Roles = new HashSet<NodeRole> { NodeRole.Generator } }));

        Assert.Contains("GANCLUSTER_SEEDS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_broken_file_is_named_in_the_error()
    {
        foreach (var file in Directory.GetFiles(ConfigDirectory, "*.conf"))
        {
            File.Copy(file, _temp.Combine(Path.GetFileName(file)));
        }

        File.Delete(_temp.Combine("role-generator.conf"));
        // Akka's HOCON parser forgives unbalanced braces, but not a substitution that names nothing.
        File.WriteAllText(_temp.Combine("role-discriminator.conf"), "akka.cluster.min-nr-of-members = ${gancluster.no-such-key}");
        var workerOptions = new NodeOptions { Roles = new HashSet<NodeRole> { NodeRole.Generator }, SeedNodes = ["127.0.0.1:4053"] };
        var discriminatorOptions = workerOptions with { Roles = new HashSet<NodeRole> { NodeRole.Discriminator } };

        var missing = Assert.Throws<NodeOptionsException>(() => ClusterConfigLoader.Load(workerOptions, _temp.Path, false));
        var broken = Assert.Throws<NodeOptionsException>(() => ClusterConfigLoader.Load(discriminatorOptions, _temp.Path, false));

        Assert.Contains(_temp.Combine("role-generator.conf") + " is missing", missing.Message, StringComparison.Ordinal);
        Assert.Contains(_temp.Combine("role-discriminator.conf") + " is not valid HOCON", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clients_share_frame_size_and_serializers_with_the_nodes()
    {
        var shared = ClusterConfigLoader.LoadShared(ConfigDirectory, includeSerialization: true);

        Assert.Equal(4194304, shared.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal("GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol", shared.GetString("akka.actor.serializers.gancluster"));
    }
}
