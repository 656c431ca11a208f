using System.Globalization;
using GanCluster.Training.Data;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Codec;

/// <summary>
/// The images <c>gancluster compress</c> reads and <c>decompress</c> writes: an IDX image file of 28x28 digits (MNIST
/// format, gzip or not), or <c>mnist:FROM-TO</c>, the bundled digits FROM..TO inclusive (<c>mnist:8000-9999</c> is the
/// held-out split every codec preset evaluates on).
/// </summary>
public static class CodecImages
{
    /// <summary>Images [N, 1, 28, 28] in [0, 1] (CPU) from <paramref name="source"/>.</summary>
    public static Tensor Load(string source)
    {
        if (source.StartsWith("mnist:", StringComparison.OrdinalIgnoreCase))
        {
            var range = source["mnist:".Length..].Split('-');
            if (range.Length != 2 || !int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var to) || from > to || to > 9999)
            {
                throw new ArgumentException($"images: '{source}' is not a range of the bundled digits; write mnist:FROM-TO with 0 <= FROM <= TO <= 9999 (e.g. mnist:8000-9999)");
            }

            using var all = BundledMnist.LoadAll();
            using var digits = all.Samples.narrow(0, from, to - from + 1); // held until clone() returns
            return digits.clone();
        }

        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"images: '{source}' does not exist; give an IDX image file of 28x28 digits or mnist:FROM-TO for the bundled digits");
        }

        var idx = IdxReader.ReadImages(source);
        if (idx.Dimensions.Length != 3 || idx.Dimensions[1] != 28 || idx.Dimensions[2] != 28)
        {
            throw new DataFormatException($"{source}: images of {string.Join(" x ", idx.Dimensions[1..])}; the codec codes 28 x 28 digits (MNIST format). Fix: give an MNIST-format IDX image file.");
        }

        // Temporaries held until the calls that read them return; a kept float scalar (see KeptScalars).
        using var bytes = tensor(idx.Data, new long[] { idx.Count, 1, 28, 28 });
        using var floats = bytes.to(ScalarType.Float32);
        return floats.div(KeptScalars.OfSingle(255.0f));
    }

    /// <summary>Writes images [N, 1, 28, 28] in [0, 1] as an IDX image file (pixels rounded to bytes).</summary>
    public static void WriteIdx(Tensor images, string path)
    {
        using var scope = NewDisposeScope();
        var bytes = images.mul(KeptScalars.OfSingle(255.0f)).round().clamp(KeptScalars.OfInteger(0), KeptScalars.OfInteger(255)).to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        IdxWriter.WriteImages(path, bytes, (int)images.shape[0], 28, 28);
    }
}
