using System.Buffers.Binary;

namespace GanCluster.Training.Codec;

/// <summary>A .gcz file that cannot be read: the message names the problem and what to do about it.</summary>
public sealed class GczFormatException(string message) : Exception(message);

/// <summary>What a .gcz header says about its codes.</summary>
/// <param name="ModelHash">SHA-256 (32 bytes) of the codec's weights (<see cref="CodecModel.Hash"/>): only that model decodes the codes.</param>
/// <param name="Count">Images in the file.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="CodeRows">Code geometry: rows of values per image.</param>
/// <param name="CodeColumns">Code geometry: values per row.</param>
/// <param name="BitsPerValue">Bits per code value (1: binary codes).</param>
public sealed record GczHeader(byte[] ModelHash, int Count, int Height, int Width, int CodeRows, int CodeColumns, int BitsPerValue = 1)
{
    /// <summary>Bits of one image's code.</summary>
    public long BitsPerImage => (long)CodeRows * CodeColumns * BitsPerValue;

    /// <summary>Bytes of the packed codes of every image (bits packed MSB first, image after image, the last byte zero-padded).</summary>
    public long PayloadBytes => ((BitsPerImage * Count) + 7) / 8;
}

/// <summary>A read .gcz file: its header and packed codes.</summary>
public sealed record GczContent(GczHeader Header, ReadOnlyMemory<byte> Codes);

/// <summary>
/// The .gcz byte format of <c>gancluster compress</c>, version 1, little-endian, fixed-width codes:
/// <code>
/// offset size
///      0    4  magic "GCZ" 0x1A
///      4    1  version (1)
///      5   32  SHA-256 of the codec's weights
///     37    4  image count (uint32)
///     41    2  image height (uint16)    43 2 image width (uint16)
///     45    2  code rows (uint16)       47 2 code columns (uint16)
///     49    1  bits per code value
///     50    .  packed codes: count x rows x columns x bits, MSB first, zero-padded to a byte
/// </code>
/// The header costs 50 bytes per file, amortised over its images. Pure functions; <see cref="Read"/> refuses a file that
/// is not a .gcz, of another version, truncated, or with bytes after its codes, naming the problem and the fix.
/// </summary>
public static class GczFile
{
    /// <summary>Bytes before the codes.</summary>
    public const int HeaderSize = 50;

    /// <summary>Format version written and read.</summary>
    public const byte Version = 1;

    private static readonly byte[] Magic = [(byte)'G', (byte)'C', (byte)'Z', 0x1A];

    public static byte[] Write(GczHeader header, ReadOnlySpan<byte> codes)
    {
        if (header.ModelHash.Length != 32)
        {
            throw new ArgumentException($"modelHash: a SHA-256 has 32 bytes; got {header.ModelHash.Length}");
        }

        if (header.Count < 0 || header.Height is < 1 or > ushort.MaxValue || header.Width is < 1 or > ushort.MaxValue
            || header.CodeRows is < 1 or > ushort.MaxValue || header.CodeColumns is < 1 or > ushort.MaxValue || header.BitsPerValue is < 1 or > 32)
        {
            throw new ArgumentException($"gcz header out of range: {header}");
        }

        if (codes.Length != header.PayloadBytes)
        {
            throw new ArgumentException($"codes: {header.Count} images of {header.BitsPerImage} bits need {header.PayloadBytes} bytes; got {codes.Length}");
        }

        var file = new byte[HeaderSize + codes.Length];
        Magic.CopyTo(file, 0);
        file[4] = Version;
        header.ModelHash.CopyTo(file, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(37), (uint)header.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(41), (ushort)header.Height);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(43), (ushort)header.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(45), (ushort)header.CodeRows);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(47), (ushort)header.CodeColumns);
        file[49] = (byte)header.BitsPerValue;
        codes.CopyTo(file.AsSpan(HeaderSize));
        return file;
    }

    /// <param name="origin">The file's name for messages.</param>
    public static GczContent Read(byte[] file, string origin)
    {
        const string rerun = "compress the images again with gancluster compress";
        if (file.Length < Magic.Length || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            var start = Convert.ToHexString(file.AsSpan(0, Math.Min(4, file.Length)));
            throw new GczFormatException($"{origin} is not a .gcz file (it starts with 0x{start}, a .gcz file with 0x475A431A \"GCZ\"): give a file written by gancluster compress");
        }

        if (file.Length < HeaderSize)
        {
            throw new GczFormatException($"{origin} is truncated: {file.Length} bytes, shorter than the {HeaderSize}-byte .gcz header; the file was cut short in copying or writing: {rerun}");
        }

        if (file[4] != Version)
        {
            throw new GczFormatException($"{origin} is .gcz version {file[4]}; this gancluster reads version {Version}: decompress it with the gancluster that wrote it, or {rerun}");
        }

        var header = new GczHeader(
            file.AsSpan(5, 32).ToArray(),
            checked((int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(37))),
            BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(41)),
            BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(43)),
            BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(45)),
            BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(47)),
            file[49]);
        if (header.Height == 0 || header.Width == 0 || header.CodeRows == 0 || header.CodeColumns == 0 || header.BitsPerValue is 0 or > 32)
        {
            throw new GczFormatException($"{origin} has a damaged .gcz header (image {header.Height}x{header.Width}, code {header.CodeRows}x{header.CodeColumns} x {header.BitsPerValue} bits): {rerun}");
        }

        var payload = file.Length - HeaderSize;
        if (payload < header.PayloadBytes)
        {
            throw new GczFormatException($"{origin} is truncated: its header promises {header.Count} images of {header.BitsPerImage} bits ({header.PayloadBytes} bytes of codes) but {payload} bytes follow it; the file was cut short in copying or writing: {rerun}");
        }

        if (payload > header.PayloadBytes)
        {
            throw new GczFormatException($"{origin} has {payload - header.PayloadBytes} bytes after the {header.PayloadBytes} bytes of codes its header promises: it is damaged or two files were joined; {rerun}");
        }

        return new GczContent(header, file.AsMemory(HeaderSize));
    }

    /// <summary>Refuses codes written by another model: the hash in the header must be <paramref name="model"/>'s.</summary>
    public static void RequireModel(GczHeader header, CodecModel model, string origin, string modelOrigin)
    {
        if (!header.ModelHash.AsSpan().SequenceEqual(model.Hash))
        {
            throw new GczFormatException($"{origin} was compressed by the codec with weights sha256 {Convert.ToHexStringLower(header.ModelHash)[..16]}..., "
                + $"but --model {modelOrigin} has {Convert.ToHexStringLower(model.Hash)[..16]}...: decompress with the checkpoint it was compressed with");
        }

        if (header.BitsPerImage != model.Bits || header.Height != 28 || header.Width != 28 || header.BitsPerValue != 1)
        {
            throw new GczFormatException($"{origin} holds {header.Height}x{header.Width} images coded in {header.BitsPerImage} bits; --model {modelOrigin} codes 28x28 images in {model.Bits}: decompress with the checkpoint it was compressed with");
        }
    }
}
