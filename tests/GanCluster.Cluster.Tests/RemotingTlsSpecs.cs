using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using GanCluster.Node;

namespace GanCluster.Cluster.Tests;

/// <summary>
/// TLS on the remoting transport with a self-signed certificate on loopback: nodes that share the cluster's
/// certificate form a cluster; a node with another certificate, or without TLS, cannot join.
/// </summary>
public sealed class RemotingTlsSpecs : IDisposable
{
    private const string Password = "test-password";
    private readonly string _folder = Directory.CreateTempSubdirectory("gancluster-tls-").FullName;
    private readonly List<ActorSystem> _systems = [];

    [Fact]
    public async Task Only_nodes_with_the_clusters_certificate_can_join()
    {
        var clusterCertificate = WriteCertificate("cluster");
        var otherCertificate = WriteCertificate("intruder");
        var port = FreePort();

        var seed = Start("seed", port, clusterCertificate);
        var member = Start("member", 0, clusterCertificate);
        await AwaitUpMembers(seed, 2, TimeSpan.FromSeconds(30));

        // An outsider either keeps retrying its join or gives up and stops; either way it never becomes a member.
        var intruder = TryStart("intruder", 0, otherCertificate);
        var plain = TryStart("plain", 0, null);

        // Give the outsiders ample time to try (their join retries every few seconds), then check nothing let them in.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(2, Akka.Cluster.Cluster.Get(seed).State.Members.Count(m => m.Status == MemberStatus.Up));
        Assert.All(new[] { intruder, plain }.OfType<ActorSystem>(), outsider => Assert.NotEqual(MemberStatus.Up, Akka.Cluster.Cluster.Get(outsider).SelfMember.Status));
        Assert.Equal(MemberStatus.Up, Akka.Cluster.Cluster.Get(member).SelfMember.Status);
    }

    [Fact]
    public void A_certificate_file_that_is_not_pkcs12_is_a_clear_error()
    {
        var bogus = Path.Combine(_folder, "bogus.pfx");
        File.WriteAllText(bogus, "not a certificate");
        var error = Assert.Throws<NodeOptionsException>(() => RemotingTls.Setup(Akka.Configuration.Config.Empty, bogus, Password));
        Assert.Contains("--tls-certificate", error.Message);
    }

    private ActorSystem Start(string name, int port, string? certificate)
    {
        var options = new NodeOptions
        {
            Roles = new HashSet<NodeRole> { NodeRole.Generator },
            Port = port,
            SeedNodes = [$"127.0.0.1:{(port == 0 ? _systems.Count > 0 ? Akka.Cluster.Cluster.Get(_systems[0]).SelfAddress.Port : 0 : port)}"],
            DataDirectory = Path.Combine(_folder, name),
            TlsCertificatePath = certificate,
            TlsCertificatePassword = certificate is null ? null : Password,

            // No coordinator runs in this spec: keep worker-only nodes from leaving to look for one.
            ExtraHocon = "gancluster.node.rejoin-after = 600s",
        };
        var system = GanClusterNode.Start(options, ClusterConfigLoader.LocateConfigDirectory());
        _systems.Add(system);
        return system;
    }

    private ActorSystem? TryStart(string name, int port, string? certificate)
    {
        try
        {
            return Start(name, port, certificate);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task AwaitUpMembers(ActorSystem system, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} members were up after {timeout}");
            await Task.Delay(200);
        }
    }

    // The certificate `gancluster cert create` writes, so the product's certificate is what these specs connect with.
    private string WriteCertificate(string name)
    {
        var path = Path.Combine(_folder, name + ".pfx");
        ClusterCertificate.Create(path, Password, $"gancluster-{name}");
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        foreach (var system in _systems)
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(15));
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
