using System.Buffers.Binary;
using System.IO.Compression;

namespace GanCluster.Training.Data;

/// <summary>A data file is not what it claims to be; the message names the file, the problem and the fix.</summary>
public sealed class DataFormatException(string message) : Exception(message);

/// <summary>An IDX array: unsigned bytes with their dimensions (MNIST's file format).</summary>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    public int Count => Dimensions[0];
}

/// <summary>
/// Reads and writes MNIST-format IDX files (big-endian header: 0x00 0x00 type=0x08 (ubyte) rank, then
/// rank int32 sizes, then the data), gzip-compressed or not: compression is detected from the content.
/// </summary>
public static class Idx
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    public static IdxArray Read(string path, int expectedMagic)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found");
        }

        byte[] bytes;
        try
        {
            bytes = ReadMaybeGzip(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: damaged gzip stream ({e.Message}); download the file again");
        }

        return Parse(bytes, expectedMagic, path);
    }

    public static IdxArray Parse(byte[] bytes, int expectedMagic, string origin)
    {
        var kind = expectedMagic == ImagesMagic ? "images (idx3-ubyte)" : "labels (idx1-ubyte)";
        if (bytes.Length < 4)
        {
            throw new DataFormatException($"{origin}: {bytes.Length} bytes is too short for an IDX file; expected {kind}");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
        {
            throw new DataFormatException($"{origin}: magic number 0x{magic:X8}; expected 0x{expectedMagic:X8} for {kind}. Is this the right file (images vs labels)?");
        }

        var rank = bytes[3];
        var headerLength = 4 + (4 * rank);
        if (bytes.Length < headerLength)
        {
            throw new DataFormatException($"{origin}: truncated header ({bytes.Length} bytes, the header needs {headerLength}); download the file again");
        }

        var dims = new int[rank];
        long total = 1;
        for (var i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            if (dims[i] < 0)
            {
                throw new DataFormatException($"{origin}: negative dimension {dims[i]} in the header");
            }

            total *= dims[i];
        }

        if (bytes.Length - headerLength < total)
        {
            throw new DataFormatException(
                $"{origin}: truncated: the header promises {string.Join(" x ", dims)} = {total} bytes of data but the file holds {bytes.Length - headerLength}; download the file again");
        }

        return new IdxArray(dims, bytes.AsSpan(headerLength, (int)total).ToArray());
    }

    /// <summary>Writes an IDX file (gzip-compressed when the path ends in .gz).</summary>
    public static void Write(string path, int magic, int[] dimensions, ReadOnlySpan<byte> data)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal) : file;
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        stream.Write(word);
        foreach (var d in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            stream.Write(word);
        }

        stream.Write(data);
    }

    internal static byte[] ReadMaybeGzip(string path) => ReadMaybeGzip(File.OpenRead(path));

    internal static byte[] ReadMaybeGzip(Stream source)
    {
        using (source)
        {
            using var buffer = new MemoryStream();
            source.CopyTo(buffer);
            var bytes = buffer.ToArray();
            if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                return output.ToArray();
            }

            return bytes;
        }
    }
}
