namespace GanCluster.Training.Codec;

/// <summary>
/// Distortion of reconstructed grayscale images against the originals, both as pixels in [0, 1] (row-major, one array
/// of <c>count * height * width</c> values): PSNR from the mean squared error over all images, and SSIM (Wang et al.
/// 2004) with the paper's 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, over the window positions that fit
/// inside the image ("valid"), averaged over positions and then over images. Pure functions, no torch.
/// </summary>
public static class ImageQuality
{
    private const int Window = 11;
    private const double Sigma = 1.5;
    private const double C1 = 0.01 * 0.01;
    private const double C2 = 0.03 * 0.03;
    private static readonly double[] Kernel = GaussianKernel();

    /// <summary>Mean squared error per pixel over every image.</summary>
    public static double Mse(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstructed)
    {
        RequireSameLength(original, reconstructed);
        double sum = 0;
        for (var i = 0; i < original.Length; i++)
        {
            double d = original[i] - reconstructed[i];
            sum += d * d;
        }

        return original.Length == 0 ? 0 : sum / original.Length;
    }

    /// <summary>PSNR in dB for pixels in [0, 1], from the mean squared error over all images (capped at 100 dB for a perfect copy).</summary>
    public static double Psnr(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstructed) => PsnrOf(Mse(original, reconstructed));

    /// <summary>PSNR in dB of a mean squared error on [0, 1] pixels (100 for 0).</summary>
    public static double PsnrOf(double mse) => mse <= 1e-10 ? 100 : -10 * Math.Log10(mse);

    /// <summary>Mean SSIM over <paramref name="count"/> images of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public static double Ssim(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstructed, int count, int height, int width)
    {
        RequireSameLength(original, reconstructed);
        if (height < Window || width < Window || (long)count * height * width != original.Length)
        {
            throw new ArgumentException($"ssim: {count} images of {height}x{width} (each side >= {Window}) do not fit {original.Length} pixels");
        }

        double total = 0;
        var size = height * width;
        for (var i = 0; i < count; i++)
        {
            total += SsimOne(original.Slice(i * size, size), reconstructed.Slice(i * size, size), height, width);
        }

        return count == 0 ? 0 : total / count;
    }

    private static double SsimOne(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int height, int width)
    {
        double sum = 0;
        var positions = 0;
        for (var top = 0; top + Window <= height; top++)
        {
            for (var left = 0; left + Window <= width; left++)
            {
                double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                for (var r = 0; r < Window; r++)
                {
                    for (var c = 0; c < Window; c++)
                    {
                        var w = Kernel[r] * Kernel[c];
                        var index = ((top + r) * width) + left + c;
                        double a = x[index], b = y[index];
                        mx += w * a;
                        my += w * b;
                        xx += w * a * a;
                        yy += w * b * b;
                        xy += w * a * b;
                    }
                }

                var vx = xx - (mx * mx);
                var vy = yy - (my * my);
                var cov = xy - (mx * my);
                sum += ((2 * mx * my) + C1) * ((2 * cov) + C2) / (((mx * mx) + (my * my) + C1) * (vx + vy + C2));
                positions++;
            }
        }

        return sum / positions;
    }

    private static double[] GaussianKernel()
    {
        var kernel = new double[Window];
        var half = Window / 2;
        for (var i = 0; i < Window; i++)
        {
            kernel[i] = Math.Exp(-((i - half) * (i - half)) / (2 * Sigma * Sigma));
        }

        var total = kernel.Sum();
        return kernel.Select(k => k / total).ToArray();
    }

    private static void RequireSameLength(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstructed)
    {
        if (original.Length != reconstructed.Length)
        {
            throw new ArgumentException($"images: {original.Length} original pixels against {reconstructed.Length} reconstructed");
        }
    }
}
