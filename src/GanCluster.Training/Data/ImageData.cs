using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>Turns IDX images and labels into a <see cref="SampleSet"/> (float [N,1,H,W] in [0,1], int64 labels).</summary>
public static class ImageData
{
    public static SampleSet FromIdx(IdxArray images, IdxArray labels, string description, int? start = null, int? count = null)
    {
        if (images.Dimensions.Length != 3)
        {
            throw new DataFormatException($"{description}: images must have 3 dimensions (count, rows, columns); found {images.Dimensions.Length}");
        }

        if (labels.Dimensions.Length != 1 || labels.Count != images.Count)
        {
            throw new DataFormatException($"{description}: {images.Count} images but {labels.Count} labels; the image and label files must belong together");
        }

        var (rows, columns) = (images.Dimensions[1], images.Dimensions[2]);
        var from = start ?? 0;
        var n = count ?? (images.Count - from);
        var pixels = rows * columns;
        var floats = new float[(long)n * pixels];
        var source = images.Data.AsSpan(from * pixels, n * pixels);
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = source[i] / 255f;
        }

        var labelValues = new long[n];
        var maxLabel = 0;
        for (var i = 0; i < n; i++)
        {
            labelValues[i] = labels.Data[from + i];
            maxLabel = Math.Max(maxLabel, labels.Data[from + i]);
        }

        return new SampleSet(tensor(floats).view(n, 1, rows, columns), tensor(labelValues), Math.Max(10, maxLabel + 1), description);
    }
}
