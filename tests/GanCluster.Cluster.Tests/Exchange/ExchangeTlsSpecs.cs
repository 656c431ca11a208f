using GanCluster.TestSupport;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Streams;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Exchange;
using GanCluster.Node;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Tests.Exchange;

/// <summary>The exchange channel with TLS on (a TLS cluster keeps its fast path), over real loopback TCP.</summary>
public sealed class ExchangeTlsSpecs : TestKit
{
    private const string Password = "channel-test";
    private static readonly ExperimentId Id = new("exp-x0000002");
    private readonly TempDirectory _temp = TempDirectory.Create("exchange-tls");

    public ExchangeTlsSpecs() : base(SpecConfig.Hocon("akka.actor.serialize-messages = off"))
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _temp.Dispose();
    }

    [Fact]
    public async Task Messages_cross_a_tls_channel_whole_and_in_order_in_both_directions()
    {
        var settings = Settings(Certificate("cluster"));
        var server = CreateTestProbe();
        var client = CreateTestProbe();
        var binding = await ExchangeChannel.Listen(Sys, Sys.Materializer(), settings, server.Ref);
        var port = ((System.Net.IPEndPoint)binding.LocalAddress).Port;
        var (connection, connected) = ExchangeChannel.Connect(Sys, Sys.Materializer(), settings, "127.0.0.1", port, client.Ref);
        await connected.WaitAsync(TimeSpan.FromSeconds(30));

        var sent = new[] { Batch(1, 5_000_000, 1), Batch(2, 313_600, 2), Batch(3, 16, 3) };
        foreach (var batch in sent)
        {
            connection.Tell(batch, ActorRefs.NoSender);
        }

        var received = sent.Select(_ => server.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(30))).ToList();
        Assert.Equal(sent, received.Select(r => (FakeBatch)r.Message));

        var answer = Batch(4, 3_145_728, 4);
        received[0].Connection.Tell(answer, ActorRefs.NoSender);
        var reply = client.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(30));
        Assert.Equal(answer, reply.Message);
        Assert.Equal(connection, reply.Connection);

        ExchangeChannel.Close(connection);
        Assert.Equal(connection, client.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(30)).Connection);
        await binding.Unbind();
    }

    [Fact]
    public async Task A_peer_without_the_clusters_certificate_is_refused_and_nothing_it_sent_arrives()
    {
        var server = CreateTestProbe();
        var binding = await ExchangeChannel.Listen(Sys, Sys.Materializer(), Settings(Certificate("cluster")), server.Ref);
        var port = ((System.Net.IPEndPoint)binding.LocalAddress).Port;

        // A valid certificate, just not the cluster's: the server refuses it, and it refuses the server's.
        var intruder = CreateTestProbe();
        var (connection, connected) = ExchangeChannel.Connect(Sys, Sys.Materializer(), Settings(Certificate("other")), "127.0.0.1", port, intruder.Ref);
        connection.Tell(Batch(1, 64, 9), ActorRefs.NoSender);

        await Assert.ThrowsAnyAsync<Exception>(() => connected.WaitAsync(TimeSpan.FromSeconds(30)));
        intruder.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(30));
        server.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        await binding.Unbind();
    }

    private static ExchangeChannelSettings Settings(X509Certificate2 certificate) =>
        new("127.0.0.1", "127.0.0.1", 0, 64 << 20, TimeSpan.FromSeconds(20), certificate);

    private static FakeBatch Batch(int round, int bytes, byte fill) =>
        new(Id, round, Phase.Discriminator, 0, new TensorPayload(TensorDType.Float32, [bytes / 4], Enumerable.Repeat(fill, bytes).ToArray()), null);

    // The certificate `gancluster cert create` writes, loaded the way a node loads it.
    private X509Certificate2 Certificate(string name)
    {
        var path = _temp.Combine(name + ".pfx");
        ClusterCertificate.Create(path, Password, $"gancluster-{name}");
        return RemotingTls.LoadCertificate(path, Password);
    }
}
