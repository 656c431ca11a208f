using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>
/// An in-memory data set of real samples: images as float32 [N, 1, H, W] in [0, 1], or 2-D points as
/// float32 [N, 2]; labels as int64 [N] (class, or mixture component for 2-D data).
/// </summary>
public sealed class SampleSet : IDisposable
{
    public SampleSet(Tensor samples, Tensor labels, int classes, string description)
    {
        if (samples.shape[0] != labels.shape[0])
        {
            throw new ArgumentException($"samples ({samples.shape[0]}) and labels ({labels.shape[0]}) differ in count");
        }

        Samples = samples;
        Labels = labels;
        Classes = classes;
        Description = description;
    }

    /// <summary>float32 [N, ...sample shape].</summary>
    public Tensor Samples { get; }

    /// <summary>int64 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Number of distinct classes (10 for digits, number of modes for mixtures).</summary>
    public int Classes { get; }

    /// <summary>Human-readable origin, for logs (for example "bundled MNIST 10k, training split").</summary>
    public string Description { get; }

    public int Count => (int)Samples.shape[0];

    /// <summary>Shape of one sample, for example [1, 28, 28] or [2].</summary>
    public long[] SampleShape => Samples.shape[1..];

    public void Dispose()
    {
        Samples.Dispose();
        Labels.Dispose();
    }
}
