using System.Buffers.Binary;
using System.IO.Compression;

namespace GanCluster.Training.Data;

/// <summary>
/// Reads MNIST-format IDX files: a big-endian header (two zero bytes, the element type 0x08 = unsigned
/// byte, the number of dimensions, then one int32 size per dimension) followed by the data, row-major.
/// Files may be gzip-compressed; compression is detected from the gzip magic bytes 1f 8b, never from the
/// file name, because downloads are often renamed or decompressed by browsers.
/// Every problem is a <see cref="DataFormatException"/> naming the file, the problem, the expectation and the fix.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of idx3-ubyte image files: unsigned bytes, 3 dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of idx1-ubyte label files: unsigned bytes, 1 dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;

    private const string Redownload = "download the file again (or copy it again from the original distribution)";

    /// <summary>Reads an idx3-ubyte image file: dimensions [count, rows, columns].</summary>
    public static IdxArray ReadImages(string path) => Parse(ReadFile(path), ImagesMagic, path);

    /// <summary>Reads an idx1-ubyte label file: dimensions [count].</summary>
    public static IdxArray ReadLabels(string path) => Parse(ReadFile(path), LabelsMagic, path);

    /// <summary>Reads an image file and its label file and checks that they hold the same number of items.</summary>
    public static (IdxArray Images, IdxArray Labels) ReadPair(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        CheckPair(images, labels, imagesPath, labelsPath);
        return (images, labels);
    }

    /// <summary>Reads an IDX file (compressed or not) from a stream; <paramref name="origin"/> names it in errors.</summary>
    public static IdxArray Read(Stream stream, int expectedMagic, string origin) => Parse(Decompress(ReadAll(stream), origin), expectedMagic, origin);

    /// <summary>Throws unless the images and the labels describe the same number of items.</summary>
    public static void CheckPair(IdxArray images, IdxArray labels, string imagesOrigin, string labelsOrigin)
    {
        if (images.Count != labels.Count)
        {
            throw new DataFormatException(
                $"{labelsOrigin}: holds {labels.Count} labels but {imagesOrigin} holds {images.Count} images; expected one label per image. " +
                "Fix: use the label file that belongs to this image file (train-* with train-*, t10k-* with t10k-*).");
        }
    }

    /// <summary>Parses the bytes of an uncompressed IDX file; <paramref name="origin"/> names it in errors.</summary>
    public static IdxArray Parse(byte[] bytes, int expectedMagic, string origin)
    {
        var kind = Describe(expectedMagic);
        if (bytes.Length < 4)
        {
            throw new DataFormatException(
                $"{origin}: {bytes.Length} bytes is too short to be an IDX file; expected {kind} starting with magic number 0x{expectedMagic:X8}. Fix: {Redownload}.");
        }

        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
        {
            throw new DataFormatException($"{origin}: magic number 0x{magic:X8}; expected 0x{expectedMagic:X8} ({kind}). Fix: {MagicHint(magic, expectedMagic)}.");
        }

        var rank = bytes[3];
        var headerLength = 4 + (4 * rank);
        if (bytes.Length < headerLength)
        {
            throw new DataFormatException(
                $"{origin}: truncated header: the file has {bytes.Length} bytes but a header of {rank} dimensions needs {headerLength}. Fix: {Redownload}.");
        }

        var dimensions = new int[rank];
        long total = 1;
        for (var i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            if (dimensions[i] < 0)
            {
                throw new DataFormatException(
                    $"{origin}: dimension {i} is {dimensions[i]}; expected a size >= 0 (sizes are big-endian int32). Fix: {Redownload}.");
            }

            total *= dimensions[i];
        }

        var available = bytes.LongLength - headerLength;
        if (available < total)
        {
            throw new DataFormatException(
                $"{origin}: truncated: the header promises {string.Join(" x ", dimensions)} = {total} bytes of data but the file holds only {available}. Fix: {Redownload}.");
        }

        if (available > total)
        {
            // Trailing bytes mean the header and the data disagree: a concatenated or corrupted file, not a variant.
            throw new DataFormatException(
                $"{origin}: {available - total} bytes follow the {string.Join(" x ", dimensions)} = {total} bytes the header announces; expected the file to end there. Fix: {Redownload}.");
        }

        return new IdxArray(magic, dimensions, bytes.AsSpan(headerLength).ToArray());
    }

    /// <summary>True when the bytes start with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: file not found; expected an IDX file there. Fix: check the path (dataPath) or download the file.");
        }

        return Decompress(File.ReadAllBytes(path), path);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] Decompress(byte[] bytes, string origin)
    {
        if (!IsGzip(bytes))
        {
            return bytes;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{origin}: damaged gzip stream ({e.Message}); expected a valid gzip-compressed IDX file. Fix: {Redownload}.", e);
        }
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "an idx3-ubyte image file",
        LabelsMagic => "an idx1-ubyte label file",
        _ => $"an IDX file of type 0x{(magic >> 8) & 0xFF:X2} with {magic & 0xFF} dimensions",
    };

    private static string MagicHint(int magic, int expected)
    {
        if ((magic == ImagesMagic && expected == LabelsMagic) || (magic == LabelsMagic && expected == ImagesMagic))
        {
            return $"this is {Describe(magic)}; the image and label files seem swapped";
        }

        if ((magic & unchecked((int)0xFFFF0000)) != 0)
        {
            return $"this is not an IDX file (an IDX file starts with two zero bytes); it may be an HTML error page or another format: {Redownload}";
        }

        return $"this IDX file holds {Describe(magic)}; only unsigned-byte MNIST-format files are supported";
    }
}
