using GanCluster.Training.Codec;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Codec;

/// <summary>The rate-distortion figure's parts: PSNR and SSIM, JPEG through SkiaSharp with its whole file counted, PCA's quantiser, and the interpolation in bytes.</summary>
public sealed class RateDistortionTests
{
    [Fact]
    public void Psnr_and_ssim_are_those_of_the_definitions()
    {
        var a = Enumerable.Range(0, 2 * 784).Select(i => (float)((i * 7919 % 256) / 255.0)).ToArray();
        Assert.Equal(100, ImageQuality.Psnr(a, a));
        Assert.Equal(1.0, ImageQuality.Ssim(a, a, 2, 28, 28), 12);
        var shifted = a.Select(v => v + 0.1f).ToArray();
        Assert.Equal(20.0, ImageQuality.Psnr(a, shifted), 4);
        var ssim = ImageQuality.Ssim(a, a.Select(v => 1 - v).ToArray(), 2, 28, 28);
        Assert.True(ssim < 0, $"an inverted image is anti-correlated: SSIM {ssim}");
        Assert.Throws<ArgumentException>(() => ImageQuality.Ssim(a, a, 3, 28, 28));
    }

    [Fact]
    public void Jpeg_counts_its_whole_file_and_gets_closer_with_quality()
    {
        using var digits = BundledMnist.LoadAll();
        var images = digits.Samples.narrow(0, 0, 50).contiguous().data<float>().ToArray();
        var (lowBytes, low) = JpegBaseline.Measure(images, 50, 5);
        var (highBytes, high) = JpegBaseline.Measure(images, 50, 95);
        Assert.True(lowBytes * 50 > 300, "a JPEG file carries its headers and tables (hundreds of bytes)");
        Assert.True(highBytes > lowBytes);
        Assert.True(ImageQuality.Psnr(images, high) > ImageQuality.Psnr(images, low));
        Assert.True(ImageQuality.Psnr(images, high) > 30);
    }

    [Fact]
    public void Pca_with_every_axis_at_eight_bits_is_nearly_lossless_and_fewer_bits_are_worse()
    {
        using var digits = BundledMnist.LoadAll();
        using var scope = NewDisposeScope();
        var train = digits.Samples.narrow(0, 0, 2000).flatten(1);
        var test = digits.Samples.narrow(0, 8000, 200).flatten(1);
        using var pca = new PcaBaseline(train);
        var original = test.contiguous().data<float>().ToArray();
        var full = ImageQuality.Psnr(original, pca.Reconstruct(test, 784 * 8, 8, 4.0));
        var small = ImageQuality.Psnr(original, pca.Reconstruct(test, 64, 2, 2.0));
        Assert.True(full > small + 5, $"784 x 8 bits {full} dB, 32 x 2 bits {small} dB");
        var (b, c) = pca.Select(train.narrow(0, 0, 200), 64);
        Assert.InRange(b, 1, 8);
        Assert.True(ImageQuality.Psnr(original, pca.Reconstruct(test, 64, b, c)) >= small - 0.5);
    }

    [Fact]
    public void Jpeg_is_interpolated_in_bytes_and_absent_below_its_smallest_file()
    {
        var points = new[] { new RdPoint("jpeg", "q1", 10, 20, 0.5), new RdPoint("jpeg", "q5", 20, 30, 0.7) };
        Assert.Null(RateDistortion.Interpolate(points, 9.9, p => p.Psnr));
        Assert.Equal(25.0, RateDistortion.Interpolate(points, 15, p => p.Psnr)!.Value, 12);
        Assert.Equal(0.7, RateDistortion.Interpolate(points, 40, p => p.Ssim)!.Value, 12);
    }
}
