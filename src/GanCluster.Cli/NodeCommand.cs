using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Actor;
using GanCluster.Node;
using GanCluster.Node.Dashboard;
using GanCluster.Training.Runtime;
using Serilog;

namespace GanCluster.Cli;

/// <summary><c>gancluster node --roles ...</c>: runs a cluster node until Ctrl-C or SIGTERM.</summary>
internal static class NodeCommand
{
    /// <summary>The defaults the help shows: those of <see cref="NodeOptions"/>, so the two cannot drift apart.</summary>
    private static readonly NodeOptions Defaults = new();

    public static Command Create()
    {
        // The options have no DefaultValueFactory: a default value would hide the GANCLUSTER_* variable. Each
        // description states its default instead.
        var roles = new Option<string?>("--roles") { Description = "Comma-separated roles: coordinator, generator, discriminator (env GANCLUSTER_ROLES; default: all three, a one-process cluster)." };
        var hostname = new Option<string?>("--hostname") { Description = $"Address to bind (env GANCLUSTER_HOSTNAME; default: {Defaults.Hostname})." };
        var port = new Option<int?>("--port") { Description = $"Port to bind (env GANCLUSTER_PORT; 0 = any free port; default: {NodeOptions.DefaultCoordinatorPort} with the coordinator role, else 0)." };
        var publicHostname = new Option<string?>("--public-hostname") { Description = "Address other machines use to reach this node (env GANCLUSTER_PUBLIC_HOSTNAME; default: the --hostname)." };
        var seeds = new Option<string?>("--seeds") { Description = "Seed nodes host:port, comma-separated (env GANCLUSTER_SEEDS; default: none, this node starts a new cluster, which only a coordinator may)." };
        var data = new Option<string?>("--data") { Description = $"Data folder for the database and logs (env GANCLUSTER_DATA; default: {Defaults.DataDirectory} in the current folder)." };
        var persistence = new Option<string?>("--persistence") { Description = $"sqlite or postgresql (env GANCLUSTER_PERSISTENCE; default: {Defaults.Persistence.ToString().ToLowerInvariant()})." };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (env GANCLUSTER_POSTGRES; required with --persistence postgresql)." };
        var logs = new Option<string?>("--logs") { Description = "Log folder (env GANCLUSTER_LOGS; default: <data>/logs)." };
        var config = new Option<string?>("--config") { Description = "The cluster-config folder (env GANCLUSTER_CONFIG; default: the copy next to the executable, else ./cluster-config)." };
        var tlsCertificate = new Option<string?>("--tls-certificate") { Description = "PKCS#12 certificate shared by the cluster's nodes: TLS with mutual, pinned authentication (env GANCLUSTER_TLS_CERTIFICATE; default: none, plain TCP)." };
        var tlsPassword = new Option<string?>("--tls-password") { Description = "Password of the TLS certificate (env GANCLUSTER_TLS_PASSWORD)." };
        var postgresFile = new Option<string?>("--postgres-file") { Description = "A file whose first line is the PostgreSQL connection string (env GANCLUSTER_POSTGRES_FILE): keeps the password out of ps." };
        var tlsPasswordFile = new Option<string?>("--tls-password-file") { Description = "A file whose first line is the TLS certificate's password (env GANCLUSTER_TLS_PASSWORD_FILE)." };
        var insecure = new Option<bool>("--insecure") { Description = "Allow binding a non-loopback address without TLS (env GANCLUSTER_INSECURE=1): anyone who reaches the port can then use the cluster. Default: refused." };
        var torchThreads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use per operation (env GANCLUSTER_TORCH_THREADS; default: one per core). Nodes sharing a machine should split its cores." };
        var dashboardPort = new Option<int?>("--dashboard-port") { Description = "Serve HTTP on this port (env GANCLUSTER_DASHBOARD_PORT; default: off): the dashboard on a coordinator node, /metrics (Prometheus) on every node." };
        var dashboardHostname = new Option<string?>("--dashboard-hostname") { Description = $"Address the dashboard binds (env GANCLUSTER_DASHBOARD_HOSTNAME; default: {Defaults.DashboardHostname}); another address needs --insecure, the page has no TLS or login." };
        var set = new Option<string[]>("--set") { Description = "Extra HOCON settings, key=value (repeatable), applied last.", AllowMultipleArgumentsPerToken = false };

        var otlpLogs = new Option<string?>("--otlp-logs") { Description = "Also ship every log event to this OTLP/HTTP logs endpoint, e.g. http://collector:4318/v1/logs (env GANCLUSTER_OTLP_LOGS; default: off, logs stay in the node's files)." };
        var command = new Command("node", "Run a cluster node.") { roles, hostname, port, publicHostname, seeds, data, persistence, postgres, postgresFile, logs, config, tlsCertificate, tlsPassword, tlsPasswordFile, insecure, torchThreads, dashboardPort, dashboardHostname, otlpLogs, set };
        command.SetAction(async (parse, cancellation) =>
        {
            NodeOptions options;
            string configDirectory;
            try
            {
                // One resolution path: the command line beats GANCLUSTER_* variables, which beat the defaults.
                options = NodeOptions.Resolve(new NodeOptionInputs
                {
                    Roles = parse.GetValue(roles),
                    Hostname = parse.GetValue(hostname),
                    Port = parse.GetValue(port)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    PublicHostname = parse.GetValue(publicHostname),
                    Seeds = parse.GetValue(seeds),
                    DataDirectory = parse.GetValue(data),
                    Persistence = parse.GetValue(persistence),
                    Postgres = parse.GetValue(postgres),
                    LogDirectory = parse.GetValue(logs),
                    ConfigDirectory = parse.GetValue(config),
                    TlsCertificate = parse.GetValue(tlsCertificate),
                    TlsPassword = parse.GetValue(tlsPassword),
                    PostgresFile = parse.GetValue(postgresFile),
                    TlsPasswordFile = parse.GetValue(tlsPasswordFile),
                    Insecure = parse.GetValue(insecure),
                    TorchThreads = parse.GetValue(torchThreads)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    DashboardPort = parse.GetValue(dashboardPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    DashboardHostname = parse.GetValue(dashboardHostname),
                    OtlpLogs = parse.GetValue(otlpLogs),
                });
                if (parse.GetValue(set) is { Length: > 0 } extra)
                {
                    options = options with { ExtraHocon = string.Join("\n", extra) };
                }

                configDirectory = ClusterConfigLoader.LocateConfigDirectory(options.ConfigDirectory);
                // Before the ActorSystem starts: its failure to bind is an AggregateException after dozens of log lines.
                if (PortInUse(options) is { } problem)
                {
                    Console.Error.WriteLine($"gancluster node: {problem}");
                    return 2;
                }
            }
            catch (NodeOptionsException e)
            {
                Console.Error.WriteLine($"gancluster node: {e.Message}");
                return 2;
            }

            // Before the ActorSystem too: a dashboard port in use ends the start with one line, not a half-started node.
            NodeHttpEndpoint? http = null;
            if (options.DashboardPort is { } httpPort)
            {
                try
                {
                    http = await NodeHttpEndpoint.StartAsync(options.DashboardHostname, httpPort, dashboard: options.HasRole(NodeRole.Coordinator), options.NodeName).ConfigureAwait(false);
                }
                catch (DashboardPortException e)
                {
                    Console.Error.WriteLine($"gancluster node: {e.Message}");
                    return 2;
                }
            }

            await using var httpLifetime = http;
            var log = LoggingSetup.Configure(options.NodeName, options.ResolvedLogDirectory, otlpLogs: options.OtlpLogs);
            if (http is not null)
            {
                log.Information(NodeLogEvents.HttpEndpoint, http.HasDashboard ? "the dashboard and /metrics" : "/metrics", http.Url);
            }

            DashboardCollector? collector = null;

            // An exception that escapes any thread (a torch thread included) ends the process with a non-zero code, so a
            // supervisor (systemd, compose) restarts it and the coordinator re-pairs its experiment; the reason goes to the
            // node's log first. Native faults (SIGSEGV) cannot be caught: see README "Failures" for the crash report.
            AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            {
                log.Fatal(e.ExceptionObject as Exception, "GanCluster node stops on an unhandled exception: {Reason}", (e.ExceptionObject as Exception)?.Message ?? e.ExceptionObject.ToString());
                Log.CloseAndFlush();
            };
            try
            {
                if (options.HasRole(NodeRole.Generator) || options.HasRole(NodeRole.Discriminator))
                {
                    // The thread count (--torch-threads) is applied by each worker on its own torch thread (WorkerBase).
                    TorchRuntime.EnsureLoaded();
                }

                ActorSystem? system = null;
                var stopping = false;
                void Stop()
                {
                    stopping = true;
                    if (Volatile.Read(ref system) is { } current)
                    {
                        CoordinatedShutdown.Get(current).Run(CoordinatedShutdown.ClrExitReason.Instance);
                    }
                }

                using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
                {
                    context.Cancel = true;
                    Stop();
                });
                using var registration = cancellation.Register(Stop);
                while (true)
                {
                    ActorSystem started;
                    try
                    {
                        started = GanClusterNode.Start(options, configDirectory);
                    }
                    catch (Exception e) when (IsAddressInUse(e))
                    {
                        // Taken between the check above and the bind, or by a node that rejoins.
                        log.Fatal("{Problem}", AddressInUseMessage(options));
                        return 2;
                    }

                    Volatile.Write(ref system, started);
                    if (http is { HasDashboard: true })
                    {
                        // Coordinator nodes never rejoin, so one collector per process.
                        collector = new DashboardCollector(started, TimeSpan.FromSeconds(1), options.ResolvedExperimentsDirectory);
                        http.Source = collector;
                    }

                    var cluster = Akka.Cluster.Cluster.Get(started);
                    cluster.RegisterOnMemberUp(() => log.Information(NodeLogEvents.Up, cluster.SelfAddress, string.Join(",", cluster.SelfRoles)));
                    if (stopping)
                    {
                        Stop();
                    }

                    await started.WhenTerminated.ConfigureAwait(false);
                    // A worker left without a coordinator (or downed) joins the seed nodes again with a new ActorSystem.
                    if (stopping || !GanClusterNode.ShouldRejoin(started, options))
                    {
                        break;
                    }

                    log.Warning(NodeLogEvents.Rejoining, CoordinatedShutdown.Get(started).ShutdownReason?.GetType().Name);
                }

                log.Information("GanCluster node stopped");
                return 0;
            }
            catch (Exception e) when (e is TorchUnavailableException or NodeOptionsException or Akka.Configuration.ConfigurationException)
            {
                log.Fatal("{Error}", e.Message);
                return 1;
            }
            finally
            {
                if (collector is not null)
                {
                    await collector.DisposeAsync().ConfigureAwait(false);
                }

                await Log.CloseAndFlushAsync().ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>Null when the node's port can be bound (or is 0, any free port); else what is wrong and what to do.</summary>
    private static string? PortInUse(NodeOptions options)
    {
        if (options.ResolvedPort == 0)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(options.Hostname, out var parsed) ? [parsed] : Dns.GetHostAddresses(options.Hostname);
        }
        catch (SocketException)
        {
            // Left to the ActorSystem, which reports an unknown host itself.
            return null;
        }

        foreach (var address in addresses)
        {
            try
            {
                using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(address, options.ResolvedPort));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return AddressInUseMessage(options);
            }
            catch (SocketException)
            {
                // Another problem (an address not on this machine): the ActorSystem reports it.
            }
        }

        return null;
    }

    private static string AddressInUseMessage(NodeOptions options) =>
        $"{options.Hostname}:{options.ResolvedPort} is already in use (another gancluster node, or another program); "
        + $"stop it, or choose another port with --port (0 = any free port for a generator or discriminator node)";

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                || (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsAddressInUse)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The message templates of a node process's own structured log events (see <c>CoordinatorLogEvents</c>).</summary>
public static class NodeLogEvents
{
    /// <summary>Address, Roles: the node is a cluster member that is up.</summary>
    public const string Up = "GanCluster node up at {Address} with roles {Roles}";

    /// <summary>Reason: the node left the cluster (no coordinator, or downed) and joins the seed nodes again.</summary>
    public const string Rejoining = "GanCluster node left the cluster ({Reason}); joining the seed nodes again";

    /// <summary>Url, Serves: the node's HTTP endpoint (--dashboard-port) listens.</summary>
    public const string HttpEndpoint = "GanCluster node serves {Serves} at {Url}";
}
