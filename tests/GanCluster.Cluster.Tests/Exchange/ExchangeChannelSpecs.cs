using Akka.Actor;
using Akka.Streams;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Exchange;
using GanCluster.Cluster.Transfer;
using GanCluster.Cluster.Workers;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Tests.Exchange;

/// <summary>The exchange channel over real loopback TCP, alone and between real generator and discriminator workers.</summary>
public sealed class ExchangeChannelSpecs : TestKit
{
    private static readonly ExperimentId Id = new("exp-x0000001");

    private static readonly ExchangeChannelSettings Channel = new("127.0.0.1", "127.0.0.1", 0, 64 << 20, TimeSpan.FromSeconds(5));

    // serialize-messages stays off here: the channel serializes every message itself (ExchangeFraming, with the
    // system's bindings), and Akka's verification cannot pass the internal messages of the stream's source actor.
    public ExchangeChannelSpecs() : base(SpecConfig.Hocon("akka.actor.serialize-messages = off"))
    {
    }

    private static FakeBatch Batch(int round, int bytes, byte fill) =>
        new(Id, round, Phase.Discriminator, 0, new TensorPayload(TensorDType.Float32, [bytes / 4], Enumerable.Repeat(fill, bytes).ToArray()), null);

    [Fact]
    public async Task Messages_cross_the_channel_whole_and_in_order_in_both_directions()
    {
        var server = CreateTestProbe();
        var client = CreateTestProbe();
        var binding = await ExchangeChannel.Listen(Sys, Sys.Materializer(), Channel, server.Ref);
        var port = ((System.Net.IPEndPoint)binding.LocalAddress).Port;
        var (connection, connected) = ExchangeChannel.Connect(Sys, Sys.Materializer(), Channel, "127.0.0.1", port, client.Ref);
        await connected;

        // 5 MB is larger than a remoting frame (4 MiB): the channel carries it in one message, unchunked.
        var sent = new[] { Batch(1, 5_000_000, 1), Batch(2, 313_600, 2), Batch(3, 16, 3) };
        foreach (var batch in sent)
        {
            connection.Tell(batch, ActorRefs.NoSender);
        }

        var received = sent.Select(_ => server.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(20))).ToList();
        Assert.Equal(sent, received.Select(r => (FakeBatch)r.Message));

