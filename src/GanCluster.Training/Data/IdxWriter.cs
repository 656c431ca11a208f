using System.Buffers.Binary;
using System.IO.Compression;

namespace GanCluster.Training.Data;

/// <summary>Writes MNIST-format IDX files (see <see cref="IdxReader"/>), optionally gzip-compressed.</summary>
public static class IdxWriter
{
    /// <summary>Writes an idx3-ubyte image file of <paramref name="count"/> images of rows x columns bytes.</summary>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int columns, bool gzip = false)
    {
        if ((long)count * rows * columns != pixels.Length)
        {
            throw new ArgumentException($"pixels: {pixels.Length} bytes, expected {count} x {rows} x {columns} = {(long)count * rows * columns}", nameof(pixels));
        }

        Write(path, IdxReader.ImagesMagic, [count, rows, columns], pixels, gzip);
    }

    /// <summary>Writes an idx1-ubyte label file.</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool gzip = false) =>
        Write(path, IdxReader.LabelsMagic, [labels.Length], labels, gzip);

    /// <summary>Writes any unsigned-byte IDX file; the rank in <paramref name="magic"/> must match <paramref name="dimensions"/>.</summary>
    public static void Write(string path, int magic, int[] dimensions, ReadOnlySpan<byte> data, bool gzip = false)
    {
        if ((magic & 0xFF) != dimensions.Length || ((magic >> 8) & 0xFF) != 0x08)
        {
            throw new ArgumentException($"magic: 0x{magic:X8} does not describe unsigned bytes in {dimensions.Length} dimensions", nameof(magic));
        }

        long total = 1;
        foreach (var d in dimensions)
        {
            total *= d;
        }

        if (total != data.Length)
        {
            throw new ArgumentException($"data: {data.Length} bytes, expected {string.Join(" x ", dimensions)} = {total}", nameof(data));
        }

        using var file = File.Create(path);
        using var stream = gzip ? new GZipStream(file, CompressionLevel.Optimal) : (Stream)file;
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
}
