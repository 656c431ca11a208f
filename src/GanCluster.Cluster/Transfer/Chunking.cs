using GanCluster.Protocol;

namespace GanCluster.Cluster.Transfer;

/// <summary>Splits a serialized message into chunks no larger than a frame allows.</summary>
public static class Chunker
{
    /// <summary>The number of chunks <paramref name="length"/> bytes need (at least one, so an empty message still travels).</summary>
    public static int CountFor(long length, int chunkSize)
    {
        ValidateChunkSize(chunkSize);
        var count = Math.Max(1, (length + chunkSize - 1) / chunkSize);
        return count > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(length), length, "too many chunks") : (int)count;
    }

    /// <summary>Chunk <paramref name="index"/> of <paramref name="serialized"/>, copied into its own array.</summary>
    public static byte[] Slice(byte[] serialized, int chunkSize, int index)
    {
        var count = CountFor(serialized.Length, chunkSize);
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"chunk index must be in 0..{count - 1}");
        }

        var start = (long)index * chunkSize;
        return serialized.AsSpan((int)start, (int)Math.Min(chunkSize, serialized.Length - start)).ToArray();
    }

    /// <summary>Every chunk of <paramref name="serialized"/> in order; their concatenation is the input.</summary>
    public static IReadOnlyList<byte[]> Split(byte[] serialized, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(serialized);
        var count = CountFor(serialized.Length, chunkSize);
        var chunks = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            chunks[i] = Slice(serialized, chunkSize, i);
        }

        return chunks;
    }

    private static void ValidateChunkSize(int chunkSize)
    {
        if (chunkSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be positive");
        }
    }
}

/// <summary>
/// Collects the chunks of one transfer in any order and yields the whole message once every chunk is there.
/// Inconsistent chunks (another count, serializer or manifest, an index out of range, a duplicate with other
/// content) throw <see cref="InvalidDataException"/>; an identical duplicate is ignored.
/// </summary>
public sealed class Reassembler
{
    /// <summary>The largest chunk count accepted by default: 64 GiB at 1 MiB chunks; protects against a corrupt count.</summary>
    public const int DefaultMaximumChunks = 1 << 16;

    private readonly byte[]?[] _chunks;
    private int _received;
    private long _bytes;

    public Reassembler(MessageChunk first, int maximumChunks = DefaultMaximumChunks)
    {
        if (first.Count <= 0 || first.Count > maximumChunks)
        {
            throw new InvalidDataException($"transfer {first.TransferId}: chunk count {first.Count} must be in 1..{maximumChunks}");
        }

        TransferId = first.TransferId;
        SerializerId = first.SerializerId;
        Manifest = first.Manifest;
        _chunks = new byte[first.Count][];
    }

    public long TransferId { get; }

    public int SerializerId { get; }

    public string Manifest { get; }

    public int Count => _chunks.Length;

    public int Received => _received;

    public bool IsComplete => _received == _chunks.Length;

    /// <summary>Adds a chunk; returns true when it was new, false for an identical duplicate.</summary>
    public bool Add(MessageChunk chunk)
    {
        if (chunk.TransferId != TransferId)
        {
            throw new InvalidDataException($"transfer {TransferId}: got a chunk of transfer {chunk.TransferId}");
        }

        if (chunk.Count != _chunks.Length)
        {
            throw new InvalidDataException($"transfer {TransferId}: chunk {chunk.Index} says the transfer has {chunk.Count} chunks; earlier chunks said {_chunks.Length}");
        }

        if (chunk.SerializerId != SerializerId || chunk.Manifest != Manifest)
        {
            throw new InvalidDataException(
                $"transfer {TransferId}: chunk {chunk.Index} names serializer {chunk.SerializerId} manifest '{chunk.Manifest}'; earlier chunks named {SerializerId} '{Manifest}'");
        }

        if (chunk.Index < 0 || chunk.Index >= _chunks.Length)
        {
            throw new InvalidDataException($"transfer {TransferId}: chunk index {chunk.Index} is outside 0..{_chunks.Length - 1}");
        }

        if (_chunks[chunk.Index] is { } existing)
        {
            return existing.AsSpan().SequenceEqual(chunk.Data)
                ? false
                : throw new InvalidDataException($"transfer {TransferId}: chunk {chunk.Index} arrived twice with different content");
        }

        if (_bytes + chunk.Data.Length > Array.MaxLength)
        {
            throw new InvalidDataException($"transfer {TransferId}: more than {Array.MaxLength} bytes");
        }

        _chunks[chunk.Index] = chunk.Data;
        _bytes += chunk.Data.Length;
        _received++;
        return true;
    }

    /// <summary>The concatenated chunks; only once <see cref="IsComplete"/>.</summary>
    public byte[] Assemble()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"transfer {TransferId}: {_received} of {_chunks.Length} chunks received");
        }

        var result = new byte[_bytes];
        var offset = 0;
        foreach (var chunk in _chunks)
        {
            chunk!.CopyTo(result, offset);
            offset += chunk.Length;
        }

        return result;
    }
}
