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
        var covariance = centred.t().matmul(centred).div(x.shape[0]);
        var (values, vectors) = linalg.eigh(covariance);
        var order = values.argsort(descending: true);
        _mean = mean.MoveToOuterDisposeScope();
        _axes = vectors.index_select(1, order).MoveToOuterDisposeScope();
        _sigma = values.index_select(0, order).clamp_min(0).sqrt().MoveToOuterDisposeScope();
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
                var psnr = ImageQuality.Psnr(selection.to(ScalarType.Float32).contiguous().data<float>().ToArray(), reconstructed);
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
        var sigma = _sigma.narrow(0, 0, k).clamp_min(1e-8);
        var coefficients = images.to(ScalarType.Float64).sub(_mean).matmul(axes);
        var levels = 1L << bitsPerCoefficient;
        var low = sigma.mul(-range);
        var step = sigma.mul(2 * range / levels);
        var cell = coefficients.sub(low).div(step).floor().clamp(0, levels - 1);
        var decoded = cell.add(0.5).mul(step).add(low);
        return decoded.matmul(axes.t()).add(_mean).clamp(0, 1).to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    public void Dispose()
    {
        _mean.Dispose();
        _axes.Dispose();
        _sigma.Dispose();
    }
}
