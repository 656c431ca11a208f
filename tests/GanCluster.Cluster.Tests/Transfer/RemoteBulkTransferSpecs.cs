using System.Diagnostics;
using Akka.Actor;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace GanCluster.Cluster.Tests.Transfer;

/// <summary>
/// Two ActorSystems in this process, connected by Akka.Remote on 127.0.0.1 with the cluster's 4 MiB frame:
/// the TestKit's system receives, a second system sends through its <see cref="BulkSender"/>.
/// </summary>
public sealed class RemoteBulkTransferSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;
    private readonly ActorSystem _sender;
    private readonly IActorRef _bulk;
    private readonly IActorRef _receiver;

    public RemoteBulkTransferSpecs(ITestOutputHelper output)
        : base(TransferData.Remote, "receiver", output)
    {
        _output = output;
        _sender = ActorSystem.Create("sender", TransferData.Remote);
        _bulk = _sender.ActorOf(BulkSender.Props(BulkSenderSettings.Default.Validate(4 * 1024 * 1024)), "bulk-sender");
        Sys.ActorOf(ChunkReceivingActor.Props(TestActor), "receiver");
        var receiverAddress = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        _receiver = _sender.ActorSelection(new RootActorPath(receiverAddress) / "user" / "receiver").ResolveOne(Patience).Result;
    }

    [Fact]
    public void A_9_MB_half_checkpoint_crosses_systems_intact()
    {
        var checkpoint = TransferData.Checkpoint(9 * 1024 * 1024);
        var inbox = Inbox.Create(_sender);
        Assert.True(checkpoint.State.Length > 2 * 4 * 1024 * 1024, "the payload must exceed the frame size to prove chunking");

        var clock = Stopwatch.StartNew();
        inbox.Send(_bulk, new BulkSend(_receiver, checkpoint, NotifyCompletion: true));
        var arrived = ExpectMsg<HalfCheckpoint>(Patience);
        var arrivedAfter = clock.Elapsed;

        Assert.IsType<BulkSendCompleted>(inbox.Receive(Patience));
        Assert.NotSame(checkpoint, arrived);
        Assert.Equal(checkpoint.Sha256, TransferData.Sha256(arrived.State));
        Assert.Equal(checkpoint with { State = [] }, arrived with { State = [] });
        _output.WriteLine(
            $"BulkSender over loopback: {checkpoint.State.Length} bytes in {arrivedAfter.TotalMilliseconds:F0} ms = {checkpoint.State.Length / arrivedAfter.TotalSeconds / 1e6:F1} MB/s (first transfer on a fresh association)");
    }

    [Fact]
    public void An_assignment_with_a_large_state_keeps_its_peer_reference_usable_across_systems()
    {
        var peer = Inbox.Create(_sender);
        var state = TransferData.Bytes(5_000_000);
        var assign = new AssignExperiment(3, TransferData.Id, "{}", WorkerRole.Generator, peer.Receiver, 501, state, TransferData.Sha256(state));

        _bulk.Tell(new BulkSend(_receiver, assign));
        var arrived = ExpectMsg<AssignExperiment>(Patience);

        Assert.Equal(TransferData.Sha256(state), TransferData.Sha256(arrived.HalfState!));
        Assert.Equal(((ExtendedActorSystem)_sender).Provider.DefaultAddress, arrived.Peer.Path.Address);
        arrived.Peer.Tell(new ExperimentReady(TransferData.Id, WorkerRole.Discriminator, 501));
        Assert.Equal(new ExperimentReady(TransferData.Id, WorkerRole.Discriminator, 501), peer.Receive(Patience));
    }

    [Fact]
    public void A_small_message_crosses_systems_unchunked()
    {
        var inbox = Inbox.Create(_sender);

        inbox.Send(_bulk, new BulkSend(_receiver, new ExperimentAccepted(TransferData.Id), NotifyCompletion: true));

        Assert.Equal(new ExperimentAccepted(TransferData.Id), ExpectMsg<ExperimentAccepted>(Patience));
        Assert.IsType<BulkSendCompleted>(inbox.Receive(Patience));
    }

    protected override void AfterAll()
    {
        _sender.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
