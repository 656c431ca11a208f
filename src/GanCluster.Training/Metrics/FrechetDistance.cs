using TorchSharp;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>Mean and covariance of a set of feature vectors (float64).</summary>
public sealed class GaussianStats : IDisposable
{
    public GaussianStats(Tensor mean, Tensor covariance, long count)
    {
        if (mean.dim() != 1 || covariance.dim() != 2 || covariance.shape[0] != mean.shape[0] || covariance.shape[1] != mean.shape[0])
        {
            throw new ArgumentException($"mean [{string.Join(", ", mean.shape)}], covariance [{string.Join(", ", covariance.shape)}]; expected [D] and [D, D]");
        }

        // Converted only when needed: a conversion is a new tensor, owned by the caller's dispose scope.
        Mean = mean.dtype == float64 ? mean : mean.to(float64);
        Covariance = covariance.dtype == float64 ? covariance : covariance.to(float64);
        Count = count;
    }

    /// <summary>[D].</summary>
    public Tensor Mean { get; }

    /// <summary>[D, D], the unbiased sample covariance (divided by N - 1), as numpy.cov and the FID reference code use.</summary>
    public Tensor Covariance { get; }

    /// <summary>Number of vectors the statistics came from.</summary>
    public long Count { get; }

    /// <summary>Statistics of features [N, D] (N >= 2).</summary>
    public static GaussianStats FromFeatures(Tensor features)
    {
        if (features.dim() != 2 || features.shape[0] < 2)
        {
            throw new ArgumentException($"features [{string.Join(", ", features.shape)}]; expected [N, D] with N >= 2");
        }

        Tensor mean, covariance;
        using (var scope = NewDisposeScope())
        {
            var x = features.detach().cpu().to(float64);
            var m = x.mean([0L]);
            var centred = x.sub(m);
            mean = m.MoveToOuterDisposeScope();
            using var divisor = ((double)(x.shape[0] - 1)).ToScalar(); // held until div_ returns; not a cached constant
            covariance = centred.t().matmul(centred).div_(divisor).MoveToOuterDisposeScope();
        }

        // Built outside the scope: the statistics own these tensors.
        return new GaussianStats(mean, covariance, features.shape[0]);
    }

    public void Dispose()
    {
        Mean.Dispose();
        Covariance.Dispose();
    }
}

/// <summary>
/// The Frechet distance between two Gaussians, the distance behind FID (Heusel et al. 2017):
/// d^2 = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).
/// </summary>
/// <remarks>
/// tr((S1 S2)^(1/2)) is computed as the sum of the square roots of the eigenvalues of the symmetric matrix
/// S1^(1/2) S2 S1^(1/2), which has the same eigenvalues as S1 S2: two symmetric eigendecompositions in float64,
/// no complex square root (scipy.linalg.sqrtm in the reference code returns small imaginary parts that it then
/// discards). Eigenvalues that rounding makes slightly negative are clamped to 0.
/// </remarks>
public static class FrechetDistance
{
    public static double Compute(GaussianStats a, GaussianStats b) => Compute(a.Mean, a.Covariance, b.Mean, b.Covariance);

    /// <summary>Frechet distance of N(mu1, s1) and N(mu2, s2); means [D], covariances [D, D] symmetric positive semi-definite.</summary>
    public static double Compute(Tensor mu1, Tensor s1, Tensor mu2, Tensor s2)
    {
        if (mu1.dim() != 1 || !mu1.shape.SequenceEqual(mu2.shape) || !s1.shape.SequenceEqual(s2.shape) || s1.dim() != 2 || s1.shape[0] != mu1.shape[0] || s1.shape[1] != mu1.shape[0])
        {
            throw new ArgumentException(
                $"means [{string.Join(", ", mu1.shape)}] and [{string.Join(", ", mu2.shape)}], covariances [{string.Join(", ", s1.shape)}] and [{string.Join(", ", s2.shape)}]; expected [D], [D], [D, D], [D, D]");
        }

        using var scope = NewDisposeScope();
        var m1 = mu1.detach().cpu().to(float64);
        var m2 = mu2.detach().cpu().to(float64);
        var c1 = Symmetric(s1);
        var c2 = Symmetric(s2);
        var sqrt1 = SquareRoot(c1);
        var product = Symmetric(sqrt1.matmul(c2).matmul(sqrt1));
        var traceSqrt = linalg.eigvalsh(product).clamp_min(KeptScalars.Of(0)).sqrt().sum().item<double>();
        // pow with a kept integer 2: TorchSharp's square() is pow(2) with a temporary scalar (see KeptScalars). The same op.
        var meanTerm = (m1 - m2).pow(KeptScalars.OfInteger(2)).sum().item<double>();
        var value = meanTerm + c1.trace().item<double>() + c2.trace().item<double>() - (2 * traceSqrt);

        // Rounding can leave -1e-12 for identical inputs; a distance is never negative.
        return Math.Max(0.0, value);
    }

    /// <summary>The symmetric positive semi-definite square root of a symmetric PSD matrix.</summary>
    public static Tensor SquareRoot(Tensor symmetric)
    {
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(Symmetric(symmetric));
        var root = vectors.matmul(diag(values.clamp_min(KeptScalars.Of(0)).sqrt())).matmul(vectors.t());
        return root.MoveToOuterDisposeScope();
    }

    private static Tensor Symmetric(Tensor m)
    {
        var x = m.detach().cpu().to(float64);
        return x.add(x.t(), KeptScalars.One).div(KeptScalars.Two);
    }
}
