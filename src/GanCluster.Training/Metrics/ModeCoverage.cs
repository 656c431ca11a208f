using TorchSharp;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>Mode coverage of generated 2-D points.</summary>
/// <param name="ModesCaptured">Modes that are the nearest mode of at least one high-quality sample.</param>
/// <param name="Modes">Modes of the mixture.</param>
/// <param name="HighQualityFraction">Fraction of samples within 3 standard deviations of their nearest mode.</param>
/// <param name="KlToUniform">KL(p || uniform) of the high-quality samples' histogram p over modes (see <see cref="ModeCoverage"/>).</param>
/// <param name="ModesWellCovered">
/// Modes holding at least <see cref="ModeCoverage.WellCoveredShare"/> of their expected share of the samples: at least
/// 0.2 * N / M high-quality samples of N nearest to them (issue 11's measure beside the papers' "captured").
/// </param>
public sealed record ModeCoverageResult(int ModesCaptured, int Modes, double HighQualityFraction, double KlToUniform, int ModesWellCovered);

/// <summary>
/// The mode-collapse metrics of the 2-D benchmarks, as VEEGAN (Srivastava et al. 2017, section 5.1 and the authors'
/// notebook akashgit/VEEGAN) and PacGAN (Lin et al. 2018, Table 1 and fjxmlzn/PacGAN's MetricLogger) define them: a
/// sample is high quality if its Euclidean distance to its nearest mode is at most 3 standard deviations (VEEGAN
/// tests &lt;= 3 std, PacGAN &lt; 3 std: the difference has probability zero); a mode is captured if at least one
/// high-quality sample is nearest to it; both papers evaluate 2,500 generated samples. Reverse KL (PacGAN's third
/// column) = sum over modes with p &gt; 0 of p log(p / (1/M)): empty bins add nothing (0 log 0 = 0),
/// so KL is finite, 0 for a perfectly balanced generator and log M when one mode takes everything. With no
/// high-quality sample at all p is undefined and KL is reported as log M, the value of total collapse.
/// </summary>
public static class ModeCoverage
{
    /// <summary>A sample is high quality within this many standard deviations of its nearest mode.</summary>
    public const double HighQualityStds = 3.0;

    /// <summary>A mode is well covered when it holds at least this fraction of its expected share N / M of the samples.</summary>
    public const double WellCoveredShare = 0.2;

    public static ModeCoverageResult Evaluate(Tensor points, GaussianMixture2D mixture)
    {
        using var means = mixture.Means;
        return Evaluate(points, means, mixture.Std);
    }

    /// <summary>points [N, 2], means [M, 2], std of the mixture's components.</summary>
    public static ModeCoverageResult Evaluate(Tensor points, Tensor means, double std)
    {
        if (points.dim() != 2 || points.shape[1] != 2 || means.dim() != 2 || means.shape[1] != 2 || means.shape[0] == 0)
        {
            throw new ArgumentException($"points [{string.Join(", ", points.shape)}], means [{string.Join(", ", means.shape)}]; expected [N, 2] and [M, 2] with M >= 1");
        }

        if (!(std > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(std), $"std: {std}; expected > 0");
        }

        var modes = (int)means.shape[0];
        var n = points.shape[0];
        if (n == 0)
        {
            return new ModeCoverageResult(0, modes, 0, Math.Log(modes), 0);
        }

        using var scope = NewDisposeScope();
        var distances = cdist(points.detach().cpu().to(float64), means.detach().cpu().to(float64));
        var (nearestDistance, nearest) = distances.min(1);
        using var threshold = (HighQualityStds * std).ToScalar(); // held until le() returns: see KeptScalars
        var highQuality = nearestDistance.le(threshold);
        var counts = nearest.masked_select(highQuality).bincount(null, modes).data<long>().ToArray();
        var total = counts.Sum();
        var kl = Math.Log(modes);
        if (total > 0)
        {
            kl = 0;
            foreach (var c in counts.Where(c => c > 0))
            {
                var p = (double)c / total;
                kl += p * Math.Log(p * modes);
            }
        }

        // Shares are of all N samples, not of the high-quality ones: a mode fed only by far-off points is not covered.
        var wellCovered = counts.Count(c => c >= WellCoveredShare * n / modes);
        return new ModeCoverageResult(counts.Count(c => c > 0), modes, (double)total / n, kl, wellCovered);
    }
}
