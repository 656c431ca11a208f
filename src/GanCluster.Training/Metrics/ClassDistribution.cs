using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>
/// How generated samples spread over classes (as judged by a classifier): the share of each class, KL(p || uniform)
/// and the smallest share. KL = sum over classes with p &gt; 0 of p log(p K): 0 for a perfectly balanced generator,
/// log K when every sample falls in one class (empty classes add nothing, 0 log 0 = 0), the same convention as
/// <see cref="ModeCoverage"/>.
/// </summary>
/// <param name="Counts">Samples per class.</param>
/// <param name="Shares">Fraction of samples per class.</param>
/// <param name="KlToUniform">KL(p || uniform over the classes), in nats.</param>
/// <param name="MinShare">The smallest share (0 when a class is missing).</param>
public sealed record ClassDistribution(IReadOnlyList<long> Counts, IReadOnlyList<double> Shares, double KlToUniform, double MinShare)
{
    /// <summary>From per-class counts (at least one class; at least one sample).</summary>
    public static ClassDistribution FromCounts(IReadOnlyList<long> counts)
    {
        if (counts.Count == 0 || counts.Any(c => c < 0) || counts.Sum() == 0)
        {
            throw new ArgumentException($"counts: [{string.Join(", ", counts)}]; expected at least one class, no negative count and at least one sample");
        }

        var total = (double)counts.Sum();
        var shares = counts.Select(c => c / total).ToArray();
        var kl = shares.Where(p => p > 0).Sum(p => p * Math.Log(p * counts.Count));
        return new ClassDistribution(counts.ToArray(), shares, Math.Max(0.0, kl), shares.Min());
    }

    /// <summary>From predicted classes [N] (int64) over <paramref name="classes"/> classes.</summary>
    public static ClassDistribution FromPredictions(Tensor predicted, int classes)
    {
        using var scope = NewDisposeScope();
        var counts = predicted.detach().cpu().to(int64).bincount(null, classes).data<long>().ToArray();
        return FromCounts(counts);
    }
}
