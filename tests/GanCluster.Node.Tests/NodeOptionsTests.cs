namespace GanCluster.Node.Tests;

public sealed class NodeOptionsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    [Fact]
    public void Defaults_make_a_single_process_cluster_on_loopback_with_the_coordinator_port()
    {
        var options = NodeOptions.Resolve(null, Env());

        Assert.Equal([NodeRole.Coordinator, NodeRole.Generator, NodeRole.Discriminator], options.Roles.Order());
        Assert.Equal("127.0.0.1", options.Hostname);
        Assert.Null(options.Port);
        Assert.Equal(NodeOptions.DefaultCoordinatorPort, options.ResolvedPort);
        Assert.Equal("gancluster", options.SystemName);
        Assert.Equal(PersistenceBackend.Sqlite, options.Persistence);
        Assert.Equal(Path.GetFullPath("gancluster-data/coordinator.db"), options.ResolvedSqlitePath);
        Assert.Equal(Path.GetFullPath("gancluster-data/checkpoints.db"), options.ResolvedCheckpointSqlitePath);
        Assert.Equal(Path.GetFullPath("gancluster-data/logs"), options.ResolvedLogDirectory);
        Assert.Equal(["akka.tcp://gancluster@127.0.0.1:4053"], options.SeedAddresses);
    }

    [Fact]
    public void Torch_threads_default_to_libtorch_and_the_command_line_beats_the_environment()
    {
        Assert.Null(NodeOptions.Resolve(null, Env()).TorchThreads);
        Assert.Equal(2, NodeOptions.Resolve(null, Env((NodeEnvironment.TorchThreads, "2"))).TorchThreads);
        Assert.Equal(1, NodeOptions.Resolve(new NodeOptionInputs { TorchThreads = "1" }, Env((NodeEnvironment.TorchThreads, "2"))).TorchThreads);
    }

    [Fact]
    public void Log_shipping_is_off_by_default_and_takes_an_http_endpoint_from_the_flag_or_the_environment()
    {
        Assert.Null(NodeOptions.Resolve(null, Env()).OtlpLogs);
        Assert.Equal(new Uri("http://collector:4318/v1/logs"), NodeOptions.Resolve(null, Env((NodeEnvironment.OtlpLogs, "http://collector:4318/v1/logs"))).OtlpLogs);
        Assert.Equal(new Uri("https://logs.example.org/v1/logs"),
            NodeOptions.Resolve(new NodeOptionInputs { OtlpLogs = "https://logs.example.org/v1/logs" }, Env((NodeEnvironment.OtlpLogs, "http://collector:4318/v1/logs"))).OtlpLogs);
    }

    [Theory]
    [InlineData("collector:4318")]
    [InlineData("grpc://collector:4317")]
    [InlineData("/v1/logs")]
    public void A_bad_log_shipping_endpoint_names_its_source_and_an_example(string value)
    {
        var fromFlag = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { OtlpLogs = value }, Env()));
        Assert.StartsWith("--otlp-logs:", fromFlag.Message, StringComparison.Ordinal);
        Assert.Contains("http://collector:4318/v1/logs", fromFlag.Message, StringComparison.Ordinal);

        var fromEnv = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(null, Env((NodeEnvironment.OtlpLogs, value))));
        Assert.StartsWith(NodeEnvironment.OtlpLogs + ":", fromEnv.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("two")]
    public void A_bad_torch_thread_count_names_its_source_and_the_fix(string value)
    {
        var fromFlag = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { TorchThreads = value }, Env()));
        Assert.StartsWith("--torch-threads:", fromFlag.Message, StringComparison.Ordinal);
        Assert.Contains("from 1 to 1024", fromFlag.Message, StringComparison.Ordinal);

        var fromEnv = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(null, Env((NodeEnvironment.TorchThreads, value))));
        Assert.StartsWith(NodeEnvironment.TorchThreads + ":", fromEnv.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Worker_nodes_default_to_a_free_port()
    {
        var options = NodeOptions.Resolve(new NodeOptionInputs { Roles = "generator", Seeds = "127.0.0.1:4053" }, Env());

        Assert.Equal(0, options.ResolvedPort);
        Assert.StartsWith("generator-pid", options.NodeName, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_value_is_read_from_its_environment_variable()
    {
        var options = NodeOptions.Resolve(null, Env(
            (NodeEnvironment.Roles, "coordinator"),
            (NodeEnvironment.Hostname, "0.0.0.0"),
            (NodeEnvironment.Port, "4100"),
            (NodeEnvironment.PublicHostname, "coordinator"),
            (NodeEnvironment.Seeds, "coordinator:4100, akka.tcp://gancluster@other:4101/"),
            (NodeEnvironment.SystemName, "gancluster"),
            (NodeEnvironment.DataDirectory, "/srv/gan"),
            (NodeEnvironment.Persistence, "postgresql"),
            (NodeEnvironment.Postgres, "Host=db;Username=u;Password=p;Database=d"),
            (NodeEnvironment.LogDirectory, "/var/log/gan"),
            (NodeEnvironment.ConfigDirectory, "/etc/gancluster"),
            (NodeEnvironment.Insecure, "1")));

        Assert.Equal([NodeRole.Coordinator], options.Roles);
        Assert.True(options.Insecure);
        Assert.Equal("0.0.0.0", options.Hostname);
        Assert.Equal(4100, options.ResolvedPort);
        Assert.Equal("coordinator", options.PublicHostname);
        Assert.Equal(["coordinator:4100", "akka.tcp://gancluster@other:4101"], options.SeedNodes);
        Assert.Equal(["akka.tcp://gancluster@coordinator:4100", "akka.tcp://gancluster@other:4101"], options.SeedAddresses);
        Assert.Equal("/srv/gan/coordinator.db", options.ResolvedSqlitePath);
        Assert.Equal(PersistenceBackend.PostgreSql, options.Persistence);
        Assert.Equal("Host=db;Username=u;Password=p;Database=d", options.PostgresConnectionString);
        Assert.Equal("/var/log/gan", options.ResolvedLogDirectory);
        Assert.Equal("/etc/gancluster", options.ConfigDirectory);
        Assert.Equal("coordinator-4100", options.NodeName);
    }

    [Fact]
    public void Command_line_values_override_environment_variables()
    {
        var options = NodeOptions.Resolve(
            new NodeOptionInputs { Roles = "generator,discriminator", Port = "5000", Seeds = "10.0.0.5:4053", DataDirectory = "/data/cli", Insecure = true },
            Env((NodeEnvironment.Roles, "coordinator"), (NodeEnvironment.Port, "4100"), (NodeEnvironment.Seeds, "env:1"), (NodeEnvironment.DataDirectory, "/data/env"), (NodeEnvironment.Hostname, "10.0.0.7")));

        Assert.Equal([NodeRole.Generator, NodeRole.Discriminator], options.Roles.Order());
        Assert.Equal(5000, options.ResolvedPort);
        Assert.Equal(["10.0.0.5:4053"], options.SeedNodes);
        Assert.Equal("/data/cli", options.DataDirectory);
        // Values the command line leaves out still come from the environment.
        Assert.Equal("10.0.0.7", options.Hostname);
    }

    [Fact]
    public void An_empty_environment_variable_counts_as_unset()
    {
        var options = NodeOptions.Resolve(null, Env((NodeEnvironment.Port, "  "), (NodeEnvironment.Roles, "")));

        Assert.Equal(NodeOptions.DefaultCoordinatorPort, options.ResolvedPort);
        Assert.Equal(3, options.Roles.Count);
    }

    [Theory]
    [InlineData("coordinator,trainer", "GANCLUSTER_ROLES: unknown role 'trainer'")]
    [InlineData(",", "GANCLUSTER_ROLES: give at least one role")]
    public void Unknown_roles_are_rejected_naming_the_variable(string roles, string expected)
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(null, Env((NodeEnvironment.Roles, roles))));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("coordinator, generator, discriminator", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("-1")]
    [InlineData("http")]
    public void Bad_ports_are_rejected_naming_the_option_they_came_from(string port)
    {
        var fromCli = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Port = port }, Env()));
        var fromEnv = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(null, Env((NodeEnvironment.Port, port))));

        Assert.StartsWith($"--port: '{port}' is not a port", fromCli.Message, StringComparison.Ordinal);
        Assert.StartsWith($"GANCLUSTER_PORT: '{port}' is not a port", fromEnv.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("coordinator")]
    [InlineData("coordinator:")]
    [InlineData("coordinator:0")]
    [InlineData(":4053")]
    [InlineData("coordinator:99999")]
    [InlineData("bad host:4053")]
    [InlineData("akka.tcp://coordinator:4053")]
    [InlineData("http://gancluster@coordinator:4053")]
    public void Malformed_seeds_are_rejected_with_an_example(string seed)
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Seeds = $"127.0.0.1:4053,{seed}" }, Env()));

        Assert.StartsWith("--seeds: seed", e.Message, StringComparison.Ordinal);
        Assert.Contains("4053", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seeds_accept_ipv6_literals_and_full_addresses()
    {
        var options = NodeOptions.Resolve(new NodeOptionInputs { Seeds = "[::1]:4053,akka.tcp://gancluster@10.0.0.5:4053" }, Env());

        Assert.Equal(["akka.tcp://gancluster@[::1]:4053", "akka.tcp://gancluster@10.0.0.5:4053"], options.SeedAddresses);
    }

    [Fact]
    public void A_seed_of_another_actor_system_is_rejected()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Seeds = "akka.tcp://other@10.0.0.5:4053" }, Env()));

        Assert.Contains("another ActorSystem", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_persistence_is_rejected()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(null, Env((NodeEnvironment.Persistence, "mysql"))));

        Assert.StartsWith("GANCLUSTER_PERSISTENCE: unknown persistence 'mysql'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgresql_persistence_on_a_coordinator_needs_a_valid_connection_string()
    {
        var missing = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Persistence = "postgresql" }, Env()));
        var malformed = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Persistence = "postgresql", Postgres = "Hots=db;Password=secret" }, Env()));

        Assert.StartsWith("--postgres / GANCLUSTER_POSTGRES: the postgresql persistence needs a connection string", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("--postgres / GANCLUSTER_POSTGRES: not a valid PostgreSQL connection string", malformed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Workers_without_seeds_are_told_to_name_the_coordinator()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Roles = "generator" }, Env()));

        Assert.StartsWith("--seeds / GANCLUSTER_SEEDS: a node without the coordinator role", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_node_needs_a_fixed_port()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Port = "0" }, Env()));

        Assert.StartsWith("--port / GANCLUSTER_PORT: the first node of a cluster", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binding_every_interface_needs_a_public_hostname()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Hostname = "0.0.0.0" }, Env()));

        Assert.StartsWith("--public-hostname / GANCLUSTER_PUBLIC_HOSTNAME", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.7", null)]
    [InlineData("0.0.0.0", "worker-1")]
    [InlineData("gpu-box-3", null)]
    public void A_node_bound_beyond_loopback_without_tls_is_refused_and_told_how_to_secure_it(string host, string? publicHost)
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { Hostname = host, PublicHostname = publicHost }, Env()));

        Assert.StartsWith("--hostname / GANCLUSTER_HOSTNAME", e.Message, StringComparison.Ordinal);
        Assert.Contains("gancluster cert create", e.Message);
        Assert.Contains("--tls-certificate", e.Message);
        Assert.Contains("--insecure", e.Message);

        // Given explicitly, on the command line or in the environment, the same node starts.
        Assert.True(NodeOptions.Resolve(new NodeOptionInputs { Hostname = host, PublicHostname = publicHost, Insecure = true }, Env()).Insecure);
        Assert.True(NodeOptions.Resolve(new NodeOptionInputs { Hostname = host, PublicHostname = publicHost }, Env((NodeEnvironment.Insecure, "true"))).Insecure);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("::1")]
    [InlineData("localhost")]
    public void Loopback_addresses_need_no_tls(string host)
    {
        var options = NodeOptions.Resolve(new NodeOptionInputs { Hostname = host }, Env());

        Assert.False(options.Insecure);
    }

    [Fact]
    public void With_the_cluster_certificate_a_node_may_bind_every_interface()
    {
        using var temp = TempDirectory.Create("tls-options");
        var certificate = temp.Combine("cluster.pfx");
        ClusterCertificate.Create(certificate, "secret");

        var options = NodeOptions.Resolve(new NodeOptionInputs { Hostname = "0.0.0.0", PublicHostname = "worker-1", TlsCertificate = certificate, TlsPassword = "secret" }, Env());

        Assert.Equal(certificate, options.TlsCertificatePath);
        Assert.Equal("akka.ssl.tcp", options.Protocol);
    }

    [Fact]
    public void Secrets_are_read_from_files_named_on_the_command_line_or_in_the_environment()
    {
        using var temp = TempDirectory.Create("secrets");
        File.WriteAllText(temp.Combine("pg"), "Host=db;Username=u;Password=from-file;Database=d\n");
        File.WriteAllText(temp.Combine("tls"), "tls-from-file\r\nignored second line\n");

        var options = NodeOptions.Resolve(
            new NodeOptionInputs { Roles = "coordinator", Persistence = "postgresql", PostgresFile = temp.Combine("pg") },
            Env((NodeEnvironment.TlsPasswordFile, temp.Combine("tls"))));

        Assert.Equal("Host=db;Username=u;Password=from-file;Database=d", options.PostgresConnectionString);
        Assert.Equal("tls-from-file", options.TlsCertificatePassword);
    }

    [Fact]
    public void A_missing_secret_file_names_the_option_and_what_the_file_must_hold()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { PostgresFile = "/no/such/file" }, Env()));

        Assert.StartsWith("--postgres-file: cannot read '/no/such/file'", e.Message, StringComparison.Ordinal);
        Assert.Contains("connection string", e.Message);
        Assert.DoesNotContain("Password=", e.Message);
    }

    [Fact]
    public void Invalid_system_names_are_rejected()
    {
        var e = Assert.Throws<NodeOptionsException>(() => NodeOptions.Resolve(new NodeOptionInputs { SystemName = "gan cluster" }, Env()));

        Assert.StartsWith("--system-name / GANCLUSTER_SYSTEM_NAME", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failure_detection_tuning_must_be_positive()
    {
        var options = new NodeOptions { StableAfter = TimeSpan.Zero };

        Assert.Throws<NodeOptionsException>(options.Validate);
    }
}
