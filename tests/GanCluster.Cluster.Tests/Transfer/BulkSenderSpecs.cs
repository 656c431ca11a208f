using Akka.Actor;
using Akka.TestKit;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using Xunit;

namespace GanCluster.Cluster.Tests.Transfer;

public sealed class BulkSenderSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    public BulkSenderSpecs()
        : base(TransferData.Local)
    {
    }

    [Fact]
    public void A_5_MB_half_checkpoint_arrives_complete_and_equal_through_a_chunk_receiver()
    {
        var bulk = Sys.ActorOf(BulkSender.Props(BulkSenderSettings.Default));
        var destination = CreateTestProbe();
        var receiver = new ChunkReceiver(Sys);
        var checkpoint = TransferData.Checkpoint(5_000_000);

        bulk.Tell(new BulkSend(destination.Ref, checkpoint, NotifyCompletion: true));

        object? received = null;
        var chunks = 0;
        while (received is null)
        {
            var chunk = destination.ExpectMsg<MessageChunk>();
            Assert.Equal(bulk, destination.LastSender);
            Assert.True(chunk.Data.Length <= BulkSenderSettings.Default.ChunkSize);
            chunks++;
            receiver.TryAccept(chunk, destination.LastSender, out received);
        }

        Assert.Equal(5, chunks);
        var arrived = Assert.IsType<HalfCheckpoint>(received);
        Assert.Equal(checkpoint, arrived);
        Assert.Equal(checkpoint.Sha256, TransferData.Sha256(arrived.State));
        ExpectMsg<BulkSendCompleted>();
        destination.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Never_more_than_the_window_of_chunks_is_unacknowledged()
    {
        var settings = BulkSenderSettings.Default with { ChunkSize = 64 * 1024, Window = 4 };
        var bulk = Sys.ActorOf(BulkSender.Props(settings));
        var destination = CreateTestProbe();
        var checkpoint = TransferData.Checkpoint(1_000_000);

        bulk.Tell(new BulkSend(destination.Ref, checkpoint, NotifyCompletion: true));

        var unacked = new List<MessageChunk>();
        for (var i = 0; i < 4; i++)
        {
            unacked.Add(destination.ExpectMsg<MessageChunk>());
        }

        destination.ExpectNoMsg(Quiet);
        var all = new List<MessageChunk>(unacked);
        var count = unacked[0].Count;
        Assert.Equal(16, count);

        // One acknowledgement (not of the oldest chunk) opens exactly one slot.
        Ack(bulk, unacked[2]);
        unacked.RemoveAt(2);
        var next = destination.ExpectMsg<MessageChunk>();
        Assert.Equal(4, next.Index);
        unacked.Add(next);
        all.Add(next);
        destination.ExpectNoMsg(Quiet);

        while (unacked.Count > 0)
        {
            Ack(bulk, unacked[0]);
            unacked.RemoveAt(0);
            if (all.Count < count)
            {
                var chunk = destination.ExpectMsg<MessageChunk>();
                all.Add(chunk);
                unacked.Add(chunk);
            }

            Assert.True(unacked.Count <= settings.Window, $"{unacked.Count} chunks unacknowledged");
        }

        Assert.Equal(Enumerable.Range(0, count), all.Select(c => c.Index).Order());
        var reassembler = new Reassembler(all[0]);
        all.ForEach(c => reassembler.Add(c));
        Assert.Equal(checkpoint, Sys.Serialization.Deserialize(reassembler.Assemble(), reassembler.SerializerId, reassembler.Manifest));
        ExpectMsg<BulkSendCompleted>();
    }

    [Fact]
    public void Transfers_to_actors_on_the_same_node_share_one_window_in_order()
    {
        var settings = BulkSenderSettings.Default with { ChunkSize = 64 * 1024, Window = 4 };
        var bulk = Sys.ActorOf(BulkSender.Props(settings));
        var first = CreateTestProbe();
        var second = CreateTestProbe();

        bulk.Tell(new BulkSend(first.Ref, TransferData.Checkpoint(200_000)));
        bulk.Tell(new BulkSend(second.Ref, TransferData.Checkpoint(200_000, seed: 2)));

        var firstChunks = Enumerable.Range(0, 4).Select(_ => first.ExpectMsg<MessageChunk>()).ToList();
        first.ExpectNoMsg(Quiet);
        second.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(4, firstChunks[0].Count);

        // The first transfer has all its chunks out; each acknowledgement now lets one chunk of the second go.
        Ack(bulk, firstChunks[0]);
        Assert.Equal(0, second.ExpectMsg<MessageChunk>().Index);
        second.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_small_message_is_told_unchunked_with_the_requester_as_sender()
    {
        var bulk = Sys.ActorOf(BulkSender.Props(BulkSenderSettings.Default));
        var destination = CreateTestProbe();
        var requester = CreateTestProbe();
        var message = new SampleGridImage(TransferData.Id, 10, TransferData.Bytes(200_000));

        bulk.Tell(new BulkSend(destination.Ref, message, NotifyCompletion: true), requester.Ref);

        Assert.Same(message, destination.ExpectMsg<SampleGridImage>());
        Assert.Equal(requester.Ref, destination.LastSender);
        requester.ExpectMsg<BulkSendCompleted>();
    }

    [Fact]
    public void Termination_of_the_destination_fails_the_transfer_and_frees_the_window()
    {
        var settings = BulkSenderSettings.Default with { ChunkSize = 64 * 1024 };
        var bulk = Sys.ActorOf(BulkSender.Props(settings));
        var destination = CreateTestProbe();
        var requester = CreateTestProbe();

        bulk.Tell(new BulkSend(destination.Ref, TransferData.Checkpoint(1_000_000), NotifyCompletion: true), requester.Ref);
        destination.ExpectMsg<MessageChunk>();
        Sys.Stop(destination.Ref);

        Assert.Contains("terminated", requester.ExpectMsg<BulkSendFailed>().Reason);

        // The dead transfer's four slots are free: a new transfer to the same node gets a full window.
        var other = CreateTestProbe();
        bulk.Tell(new BulkSend(other.Ref, TransferData.Checkpoint(1_000_000)), requester.Ref);
        for (var i = 0; i < settings.Window; i++)
        {
            other.ExpectMsg<MessageChunk>();
        }

        requester.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_destination_that_is_already_dead_fails_the_transfer()
    {
        var bulk = Sys.ActorOf(BulkSender.Props(64 * 1024));
        var destination = CreateTestProbe();
        Watch(destination.Ref);
        Sys.Stop(destination.Ref);
        ExpectTerminated(destination.Ref);

        bulk.Tell(new BulkSend(destination.Ref, TransferData.Checkpoint(1_000_000)));

        ExpectMsg<BulkSendFailed>(f => f.Reason.Contains("terminated"));
    }

    [Fact]
    public void A_message_that_cannot_be_serialized_fails_without_losing_other_transfers()
    {
        var settings = BulkSenderSettings.Default with { ChunkSize = 64 * 1024 };
        var bulk = Sys.ActorOf(BulkSender.Props(settings));
        var destination = CreateTestProbe();
        bulk.Tell(new BulkSend(destination.Ref, TransferData.Checkpoint(1_000_000), NotifyCompletion: true));
        var inFlight = Enumerable.Range(0, 4).Select(_ => destination.ExpectMsg<MessageChunk>()).ToList();

        bulk.Tell(new BulkSend(destination.Ref, new HalfCheckpoint(TransferData.Id, WorkerRole.Generator, 1, null!, [1])));

        Assert.Contains("cannot serialize HalfCheckpoint", ExpectMsg<BulkSendFailed>().Reason);
        Ack(bulk, inFlight[0]);
        Assert.Equal(4, destination.ExpectMsg<MessageChunk>().Index);
    }

    [Fact]
    public void A_transfer_without_acknowledgements_fails_after_the_stall_timeout()
    {
        var settings = BulkSenderSettings.Default with { ChunkSize = 64 * 1024, StallTimeout = TimeSpan.FromMilliseconds(400) };
        var bulk = Sys.ActorOf(BulkSender.Props(settings));
        var destination = CreateTestProbe();

        bulk.Tell(new BulkSend(destination.Ref, TransferData.Checkpoint(1_000_000)));

        Assert.Contains("no acknowledgement", ExpectMsg<BulkSendFailed>(TimeSpan.FromSeconds(5)).Reason);
    }

    [Fact]
    public void Settings_must_leave_room_for_the_envelope_in_a_frame()
    {
        Assert.Same(BulkSenderSettings.Default, BulkSenderSettings.Default.Validate(4 * 1024 * 1024));
        Assert.Contains("exceeds maximum-frame-size", Assert.Throws<ArgumentException>(() => (BulkSenderSettings.Default with { ChunkSize = 4 * 1024 * 1024 }).Validate(4 * 1024 * 1024)).Message);
        Assert.Throws<ArgumentException>(() => (BulkSenderSettings.Default with { Window = 0 }).Validate(4 * 1024 * 1024));
    }

    private static void Ack(IActorRef bulk, MessageChunk chunk) => bulk.Tell(new MessageChunkAck(chunk.TransferId, chunk.Index));
}
