using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using GanCluster.Training.Data;
using GanCluster.Training.Output;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Output;

public sealed class SampleExportTests
{
    [Fact]
    public void Csv_has_an_x_y_header_and_round_trips_floats()
    {
        using var folder = new TempFolder();
        float[] values = [1.5f, -2.25f, 1e-7f, 3f, 0.1f, 123456.79f];
        using var points = tensor(values).view(3, 2);

        SampleExport.WriteCsv(points, folder.File("points.csv"));

        var lines = File.ReadAllLines(folder.File("points.csv"));
        Assert.Equal("x,y", lines[0]);
        Assert.Equal("1.5,-2.25", lines[1]);
        Assert.Equal(4, lines.Length);
        var parsed = lines[1..].SelectMany(l => l.Split(',')).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(values, parsed);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 4 }, "(2, 3, 4)")]
    [InlineData(new long[] { 5 }, "(5,)")]
    [InlineData(new long[] { 3, 1, 28, 28 }, "(3, 1, 28, 28)")]
    public void Npy_has_an_aligned_version_1_header_and_little_endian_float_data(long[] shape, string expectedShape)
    {
        using var folder = new TempFolder();
        using var values = arange(KeptScalars.OfInteger(shape.Aggregate(1L, (a, b) => a * b)), dtype: float32).mul(KeptScalars.Of(0.5)).view(shape);

        SampleExport.WriteNpy(values, folder.File("values.npy"));

        var bytes = File.ReadAllBytes(folder.File("values.npy"));
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.StartsWith($"{{'descr': '<f4', 'fortran_order': False, 'shape': {expectedShape}, }}", header);
        var data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLength)).ToArray();
        Assert.Equal(values.data<float>().ToArray(), data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_export_reads_back_as_rounded_bytes(bool gzip)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var images = arange(KeptScalars.OfInteger(2 * 28 * 28), dtype: float32).remainder(KeptScalars.OfInteger(256)).div(KeptScalars.OfInteger(255)).view(2, 1, 28, 28);
        images[0, 0, 0, 0] = tensor(-0.5f); // clamped to 0
        images[0, 0, 0, 1] = tensor(1.5f); // clamped to 255
        images[0, 0, 0, 2] = tensor(0.299f); // 76.245 rounds to 76

        SampleExport.WriteIdx(images, folder.File("samples-idx3-ubyte"), gzip);

        var read = IdxReader.ReadImages(folder.File("samples-idx3-ubyte"));
        Assert.Equal([2, 28, 28], read.Dimensions);
        var expected = Enumerable.Range(0, 2 * 784).Select(i => (byte)(i % 256)).ToArray();
        expected[0] = 0;
        expected[1] = 255;
        expected[2] = 76;
        Assert.Equal(expected, read.Data);
    }
}
