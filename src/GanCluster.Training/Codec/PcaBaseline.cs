using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Codec;

/// <summary>
/// PCA with the codec's bytes as the second baseline: the principal axes of the training digits (mean removed); an image
/// is coded as its first k coefficients, each uniformly quantised to b bits over [-c sigma_j, c sigma_j] (sigma_j the
/// training spread of axis j, values clamped, decoded at the cell's centre), with k * b equal to the codec's bits per
/// image. b (1-8) and c (1 to 4) are chosen on training digits, never on the held-out ones. The axes, like the codec's
/// weights, are the model both sides hold and are not counted in the bytes.
/// </summary>
public sealed class PcaBaseline : IDisposable
{
    private static readonly double[] Ranges = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0];
    private readonly Tensor _mean;
    private readonly Tensor _axes;
    private readonly Tensor _sigma;

    /// <param name="training">Training digits [N, 784] in [0, 1].</param>
    public PcaBaseline(Tensor training)
    {
        using var scope = NewDisposeScope();
        var x = training.to(ScalarType.Float64);
        var mean = x.mean(new long[] { 0 }, keepdim: true);
        var centred = x.sub(mean);
        // Scalars are kept or held until the call that reads them returns (see KeptScalars); same values and types as before.
        using var count = x.shape[0].ToScalar();
        var covariance = centred.t().matmul(centred).div(count);
        var (values, vectors) = linalg.eigh(covariance);
        var order = values.argsort(descending: true);
        _mean = mean.MoveToOuterDisposeScope();
        _axes = vectors.index_select(1, order).MoveToOuterDisposeScope();
        _sigma = values.index_select(0, order).clamp_min(KeptScalars.OfInteger(0)).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>The best (bits per coefficient, range) for <paramref name="bits"/> per image by PSNR on <paramref name="selection"/> (training digits).</summary>
    public (int BitsPerCoefficient, double Range) Select(Tensor selection, int bits)
    {
        var best = (b: 1, c: 1.0, psnr: double.NegativeInfinity);
        for (var b = 1; b <= 8; b++)
        {
            if (bits / b < 1 || bits / b > 784)
            {
                continue;
            }

            foreach (var c in Ranges)
            {
                var reconstructed = Reconstruct(selection, bits, b, c);
                using var floats = selection.to(ScalarType.Float32); // held until contiguous() returns
                using var contiguous = floats.contiguous();
                var psnr = ImageQuality.Psnr(contiguous.data<float>().ToArray(), reconstructed);
                if (psnr > best.psnr)
                {
                    best = (b, c, psnr);
                }
            }
        }

        return (best.b, best.c);
    }

    /// <summary>Digits [N, 784] in [0, 1] through k = bits / b coefficients of b bits each; returns N x 784 floats clamped to [0, 1].</summary>
    public float[] Reconstruct(Tensor images, int bits, int bitsPerCoefficient, double range)
    {
        using var scope = NewDisposeScope();
        var k = bits / bitsPerCoefficient;
        var axes = _axes.narrow(1, 0, k);
        // Scalars are kept or held until the calls that read them return (see KeptScalars), with the values and types of the
        // implicit conversions they replace.
        var sigma = _sigma.narrow(0, 0, k).clamp_min(KeptScalars.Of(1e-8));
        var coefficients = images.to(ScalarType.Float64).sub(_mean).matmul(axes);
        var levels = 1L << bitsPerCoefficient;
        using var lowFactor = (-range).ToScalar();
        using var stepFactor = (2 * range / levels).ToScalar();
        using var highestCell = (levels - 1).ToScalar();
        var low = sigma.mul(lowFactor);
        var step = sigma.mul(stepFactor);
        var cell = coefficients.sub(low).div(step).floor().clamp(KeptScalars.OfInteger(0), highestCell);
        var decoded = cell.add(KeptScalars.Of(0.5), KeptScalars.DefaultAlpha).mul(step).add(low, KeptScalars.DefaultAlpha);
        return decoded.matmul(axes.t()).add(_mean, KeptScalars.DefaultAlpha).clamp(KeptScalars.OfInteger(0), KeptScalars.OfInteger(1)).to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    public void Dispose()
    {
        _mean.Dispose();
        _axes.Dispose();
        _sigma.Dispose();
    }
}
