using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Exchange;
using GanCluster.Cluster.Logs;
using GanCluster.Cluster.Membership;
using GanCluster.Cluster.Transfer;
using GanCluster.Cluster.Workers;
using GanCluster.Node;
using GanCluster.Protocol;

namespace GanCluster.Node;

/// <summary>
/// Starts a node: one ActorSystem joined to the cluster, with the actors of its roles. The CLI's
/// <c>node</c> command and the tests call this same wiring, so there is one path from configuration to actors.
/// </summary>
public static class GanClusterNode
{
    /// <summary>Name of the coordinator singleton (and of its manager) under /user.</summary>
    public const string CoordinatorName = "coordinator";

    /// <summary>Path of the coordinator proxy that clients reach through the ClusterClient receptionist.</summary>
    public const string CoordinatorProxyPath = "/user/coordinator-proxy";

    /// <summary>The full configuration of a node: cluster-config files, overrides, serializers.</summary>
    public static Config BuildConfig(NodeOptions options, string configDirectory) =>
        ClusterConfigLoader.Load(options, configDirectory, includeSerialization: true)
            .WithFallback(ConfigurationFactory.ParseString(CoordinatorEventSerializer.Hocon))
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            .WithFallback(DistributedPubSub.DefaultConfig());

    /// <summary>Wire settings every node and client must share (protocol version, frame size).</summary>
    public static WireSettings Wire(Config config) =>
        new(WireSettings.ProtocolVersionCurrent, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128000);

    /// <summary>Chunk size for large messages: a quarter of the frame, so a chunk and its envelope always fit.</summary>
    public static int ChunkSize(Config config) => (int)Math.Min(1 << 20, Wire(config).MaximumFrameSize / 4);

    /// <summary>
    /// Whether a node whose ActorSystem has terminated should start a new one and join the seed nodes again: worker-only
    /// nodes do when they left because the cluster lost every coordinator node (<see cref="RejoinReason"/>) or because
    /// the Split Brain Resolver downed them. Coordinator nodes never do: a restarted first seed would found a second
    /// cluster with a second coordinator on the same journal.
    /// </summary>
    public static bool ShouldRejoin(ActorSystem system, NodeOptions options) =>
        !options.HasRole(NodeRole.Coordinator)
        && CoordinatedShutdown.Get(system).ShutdownReason is RejoinReason or CoordinatedShutdown.ClusterDowningReason;

    public static ActorSystem Start(NodeOptions options, string configDirectory)
    {
        var config = BuildConfig(options, configDirectory);
        var system = ActorSystem.Create(options.SystemName, RemotingTls.Setup(config, options.TlsCertificatePath, options.TlsCertificatePassword));
        try
        {
            StartActors(system, options);
            return system;
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    private static void StartActors(ActorSystem system, NodeOptions options)
    {
        var config = system.Settings.Config;
        var wire = Wire(config);
        var chunkSize = ChunkSize(config);
        var address = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        var bulk = system.ActorOf(BulkSender.Props(chunkSize), "bulk-sender");
        system.ActorOf(LogReader.Props(address, options.ResolvedLogDirectory, options.NodeName, string.Join('+', options.Roles.Order().Select(NodeOptions.RoleName))), LogReader.Path.Split('/')[^1]);

        if (options.HasRole(NodeRole.Coordinator))
        {
            var store = CheckpointStoreFactory.Create(options);
            var settings = CoordinatorSettings.FromConfig(config, wire, chunkSize) with
            {
                Monitoring = MonitoringSettings.FromConfig(config, options.ResolvedExperimentsDirectory),
                Quality = QualitySettings.FromConfig(config),
            };
            system.ActorOf(
                ClusterSingletonManager.Props(
                    CoordinatorGuardian.Props(CoordinatorActor.Props(store, settings, bulk)),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole("coordinator").WithSingletonName(CoordinatorName)),
                CoordinatorName);
        }

        var proxy = system.ActorOf(
            ClusterSingletonProxy.Props(
                $"/user/{CoordinatorName}",
                ClusterSingletonProxySettings.Create(system).WithRole("coordinator").WithSingletonName(CoordinatorName)),
            CoordinatorProxyPath.TrimStart('/').Split('/')[1]);

        if (options.HasRole(NodeRole.Coordinator))
        {
            ClusterClientReceptionist.Get(system).RegisterService(proxy);
        }

        if (!options.HasRole(NodeRole.Coordinator))
        {
            var rejoinAfter = config.GetTimeSpan("gancluster.node.rejoin-after", TimeSpan.FromSeconds(10));
            system.ActorOf(CoordinatorPresenceWatch.Props(rejoinAfter), "coordinator-presence");
        }

        var workerSettings = new WorkerSettings(proxy, bulk, wire, address, chunkSize, options.TorchThreads,
            ExchangeChannelSettings.FromConfig(config, options.Hostname, options.AdvertisedHostname,
                options.TlsCertificatePath is null ? null : RemotingTls.LoadCertificate(options.TlsCertificatePath, options.TlsCertificatePassword)))
        {
            Device = options.HasRole(NodeRole.Generator) || options.HasRole(NodeRole.Discriminator) ? DescribeDevice() : "",
        };
        if (options.HasRole(NodeRole.Generator))
        {
            system.ActorOf(GeneratorWorker.Props(workerSettings), "generator");
        }

        if (options.HasRole(NodeRole.Discriminator))
        {
            system.ActorOf(DiscriminatorWorker.Props(workerSettings), "discriminator");
        }
    }

    /// <summary>What this worker node computes on, for its registration; a libtorch that does not load is reported, not thrown here (the worker's first torch call names the fix).</summary>
    private static string DescribeDevice()
    {
        try
        {
            return GanCluster.Training.Runtime.ComputeDevices.Describe();
        }
        catch (GanCluster.Training.Runtime.TorchUnavailableException e)
        {
            return $"unknown ({e.Message})";
        }
    }
}