        received[0].Connection.Tell(new DiscriminatorStepDone(Id, 1, 0, new Dictionary<string, double> { ["loss/d"] = 1.5, ["d/real"] = 0.5, ["d/fake"] = 0.5 }, 2.0), ActorRefs.NoSender);
        var reply = client.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(10));
        Assert.Equal(new DiscriminatorStepDone(Id, 1, 0, new Dictionary<string, double> { ["loss/d"] = 1.5, ["d/real"] = 0.5, ["d/fake"] = 0.5 }, 2.0), reply.Message);
        Assert.Equal(connection, reply.Connection);

        ExchangeChannel.Close(connection);
        Assert.Equal(connection, client.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(10)).Connection);
        await binding.Unbind();
    }

    [Fact]
    public async Task A_message_over_the_frame_limit_closes_the_connection_naming_the_setting_on_either_side()
    {
        var small = Channel with { MaximumFrameSize = 1 << 20 };
        var server = CreateTestProbe();
        var client = CreateTestProbe();

        // The sender's own limit: the message is refused before a byte of it is written.
        var binding = await ExchangeChannel.Listen(Sys, Sys.Materializer(), Channel, server.Ref);
        var port = ((System.Net.IPEndPoint)binding.LocalAddress).Port;
        var (connection, connected) = ExchangeChannel.Connect(Sys, Sys.Materializer(), small, "127.0.0.1", port, client.Ref);
        await connected;
        connection.Tell(Batch(1, 2_000_000, 1), ActorRefs.NoSender);
        var closed = client.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(10));
        Assert.Contains("gancluster.exchange.maximum-frame-size", closed.Reason);
        server.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(10));
        await binding.Unbind();

        // The receiver's limit: a larger frame from a peer configured otherwise ends the connection at its length.
        var smallBinding = await ExchangeChannel.Listen(Sys, Sys.Materializer(), small, server.Ref);
        var smallPort = ((System.Net.IPEndPoint)smallBinding.LocalAddress).Port;
        (connection, connected) = ExchangeChannel.Connect(Sys, Sys.Materializer(), Channel, "127.0.0.1", smallPort, client.Ref);
        await connected;
        connection.Tell(Batch(2, 16, 2), ActorRefs.NoSender);
        Assert.Equal(Batch(2, 16, 2), server.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(10)).Message);
        connection.Tell(Batch(3, 2_000_000, 3), ActorRefs.NoSender);
        Assert.Contains("over the limit", server.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(10)).Reason);
        client.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(10));
        await smallBinding.Unbind();
    }

    [Fact]
    public void A_connection_with_a_wrong_token_is_closed_and_what_it_sent_is_not_applied()
    {
        var coordinator = CreateTestProbe();
        var peer = CreateTestProbe();
        var discriminator = StartWorker(WorkerRole.Discriminator, coordinator, peer.Ref, Channel);
        discriminator.Tell(new OpenExchangeChannel(Id), peer.Ref);
        var offer = peer.ExpectMsg<ExchangeChannelOffer>(TimeSpan.FromSeconds(10));
        Assert.NotEqual(0, offer.Port);

        var intruder = CreateTestProbe();
        var (connection, _) = ExchangeChannel.Connect(Sys, Sys.Materializer(), Channel, offer.Host, offer.Port, intruder.Ref);
        connection.Tell(new ExchangeChannelHello(Id, offer.Token + "x"), ActorRefs.NoSender);
        connection.Tell(new FakeBatch(Id, 1, Phase.Discriminator, 0, new TensorPayload(TensorDType.Float32, [8, 2], new byte[64]), null), ActorRefs.NoSender);

        intruder.ExpectMsg<ExchangeClosed>(TimeSpan.FromSeconds(10));
        // Had the intruder's batch been applied, this one would be out of order and dropped.
        discriminator.Tell(new FakeBatch(Id, 1, Phase.Discriminator, 0, new TensorPayload(TensorDType.Float32, [8, 2], new byte[64]), null), peer.Ref);
        Assert.Equal((1, 0), peer.ExpectMsg<DiscriminatorStepDone>(TimeSpan.FromSeconds(10)) is var done ? (done.Round, done.Step) : default);
    }

    [Fact]
    public void Paired_workers_run_their_rounds_on_the_channel_with_the_losses_of_a_remoting_pair()
    {
        var onChannel = RunPair(Channel, rounds: 3, out var relayed);
        var onRemoting = RunPair(null, rounds: 3, out var relayedWithoutChannel);

        Assert.Equal(onRemoting.Select(m => (m.DLoss, m.GLoss)), onChannel.Select(m => (m.DLoss, m.GLoss)));
        // With the channel, the discriminator's remoting reference saw the request for it and nothing of the rounds.
        Assert.Equal([typeof(OpenExchangeChannel)], relayed.Select(m => m.GetType()));
        Assert.Contains(relayedWithoutChannel, m => m is FakeBatch);
    }

    [Fact]
    public void A_generator_uses_remoting_when_the_discriminator_offers_no_channel()
    {
        var coordinator = CreateTestProbe();
        var peer = CreateTestProbe();
        var generator = StartWorker(WorkerRole.Generator, coordinator, peer.Ref, Channel);
        peer.ExpectMsg<OpenExchangeChannel>(TimeSpan.FromSeconds(20));
        peer.Reply(new ExchangeChannelOffer(Id, string.Empty, 0, string.Empty));
        coordinator.FishForMessage(m => m is ExperimentReady, TimeSpan.FromSeconds(10));

        generator.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);
        Assert.Equal(Phase.Discriminator, peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10)).Phase);
    }

    [Fact]
    public void A_generator_uses_remoting_when_the_channel_does_not_open_in_time()
    {
        var coordinator = CreateTestProbe();
        var peer = CreateTestProbe();
        StartWorker(WorkerRole.Generator, coordinator, peer.Ref, Channel with { ConnectTimeout = TimeSpan.FromMilliseconds(500) });
        peer.ExpectMsg<OpenExchangeChannel>(TimeSpan.FromSeconds(20));
        coordinator.FishForMessage(m => m is ExperimentReady { Role: WorkerRole.Generator }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_generator_whose_channel_closes_mid_round_sends_the_unanswered_batches_again_over_remoting()
    {
        // The test plays the discriminator's listener.
        var listener = CreateTestProbe();
        var binding = await ExchangeChannel.Listen(Sys, Sys.Materializer(), Channel, listener.Ref);
        var coordinator = CreateTestProbe();
        var peer = CreateTestProbe();
        var generator = StartWorker(WorkerRole.Generator, coordinator, peer.Ref, Channel, SpecConfig.ToySpec(k: 1));
        peer.ExpectMsg<OpenExchangeChannel>(TimeSpan.FromSeconds(20));
        peer.Reply(new ExchangeChannelOffer(Id, "127.0.0.1", ((System.Net.IPEndPoint)binding.LocalAddress).Port, "token"));
        var hello = listener.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(10));
        hello.Connection.Tell(hello.Message, ActorRefs.NoSender);
        coordinator.FishForMessage(m => m is ExperimentReady, TimeSpan.FromSeconds(10));

        generator.Tell(new RunRounds(1, Id, 1, 1), coordinator.Ref);
        var forD = (FakeBatch)listener.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(10)).Message;
        var forG = (FakeBatch)listener.ExpectMsg<ExchangeInbound>(TimeSpan.FromSeconds(10)).Message;
        Assert.Equal((Phase.Discriminator, Phase.Generator), (forD.Phase, forG.Phase));
        hello.Connection.Tell(new DiscriminatorStepDone(Id, 1, 0, new Dictionary<string, double> { ["loss/d"] = 1.0, ["d/real"] = 0.5, ["d/fake"] = 0.5 }, 1.0), ActorRefs.NoSender);
        listener.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        ExchangeChannel.Close(hello.Connection);

        // Step 0 was acknowledged; the generator-phase batch was not answered, so it comes again over remoting.
        Assert.Equal(forG, peer.ExpectMsg<FakeBatch>(TimeSpan.FromSeconds(10)));
        peer.Reply(new GeneratorFeedback(Id, 1, new Dictionary<string, double> { ["loss/g"] = 0.7 }, new TensorPayload(TensorDType.Float32, forG.Samples.Shape, new byte[forG.Samples.Data.Length]), 1.0));
        Assert.Equal(1, coordinator.FishForMessage<RoundCompleted>(_ => true, TimeSpan.FromSeconds(10)).Metrics.Round);
        await binding.Unbind();
    }

    private IActorRef StartWorker(WorkerRole role, TestProbe coordinator, IActorRef peer, ExchangeChannelSettings? exchange, ExperimentSpec? spec = null)
    {
        var settings = new WorkerSettings(coordinator.Ref, Sys.ActorOf(BulkSender.Props(1 << 20)), SpecConfig.Wire, "test-node", 1 << 20, Exchange: exchange);
        var worker = Sys.ActorOf(role == WorkerRole.Generator ? GeneratorWorker.Props(settings) : DiscriminatorWorker.Props(settings));
        Assert.Equal(role, coordinator.ExpectMsg<RegisterWorker>(TimeSpan.FromSeconds(10)).Role);
        worker.Tell(new WorkerRegistered(1), coordinator.Ref);
        worker.Tell(new AssignExperiment(1, Id, SpecJson.Serialize(spec ?? SpecConfig.ToySpec(k: 2), indented: false), role, peer, 1, null, null), coordinator.Ref);
        if (role == WorkerRole.Discriminator)
        {
            coordinator.FishForMessage(m => m is ExperimentReady, TimeSpan.FromSeconds(20));
        }

        return worker;
    }

    /// <summary>A real generator and discriminator that reach each other's remoting references through relaying probes.</summary>
    private List<RoundMetrics> RunPair(ExchangeChannelSettings? exchange, int rounds, out List<object> relayed)
    {
        var dCoordinator = CreateTestProbe();
        var gCoordinator = CreateTestProbe();
        var toDiscriminator = Relay(out var discriminatorTarget);
        var toGenerator = Relay(out var generatorTarget);

        var generator = StartWorker(WorkerRole.Generator, gCoordinator, toDiscriminator.Ref, exchange);
        generatorTarget.Actor = generator;
        var discriminator = StartWorker(WorkerRole.Discriminator, dCoordinator, toGenerator.Ref, exchange);
        discriminatorTarget.Actor = discriminator;
        gCoordinator.FishForMessage(m => m is ExperimentReady, TimeSpan.FromSeconds(20));

        generator.Tell(new RunRounds(1, Id, 1, rounds), gCoordinator.Ref);
        var metrics = new List<RoundMetrics>();
        while (metrics.Count < rounds)
        {
            metrics.Add(gCoordinator.FishForMessage<RoundCompleted>(_ => true, TimeSpan.FromSeconds(20)).Metrics);
        }

        relayed = [];
        while (toDiscriminator.HasMessages)
        {
            relayed.Add(toDiscriminator.ReceiveOne(TimeSpan.Zero)!);
        }

        Sys.Stop(generator);
        Sys.Stop(discriminator);
        return metrics;
    }

    private TestProbe Relay(out ForwardingTarget target)
    {
        var probe = CreateTestProbe();
        var holder = new ForwardingTarget();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            // The far worker may still be starting when the first message comes.
            SpinWait.SpinUntil(() => holder.Actor is not null, TimeSpan.FromSeconds(10));
            holder.Actor!.Tell(message, sender);
            return AutoPilot.KeepRunning;
        }));
        target = holder;
        return probe;
    }

    private sealed class ForwardingTarget
    {
        public volatile IActorRef? Actor;
    }
}
