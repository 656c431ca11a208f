using TorchSharp;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>A Parzen-window estimate: the bandwidth, and the mean log-likelihood of the test points with its standard error.</summary>
public sealed record ParzenResult(double Sigma, double MeanLogLikelihood, double StandardError);

/// <summary>
/// Gaussian Parzen-window log-likelihood, the evaluation of Goodfellow et al. (2014), Table 1: an isotropic
/// Gaussian kernel of bandwidth sigma on every generated sample s_i (S samples in D dimensions); for a point x,
/// log p(x) = logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) - log S - (D/2) log(2 pi sigma^2).
/// Sigma is chosen on a validation set, then the mean over a separate test set is reported.
/// </summary>
/// <remarks>
/// Squared distances come from one matrix product per chunk of points (||x||^2 + ||s||^2 - 2 x s^T), so 10,000
/// samples against 2,000 digits take seconds on a CPU. The product runs in float32 on data centred at the
/// samples' mean, which keeps the norms (and so the cancellation error) small; the division by sigma^2 and
/// the log-sum-exp run in float64, where large negative exponents (around -1,000 for digits at sigma 0.1)
/// keep their precision.
/// </remarks>
public static class ParzenWindow
{
    /// <summary>Points per chunk: 256 x 10,000 distances is 10 MB in float32, small enough for any cache-friendly CPU run.</summary>
    public const int DefaultChunk = 256;

    /// <summary>
    /// The bandwidth grid of the paper's code (parzen_ll.py: numpy.logspace(-1, 0, 10)): 10 values from 0.1 to 1,
    /// evenly spaced in log10. It suits data in [0, 1] such as MNIST pixels.
    /// </summary>
    public static double[] DefaultGrid => LogSpace(-1, 0, 10);

    /// <summary>numpy.logspace: <paramref name="count"/> values 10^a ... 10^b, evenly spaced in the exponent.</summary>
    public static double[] LogSpace(double start, double stop, int count) =>
        count == 1 ? [Math.Pow(10, start)] : Enumerable.Range(0, count).Select(i => Math.Pow(10, start + ((stop - start) * i / (count - 1)))).ToArray();

    /// <summary>
    /// The sigma of <paramref name="grid"/> (default <see cref="DefaultGrid"/>) that maximizes the mean
    /// log-likelihood of <paramref name="validation"/> under the window on <paramref name="samples"/>; ties go to the smaller sigma.
    /// </summary>
    public static double SelectBandwidth(Tensor samples, Tensor validation, double[]? grid = null)
    {
        grid ??= DefaultGrid;
        if (grid.Length == 0)
        {
            throw new ArgumentException("grid: empty; expected at least one bandwidth", nameof(grid));
        }

        var scores = LogLikelihoods(samples, validation, grid);
        var best = 0;
        for (var i = 1; i < grid.Length; i++)
        {
            if (scores[i].Average() > scores[best].Average())
            {
                best = i;
            }
        }

        return grid[best];
    }

    /// <summary>Mean log-likelihood of <paramref name="test"/> and its standard error, std / sqrt(n) (population std, as numpy's default in the paper's code).</summary>
    public static ParzenResult Evaluate(Tensor samples, Tensor test, double sigma)
    {
        var values = LogLikelihoods(samples, test, [sigma])[0];
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        return new ParzenResult(sigma, mean, Math.Sqrt(variance / values.Length));
    }

    /// <summary>
    /// Log-likelihood of every point under the window on <paramref name="samples"/>, for each sigma: result[k][i]
    /// is point i at sigma k. Samples [S, ...] and points [N, ...] are flattened to [S, D] and [N, D].
    /// </summary>
    public static double[][] LogLikelihoods(Tensor samples, Tensor points, double[] sigmas, int chunk = DefaultChunk)
    {
        if (sigmas.Any(s => !(s > 0) || double.IsInfinity(s)))
        {
            throw new ArgumentOutOfRangeException(nameof(sigmas), $"sigmas: {string.Join(", ", sigmas)}; expected finite bandwidths > 0");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        using var scope = NewDisposeScope();
        var s = samples.detach().cpu().flatten(1).to(float64);
        var x = points.detach().cpu().flatten(1).to(float64);
        if (s.shape[0] == 0 || x.shape[0] == 0)
        {
            throw new ArgumentException($"samples: {s.shape[0]}, points: {x.shape[0]}; expected at least one of each");
        }

        if (s.shape[1] != x.shape[1])
        {
            throw new ArgumentException($"samples have {s.shape[1]} dimensions but the points have {x.shape[1]}; expected the same (flattened) shape");
        }

        // Centring on the samples' mean leaves distances unchanged and shrinks the norms that cancel in the expansion.
        var centre = s.mean([0L], keepdim: true);
        var sc = (s - centre).to(float32);
        var xc = (x - centre).to(float32);
        // pow with a kept integer 2, not square(): TorchSharp's square() is pow(2) with a temporary scalar (see KeptScalars). The same op.
        var sNorm = sc.pow(KeptScalars.OfInteger(2)).sum(1).to(float64);
        var sT = sc.t();
        var count = s.shape[0];
        var dims = s.shape[1];
        var n = (int)x.shape[0];
        var results = sigmas.Select(_ => new double[n]).ToArray();
        for (var start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            var length = Math.Min(chunk, n - start);
            var xs = xc.narrow(0, start, length);
            var cross = xs.matmul(sT).to(float64);
            var d2 = cross.mul_(KeptScalars.Of(-2.0)).add_(sNorm.unsqueeze(0), KeptScalars.One).add_(xs.pow(KeptScalars.OfInteger(2)).sum(1, keepdim: true).to(float64), KeptScalars.One).clamp_min_(KeptScalars.Of(0));
            for (var k = 0; k < sigmas.Length; k++)
            {
                var sigma = sigmas[k];
                var constant = Math.Log(count) + (dims / 2.0 * Math.Log(2 * Math.PI * sigma * sigma));
                using var factor = (-1.0 / (2 * sigma * sigma)).ToScalar();
                using var constantScalar = constant.ToScalar();
                using var ll = d2.mul(factor).logsumexp(1).sub_(constantScalar);
                ll.data<double>().CopyTo(results[k], start);
            }
        }

        return results;
    }
}
