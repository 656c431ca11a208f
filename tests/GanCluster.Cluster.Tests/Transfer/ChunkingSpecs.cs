using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using Xunit;

namespace GanCluster.Cluster.Tests.Transfer;

public sealed class ChunkingSpecs
{
    private const int ChunkSize = 1000;

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(999, 1)]
    [InlineData(1000, 1)]
    [InlineData(1001, 2)]
    [InlineData(5007, 6)]
    public void Split_chunks_concatenate_to_the_input_and_only_the_last_is_short(int length, int expectedCount)
    {
        var data = TransferData.Bytes(length);

        var chunks = Chunker.Split(data, ChunkSize);

        Assert.Equal(expectedCount, chunks.Count);
        Assert.Equal(expectedCount, Chunker.CountFor(length, ChunkSize));
        Assert.All(chunks.Take(chunks.Count - 1), c => Assert.Equal(ChunkSize, c.Length));
        Assert.Equal(data, chunks.SelectMany(c => c).ToArray());
    }

    [Fact]
    public void Split_rejects_a_chunk_size_that_is_not_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunker.Split([1, 2, 3], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunker.Slice([1, 2, 3], 2, 2));
    }

    [Fact]
    public void Reassembler_completes_chunks_received_in_order()
    {
        var data = TransferData.Bytes(5007);
        var chunks = Chunks(data);
        var reassembler = new Reassembler(chunks[0]);

        foreach (var chunk in chunks)
        {
            Assert.False(reassembler.IsComplete);
            Assert.True(reassembler.Add(chunk));
        }

        Assert.True(reassembler.IsComplete);
        Assert.Equal(data, reassembler.Assemble());
        Assert.Equal("HCK", reassembler.Manifest);
        Assert.Equal(4711, reassembler.SerializerId);
    }

    [Fact]
    public void Reassembler_completes_chunks_received_in_any_order()
    {
        var data = TransferData.Bytes(5007);
        var shuffled = Chunks(data).OrderBy(_ => Random.Shared.Next()).ToList();
        var reversed = Chunks(data).AsEnumerable().Reverse().ToList();

        foreach (var order in new[] { shuffled, reversed })
        {
            var reassembler = new Reassembler(order[0]);
            order.ForEach(c => reassembler.Add(c));
            Assert.Equal(data, reassembler.Assemble());
        }
    }

    [Fact]
    public void Reassembler_ignores_an_identical_duplicate()
    {
        var chunks = Chunks(TransferData.Bytes(2500));
        var reassembler = new Reassembler(chunks[0]);

        Assert.True(reassembler.Add(chunks[1]));
        Assert.False(reassembler.Add(chunks[1] with { Data = [.. chunks[1].Data] }));

        Assert.Equal(1, reassembler.Received);
    }

    [Fact]
    public void Reassembler_rejects_a_duplicate_with_different_content()
    {
        var chunks = Chunks(TransferData.Bytes(2500));
        var reassembler = new Reassembler(chunks[0]);
        reassembler.Add(chunks[1]);
        var altered = chunks[1].Data.ToArray();
        altered[17] ^= 0xFF;

        var error = Assert.Throws<InvalidDataException>(() => reassembler.Add(chunks[1] with { Data = altered }));
        Assert.Contains("chunk 1 arrived twice with different content", error.Message);
    }

    [Fact]
    public void Reassembler_rejects_a_chunk_with_another_count()
    {
        var chunks = Chunks(TransferData.Bytes(2500));
        var reassembler = new Reassembler(chunks[0]);

        var error = Assert.Throws<InvalidDataException>(() => reassembler.Add(chunks[1] with { Count = 4 }));
        Assert.Contains("has 4 chunks; earlier chunks said 3", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Reassembler_rejects_an_index_out_of_range(int index)
    {
        var chunks = Chunks(TransferData.Bytes(2500));
        var reassembler = new Reassembler(chunks[0]);

        var error = Assert.Throws<InvalidDataException>(() => reassembler.Add(chunks[0] with { Index = index }));
        Assert.Contains($"chunk index {index} is outside 0..2", error.Message);
    }

    [Fact]
    public void Reassembler_rejects_another_transfer_serializer_or_manifest()
    {
        var chunks = Chunks(TransferData.Bytes(2500));
        var reassembler = new Reassembler(chunks[0]);

        Assert.Throws<InvalidDataException>(() => reassembler.Add(chunks[1] with { TransferId = 8 }));
        Assert.Throws<InvalidDataException>(() => reassembler.Add(chunks[1] with { SerializerId = 1 }));
        Assert.Contains("manifest 'ASG'", Assert.Throws<InvalidDataException>(() => reassembler.Add(chunks[1] with { Manifest = "ASG" })).Message);
        Assert.Equal(0, reassembler.Received);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(Reassembler.DefaultMaximumChunks + 1)]
    public void Reassembler_rejects_a_corrupt_count_before_allocating(int count)
    {
        var error = Assert.Throws<InvalidDataException>(() => new Reassembler(new MessageChunk(7, 0, count, 4711, "HCK", [1])));

        Assert.Contains($"chunk count {count}", error.Message);
    }

    [Fact]
    public void Reassembler_cannot_assemble_an_incomplete_transfer()
    {
        var chunks = Chunks(TransferData.Bytes(2500));
        var reassembler = new Reassembler(chunks[0]);
        reassembler.Add(chunks[0]);

        Assert.Contains("1 of 3 chunks", Assert.Throws<InvalidOperationException>(() => reassembler.Assemble()).Message);
    }

    private static List<MessageChunk> Chunks(byte[] data)
    {
        var parts = Chunker.Split(data, ChunkSize);
        return parts.Select((p, i) => new MessageChunk(7, i, parts.Count, 4711, "HCK", p)).ToList();
    }
}
