using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>Mode coverage of a 2-D mixture.</summary>
/// <param name="ModesCaptured">Modes nearest to at least one high-quality sample.</param>
/// <param name="Modes">Modes of the mixture.</param>
/// <param name="HighQualityFraction">Samples within 3 standard deviations of their nearest mode.</param>
/// <param name="KlToUniform">KL(histogram of high-quality samples over modes || uniform over all modes).</param>
public sealed record ModeCoverageResult(int ModesCaptured, int Modes, double HighQualityFraction, double KlToUniform);

/// <summary>
/// The mode-collapse metrics of the 2-D benchmarks (as in VEEGAN and PacGAN): a sample is high quality if
/// it lies within 3 standard deviations of its nearest mode; a mode is captured if at least one
/// high-quality sample is nearest to it. KL is the sum over modes with p &gt; 0 of p log(p M), which is 0
/// for a perfectly balanced generator and log M when one mode takes everything (and 0 if nothing is high quality).
/// </summary>
public static class ModeCoverage
{
    public static ModeCoverageResult Evaluate(Tensor points, Tensor means, double std)
    {
        using var scope = NewDisposeScope();
        var distances = cdist(points.to(float32), means.to(float32));
        var (nearestDistance, nearest) = distances.min(1);
        var highQuality = nearestDistance <= (3 * std);
        var modes = (int)means.shape[0];
        var counts = zeros(modes, dtype: int64).index_add(0, nearest[highQuality], ones_like(nearest[highQuality]), 1);
        var histogram = counts.data<long>().ToArray();
        var total = histogram.Sum();
        var kl = 0.0;
        foreach (var c in histogram.Where(c => c > 0))
        {
            var p = (double)c / total;
            kl += p * Math.Log(p * modes);
        }

        return new ModeCoverageResult(histogram.Count(c => c > 0), modes, (double)total / points.shape[0], kl);
    }
}
