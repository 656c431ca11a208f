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
    public static BatchDiversity Measure(Tensor fake, Tensor real) => new(MeanPairwiseDistance(fake), MeanPairwiseDistance(real));

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
