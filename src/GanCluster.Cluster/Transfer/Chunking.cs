using GanCluster.Protocol;

namespace GanCluster.Cluster.Transfer;

/// <summary>Splits a serialized message into chunks no larger than a frame allows.</summary>
public static class Chunker
{
    public static IReadOnlyList<byte[]> Split(byte[] serialized, int chunkSize)
    {
        if (chunkSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be positive");
        }

        var count = Math.Max(1, (serialized.Length + chunkSize - 1) / chunkSize);
        var chunks = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var start = i * chunkSize;
            chunks[i] = serialized.AsSpan(start, Math.Min(chunkSize, serialized.Length - start)).ToArray();
        }

        return chunks;
    }
}

/// <summary>
/// Collects the chunks of one transfer in any order and yields the whole message once every chunk is there.
/// Inconsistent chunks (another count, an index out of range, a duplicate with other content) are errors.
/// </summary>
public sealed class Reassembler
{
    private readonly byte[]?[] _chunks;
    private int _received;

    public Reassembler(MessageChunk first)
    {
        if (first.Count <= 0)
        {
            throw new InvalidDataException($"transfer {first.TransferId}: chunk count {first.Count} must be positive");
        }

        TransferId = first.TransferId;
        SerializerId = first.SerializerId;
        Manifest = first.Manifest;
        _chunks = new byte[first.Count][];
    }

    public long TransferId { get; }

    public int SerializerId { get; }

    public string Manifest { get; }

    public bool IsComplete => _received == _chunks.Length;

    /// <summary>Adds a chunk; returns true when it was new.</summary>
    public bool Add(MessageChunk chunk)
    {
        if (chunk.TransferId != TransferId || chunk.Count != _chunks.Length || chunk.SerializerId != SerializerId || chunk.Manifest != Manifest)
        {
            throw new InvalidDataException($"transfer {TransferId}: chunk {chunk.Index} disagrees with the transfer (count {chunk.Count} vs {_chunks.Length}, manifest '{chunk.Manifest}' vs '{Manifest}')");
        }

        if (chunk.Index < 0 || chunk.Index >= _chunks.Length)
        {
            throw new InvalidDataException($"transfer {TransferId}: chunk index {chunk.Index} is outside 0..{_chunks.Length - 1}");
        }

        if (_chunks[chunk.Index] is { } existing)
        {
            if (!existing.AsSpan().SequenceEqual(chunk.Data))
            {
                throw new InvalidDataException($"transfer {TransferId}: chunk {chunk.Index} arrived twice with different content");
            }

            return false;
        }

        _chunks[chunk.Index] = chunk.Data;
        _received++;
        return true;
    }

    public byte[] Assemble()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"transfer {TransferId}: {_received} of {_chunks.Length} chunks received");
        }

        var total = _chunks.Sum(c => c!.Length);
        var result = new byte[total];
        var offset = 0;
        foreach (var chunk in _chunks)
        {
            chunk!.CopyTo(result, offset);
            offset += chunk.Length;
        }

        return result;
    }
}
