using static TorchSharp.torch;

namespace GanCluster.Training.Monitoring;

/// <summary>
/// Mean pairwise distance of a fake batch and of a real batch of the same step. A generator that collapses
/// onto a few outputs has a fake distance far below the real one, whatever the data set's scale.
/// </summary>
/// <param name="Fake">Mean pairwise L2 distance between the fake samples.</param>
/// <param name="Real">Mean pairwise L2 distance between the real samples.</param>
public sealed record BatchDiversity(double Fake, double Real)
{
    /// <summary>Fake over real; 0 when the real batch has no spread at all.</summary>
    public double Ratio => Real > 0 ? Fake / Real : 0;

    /// <summary>Both batches in the model's range, [N, ...] with N &gt;= 2; no gradients, no random draws.</summary>
    public static BatchDiversity Measure(Tensor fake, Tensor real)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return new(MeanPairwiseDistance(fake), MeanPairwiseDistance(AtScaleOf(real.detach(), fake)));
    }

    /// <summary>
    /// The real batch at the fake batch's scale, so that like is compared with like: when the fake images are the same kind
    /// of images at a coarser scale (a LAPGAN level's 7x7 or 14x14 images against 28x28 digits: same channels, each side
    /// dividing the real one), the real images averaged over blocks to that size; otherwise the real batch as it is.
    /// </summary>
    public static Tensor AtScaleOf(Tensor real, Tensor fake)
    {
        var coarser = real.ndim == 4 && fake.ndim == 4 && real.shape[1] == fake.shape[1]
            && fake.shape[2] < real.shape[2] && fake.shape[3] < real.shape[3]
            && real.shape[2] % fake.shape[2] == 0 && real.shape[3] % fake.shape[3] == 0;
        return coarser ? nn.functional.avg_pool2d(real, new long[] { real.shape[2] / fake.shape[2], real.shape[3] / fake.shape[3] }) : real;
    }

    /// <summary>Mean L2 distance over all ordered pairs of distinct samples of [N, ...]; 0 for N &lt; 2.</summary>
    public static double MeanPairwiseDistance(Tensor samples)
    {
        var n = samples.shape[0];
        if (n < 2)
        {
            return 0;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = samples.detach().flatten(1).to(float64);
        var distances = cdist(flat, flat);
        return distances.sum().item<double>() / (n * (n - 1));
    }
}
