using Akka.Actor;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using GanCluster.Protocol.Serialization;
using Xunit;

namespace GanCluster.Cluster.Tests.Transfer;

public sealed class ChunkReceiverSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const int ChunkSize = 4096;

    public ChunkReceiverSpecs()
        : base(TransferData.Local)
    {
    }

    [Fact]
    public void Acknowledges_every_chunk_and_yields_the_deserialized_message_when_complete()
    {
        var sender = CreateTestProbe();
        var receiver = new ChunkReceiver(Sys);
        var message = TransferData.Checkpoint(20_000);
        var chunks = ChunksOf(message, transferId: 11).OrderByDescending(c => c.Index).ToList();

        object? complete = null;
        foreach (var chunk in chunks)
        {
            Assert.Null(complete);
            receiver.TryAccept(chunk, sender.Ref, out complete);
            sender.ExpectMsg<MessageChunkAck>(a => a.TransferId == 11 && a.Index == chunk.Index);
        }

        Assert.Equal(message, complete);
        Assert.Equal(0, receiver.InProgress);
    }

    [Fact]
    public void Drops_a_transfer_with_an_inconsistent_chunk_and_ignores_its_later_chunks()
    {
        var sender = CreateTestProbe();
        var receiver = new ChunkReceiver(Sys);
        var chunks = ChunksOf(TransferData.Checkpoint(20_000), transferId: 12);

        Assert.False(receiver.TryAccept(chunks[0], sender.Ref, out _));
        sender.ExpectMsg<MessageChunkAck>();
        Assert.False(receiver.TryAccept(chunks[1] with { Count = 99 }, sender.Ref, out _));
        foreach (var chunk in chunks.Skip(1))
        {
            Assert.False(receiver.TryAccept(chunk, sender.Ref, out _));
        }

        sender.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, receiver.InProgress);
        Assert.Contains("transfer 12", receiver.LastError);
        Assert.Contains("99 chunks", receiver.LastError);
    }

    [Fact]
    public void Keeps_transfers_of_two_senders_with_the_same_id_apart()
    {
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var receiver = new ChunkReceiver(Sys);
        var a = TransferData.Checkpoint(10_000, seed: 1);
        var b = TransferData.Checkpoint(10_000, seed: 2);
        var chunksA = ChunksOf(a, transferId: 5);
        var chunksB = ChunksOf(b, transferId: 5);

        var completed = new List<object>();
        for (var i = 0; i < chunksA.Count; i++)
        {
            if (receiver.TryAccept(chunksA[i], first.Ref, out var fromFirst))
            {
                completed.Add(fromFirst);
            }

            if (receiver.TryAccept(chunksB[i], second.Ref, out var fromSecond))
            {
                completed.Add(fromSecond);
            }
        }

        Assert.Equal([a, b], completed);
    }

    [Fact]
    public void A_complete_transfer_that_cannot_be_deserialized_is_reported_not_returned()
    {
        var sender = CreateTestProbe();
        var receiver = new ChunkReceiver(Sys);
        var chunk = new MessageChunk(13, 0, 1, GanClusterSerializer.SerializerId, "HCK", [1, 2, 3]);

        Assert.False(receiver.TryAccept(chunk, sender.Ref, out var message));

        Assert.Null(message);
        Assert.Contains("cannot be deserialized", receiver.LastError);
    }

    [Fact]
    public void Drops_the_partial_transfers_of_a_sender_that_is_gone()
    {
        var sender = CreateTestProbe();
        var receiver = new ChunkReceiver(Sys);
        receiver.TryAccept(ChunksOf(TransferData.Checkpoint(10_000), transferId: 14)[0], sender.Ref, out _);
        Assert.Equal(1, receiver.InProgress);

        Assert.Equal(1, receiver.DropTransfersFrom(sender.Ref));

        Assert.Equal(0, receiver.InProgress);
    }

    private List<MessageChunk> ChunksOf(object message, long transferId)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var parts = Chunker.Split(bytes, ChunkSize);
        return parts.Select((p, i) => new MessageChunk(transferId, i, parts.Count, serializer.Identifier, manifest, p)).ToList();
    }
}
