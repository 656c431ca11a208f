using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>
/// A 2-D mixture of isotropic Gaussians with equal weights: the standard mode-collapse benchmarks, 8 modes on
/// a ring and 25 modes on a 5x5 grid (Metz et al. 2016, VEEGAN, PacGAN).
/// </summary>
public sealed class GaussianMixture2D
{
    private readonly float[,] _means;

    private GaussianMixture2D(float[,] means, double std, string description)
    {
        if (!(std > 0) || double.IsInfinity(std))
        {
            throw new ArgumentOutOfRangeException(nameof(std), $"std: {std}; expected a finite standard deviation > 0");
        }

        _means = means;
        Std = std;
        Description = description;
    }

    /// <summary>Standard deviation of every component, in both coordinates.</summary>
    public double Std { get; }

    /// <summary>For logs, for example "8 Gaussians on a ring of radius 2, std 0.02".</summary>
    public string Description { get; }

    /// <summary>Number of components.</summary>
    public int Modes => _means.GetLength(0);

    /// <summary>Component centres, float32 [M, 2]: a new tensor on each call, which the caller disposes.</summary>
    public Tensor Means => tensor(_means);

    /// <summary>Component centres as a copy of the managed array [M, 2].</summary>
    public float[,] MeanArray => (float[,])_means.Clone();

    /// <summary>Modes evenly spaced on a circle of <paramref name="radius"/>, the first at (radius, 0).</summary>
    public static GaussianMixture2D Ring(int modes = 8, double radius = 2.0, double std = 0.02)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(modes, 1);
        var means = new float[modes, 2];
        for (var i = 0; i < modes; i++)
        {
            var angle = 2 * Math.PI * i / modes;
            means[i, 0] = (float)(radius * Math.Cos(angle));
            means[i, 1] = (float)(radius * Math.Sin(angle));
        }

        return new GaussianMixture2D(means, std, $"{modes} Gaussians on a ring of radius {radius}, std {std}");
    }

    /// <summary>
    /// A side x side grid centred at the origin: mode (i, j) sits at ((i - (side - 1) / 2) * spacing,
    /// (j - (side - 1) / 2) * spacing), so for side 5 the coordinates are (i - 2) * spacing.
    /// </summary>
    public static GaussianMixture2D Grid(int side = 5, double spacing = 2.0, double std = 0.02)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        var means = new float[side * side, 2];
        var offset = (side - 1) / 2.0;
        for (var i = 0; i < side; i++)
        {
            for (var j = 0; j < side; j++)
            {
                means[(i * side) + j, 0] = (float)((i - offset) * spacing);
                means[(i * side) + j, 1] = (float)((j - offset) * spacing);
            }
        }

        return new GaussianMixture2D(means, std, $"{side}x{side} grid of Gaussians, spacing {spacing}, std {std}");
    }

    /// <summary>
    /// Draws <paramref name="count"/> points: a uniformly chosen component (the label) plus Gaussian noise.
    /// Deterministic in <paramref name="seed"/>: it uses its own generator, never torch's global one.
    /// </summary>
    public SampleSet Sample(int count, long seed, string split = "sample")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var scope = NewDisposeScope();
        using var generator = new Generator(SeedMixer.Mix(seed, 0));
        var means = Means;
        var labels = randint(0, Modes, new long[] { count }, dtype: int64, generator: generator);
        var noise = randn(new long[] { count, 2 }, dtype: float32, generator: generator);
        using var std = Std.ToScalar();
        var points = means.index_select(0, labels).add_(noise.mul_(std), KeptScalars.DefaultAlpha);
        return new SampleSet(points.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), Modes, $"{Description}, {split} ({count} points)");
    }
}
