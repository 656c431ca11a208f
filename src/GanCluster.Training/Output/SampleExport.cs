using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using GanCluster.Training.Data;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Output;

/// <summary>Exports generated samples for other tools: CSV for 2-D points, NPY for any tensor, IDX for images.</summary>
public static class SampleExport
{
    /// <summary>Points [N, 2] as CSV with the header x,y; numbers in the invariant culture, shortest round-trip form.</summary>
    public static void WriteCsv(Tensor points, string path)
    {
        if (points.dim() != 2 || points.shape[1] != 2)
        {
            throw new ArgumentException($"points: shape [{string.Join(", ", points.shape)}]; expected [N, 2]", nameof(points));
        }

        using var cpu = points.detach().cpu().to(float32).contiguous();
        var xy = MemoryMarshal.Cast<byte, float>(cpu.bytes);
        var text = new StringBuilder("x,y\n", 16 + (xy.Length * 12));
        for (var i = 0; i + 1 < xy.Length; i += 2)
        {
            text.Append(xy[i].ToString(CultureInfo.InvariantCulture)).Append(',').Append(xy[i + 1].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// Any tensor as NPY format 1.0 (numpy.load reads it): the magic \x93NUMPY, version 1.0, a little-endian
    /// uint16 header length, then the header dict padded with spaces and ended by a newline so that the data
    /// starts at a multiple of 64 bytes, then float32 little-endian values in C order.
    /// </summary>
    public static void WriteNpy(Tensor values, string path)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("NPY export writes the tensor's memory as '<f4' and needs a little-endian machine");
        }

        using var cpu = values.detach().cpu().to(float32).contiguous();
        var shape = cpu.shape.Length switch
        {
            0 => "()",
            1 => $"({cpu.shape[0]},)",
            _ => $"({string.Join(", ", cpu.shape)})",
        };
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        const int preamble = 10; // magic (6) + version (2) + header length (2)
        var unpadded = preamble + header.Length + 1;
        header += new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
        if (header.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"values: a tensor of {cpu.shape.Length} dimensions needs a header too long for NPY 1.0", nameof(values));
        }

        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        file.Write(length);
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(cpu.bytes);
    }

    /// <summary>Images [N, 1, H, W] in [0, 1] (clamped) as an idx3-ubyte file of round(v * 255), gzip-compressed if asked.</summary>
    public static void WriteIdx(Tensor images, string path, bool gzip = false)
    {
        if (images.dim() != 4 || images.shape[1] != 1)
        {
            throw new ArgumentException($"images: shape [{string.Join(", ", images.shape)}]; expected [N, 1, H, W] (grayscale)", nameof(images));
        }

        using var scope = NewDisposeScope();
        var bytes = images.detach().cpu().to(float32).clamp(KeptScalars.Of(0), KeptScalars.One).mul(KeptScalars.Of(255)).round().to(uint8).contiguous();
        IdxWriter.WriteImages(path, bytes.bytes, (int)images.shape[0], (int)images.shape[2], (int)images.shape[3], gzip);
    }
}
