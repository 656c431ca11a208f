using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>
/// A 2-D mixture of isotropic Gaussians with equal weights: the standard mode-collapse benchmarks, 8 modes
/// on a ring and 25 modes on a 5x5 grid (as in VEEGAN, PacGAN and others).
/// </summary>
public sealed class GaussianMixture2D
{
    private readonly float[] _means;

    private GaussianMixture2D(float[] means, double std, string description)
    {
        _means = means;
        Std = std;
        Description = description;
    }

    public double Std { get; }

    public string Description { get; }

    public int Modes => _means.Length / 2;

    /// <summary>Mode centres, float32 [M, 2] (a new tensor on each call: the caller disposes it).</summary>
    public Tensor Means => tensor(_means).view(Modes, 2);

    public static GaussianMixture2D Ring(int modes, double radius, double std)
    {
        var means = new float[modes * 2];
        for (var i = 0; i < modes; i++)
        {
            var angle = 2 * Math.PI * i / modes;
            means[2 * i] = (float)(radius * Math.Cos(angle));
            means[(2 * i) + 1] = (float)(radius * Math.Sin(angle));
        }

        return new GaussianMixture2D(means, std, $"{modes} Gaussians on a ring of radius {radius}, std {std}");
    }

    public static GaussianMixture2D Grid(int side, double spacing, double std)
    {
        var means = new float[side * side * 2];
        var offset = (side - 1) / 2.0;
        for (var i = 0; i < side; i++)
        {
            for (var j = 0; j < side; j++)
            {
                var m = (i * side) + j;
                means[2 * m] = (float)((i - offset) * spacing);
                means[(2 * m) + 1] = (float)((j - offset) * spacing);
            }
        }

        return new GaussianMixture2D(means, std, $"{side}x{side} grid of Gaussians, spacing {spacing}, std {std}");
    }

    /// <summary>Draws <paramref name="count"/> points, deterministically from <paramref name="seed"/>; labels are the components.</summary>
    public SampleSet Sample(int count, long seed, string split)
    {
        using var generator = new Generator((ulong)seed);
        using var means = Means;
        var labels = randint(0, Modes, count, dtype: int64, generator: generator);
        using var noise = randn(new long[] { count, 2 }, generator: generator);
        var points = means.index_select(0, labels) + (noise * Std);
        return new SampleSet(points, labels, Modes, $"{Description}, {split}");
    }
}
