using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using GanCluster.Node;
using GanCluster.Protocol;

namespace GanCluster.Node;

/// <summary>Thrown when no coordinator answers at the given contact points.</summary>
public sealed class ClusterUnreachableException(string message, bool requestSent = false) : Exception(message)
{
    /// <summary>True when a request went out and no answer came back: the coordinator may have carried it out.</summary>
    public bool RequestSent { get; } = requestSent;
}

/// <summary>
/// The CLI's connection to a cluster: a small ActorSystem with remoting on an ephemeral loopback port and a
/// ClusterClient to the coordinator nodes' receptionist. It uses the nodes' serializers and frame size.
/// </summary>
public sealed class CoordinatorClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _client;
    private readonly IReadOnlyList<string> _contacts;

    /// <param name="contacts">Coordinator nodes as host:port.</param>
    /// <param name="nodeConfig">The nodes' shared configuration (serializers, frame size).</param>
    /// <param name="systemName">The cluster's ActorSystem name.</param>
    /// <param name="bindHost">Address this client binds; Akka remoting is peer to peer, so the cluster must reach it.</param>
    /// <param name="publicHost">Address the cluster uses to reach this client, when it differs from <paramref name="bindHost"/>.</param>
    /// <param name="tlsCertificate">The cluster's TLS certificate (PKCS#12) when the cluster uses TLS.</param>
    /// <param name="tlsPassword">Its password.</param>
    public CoordinatorClient(IReadOnlyList<string> contacts, Config nodeConfig, string systemName = "gancluster", string bindHost = "127.0.0.1", string? publicHost = null, string? tlsCertificate = null, string? tlsPassword = null)
    {
        _contacts = contacts;
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = "{{bindHost}}"
            akka.remote.dot-netty.tcp.port = 0
            akka.remote.dot-netty.tcp.public-hostname = "{{publicHost ?? bindHost}}"
            akka.loglevel = WARNING
            # Akka's minimal logger (before the configured loggers start and after they stop, e.g. a DotNetty warning
            # while the client shuts down) writes to stdout by default; stdout carries the command's result, such as
            # the id printed by submit, so it goes to stderr instead.
            akka.stdout-logger-class = "{{typeof(StandardErrorLogger).AssemblyQualifiedName}}"
            akka.cluster.client.reconnect-timeout = 10s
            """).WithFallback(nodeConfig).WithFallback(ClusterClientReceptionist.DefaultConfig())
            // The client wraps each request in DistributedPubSub's Send for the receptionist: without its serializer the
            // envelope (and the request in it) would travel as Newtonsoft JSON instead of the GanCluster wire format.
            .WithFallback(DistributedPubSub.DefaultConfig());
        _system = ActorSystem.Create("gancluster-client", RemotingTls.Setup(config, tlsCertificate, tlsPassword));
        Wire = GanClusterNode.Wire(config);
        var initial = contacts.Select(c => ActorPath.Parse($"{(tlsCertificate is null ? "akka.tcp" : "akka.ssl.tcp")}://{systemName}@{c}/system/receptionist")).ToImmutableHashSet();
        _client = _system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(_system).WithInitialContacts(initial)), "client");
    }

    public WireSettings Wire { get; }

    public async Task<object> AskAsync(object message, TimeSpan timeout)
    {
        try
        {
            var reply = await _client.Ask<object>(new ClusterClient.Send(GanClusterNode.CoordinatorProxyPath, message, localAffinity: false), timeout).ConfigureAwait(false);
            if (reply is WireMismatch mismatch)
            {
                throw new ClusterUnreachableException($"the cluster refused this client: {mismatch.Reason}");
            }

            if (reply is CoordinatorRecovering recovering)
            {
                throw new ClusterUnreachableException(
                    $"the coordinator is recovering ({recovering.Reason}) and was not able to carry this out; it starts again in about {recovering.RetryInSeconds} s: run the command again then");
            }

            return reply;
        }
        catch (AskTimeoutException)
        {
            throw new ClusterUnreachableException(
                $"no coordinator answered within {timeout.TotalSeconds:F0} s at {string.Join(", ", _contacts)}. Check that a node with role coordinator runs there "
                + "(gancluster node --roles coordinator), that --contact names its host:port, and that the port is reachable.", requestSent: true);
        }
    }

    public async ValueTask DisposeAsync() => await _system.Terminate().ConfigureAwait(false);
}
