using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>Turns IDX images and labels into a <see cref="SampleSet"/>: float32 [N, 1, H, W] in [0, 1] and int64 labels.</summary>
public static class ImageData
{
    /// <summary>Side of MNIST and Fashion-MNIST images; every image model and the Parzen evaluation assume it.</summary>
    public const int Side = 28;

    /// <summary>Classes of MNIST and Fashion-MNIST.</summary>
    public const int Classes = 10;

    /// <summary>
    /// Items [start, start + count) of a checked image/label pair (see <see cref="IdxReader.ReadPair"/>).
    /// Images must be 28x28 and labels below 10: other files would fail much later, inside a model.
    /// </summary>
    public static SampleSet FromIdx(IdxArray images, IdxArray labels, string origin, string description, int start = 0, int? count = null)
    {
        if (images.Dimensions.Length != 3 || images.Dimensions[1] != Side || images.Dimensions[2] != Side)
        {
            throw new DataFormatException(
                $"{origin}: images of {string.Join(" x ", images.Dimensions[1..])}; expected {Side} x {Side} (MNIST format). Fix: use MNIST or Fashion-MNIST IDX files, or resize the data set to 28x28.");
        }

        IdxReader.CheckPair(images, labels, origin, origin);
        var n = count ?? (images.Count - start);
        if (start < 0 || n < 0 || start + n > images.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"items [{start}, {start + n}) are outside the {images.Count} items of {origin}");
        }

        var labelBytes = labels.Data.AsSpan(start, n);
        var bad = labelBytes.IndexOfAnyInRange((byte)Classes, byte.MaxValue);
        if (bad >= 0)
        {
            throw new DataFormatException(
                $"{origin}: label {labelBytes[bad]} at item {start + bad}; expected class labels 0-{Classes - 1}. Fix: use the label file of an MNIST-format data set.");
        }

        using var scope = NewDisposeScope();
        const int pixels = Side * Side;

        // Bytes go into a uint8 tensor and are converted there: one native pass instead of a managed float[] copy.
        var raw = tensor(images.Data.AsSpan(start * pixels, n * pixels).ToArray(), new long[] { n, 1, Side, Side });
        var samples = raw.to(float32).div_(KeptScalars.OfSingle(255f)); // a kept float scalar, not a temporary (see KeptScalars)
        var classes = tensor(labelBytes.ToArray(), new long[] { n }).to(int64);
        return new SampleSet(samples.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope(), Classes, description);
    }
}
