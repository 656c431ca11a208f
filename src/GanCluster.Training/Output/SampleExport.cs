using System.Globalization;
using System.Text;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Output;

/// <summary>Exports generated samples: CSV for 2-D points, NPY and IDX for images.</summary>
public static class SampleExport
{
    public static void WriteCsv(Tensor points, string path)
    {
        var xy = points.detach().cpu().to(float32).contiguous().data<float>().ToArray();
        var text = new StringBuilder("x,y\n");
        for (var i = 0; i + 1 < xy.Length; i += 2)
        {
            text.Append(xy[i].ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(xy[i + 1].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>NPY format 1.0: magic, header dict padded so the data starts at a multiple of 64 bytes, float32 little-endian C order.</summary>
    public static void WriteNpy(Tensor values, string path)
    {
        using var cpu = values.detach().cpu().to(float32).contiguous();
        var shape = cpu.shape.Length == 1 ? $"({cpu.shape[0]},)" : $"({string.Join(", ", cpu.shape)})";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        var total = 10 + header.Length + 1;
        header += new string(' ', (64 - (total % 64)) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(cpu.bytes);
    }

    /// <summary>Images [N, 1, H, W] in [0, 1] as an idx3-ubyte file (round(v * 255)).</summary>
    public static void WriteIdx(Tensor images, string path)
    {
        using var bytes = (images.detach().cpu().clamp(0, 1) * 255).round().to(uint8).contiguous();
        Idx.Write(path, Idx.ImagesMagic, [(int)images.shape[0], (int)images.shape[2], (int)images.shape[3]], bytes.bytes);
    }
}
