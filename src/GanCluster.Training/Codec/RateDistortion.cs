using static TorchSharp.torch;

namespace GanCluster.Training.Codec;

/// <summary>One point of a rate-distortion curve on the held-out digits.</summary>
/// <param name="Method">codec, jpeg or pca.</param>
/// <param name="Setting">The codec's bits, JPEG's quality, or PCA's k x b bits and range.</param>
public sealed record RdPoint(string Method, string Setting, double BytesPerImage, double Psnr, double Ssim);

/// <summary>The codec at one rate against the baselines at the same bytes per image.</summary>
/// <param name="JpegPsnr">JPEG's PSNR interpolated (linearly in bytes) at the codec's bytes, or null when JPEG's smallest file is larger.</param>
/// <param name="AboveBoth">The codec's PSNR and SSIM both above PCA's and above JPEG's (where JPEG reaches the rate at all).</param>
public sealed record RdComparison(int Bits, double BytesPerImage, double CodecPsnr, double CodecSsim, double PcaPsnr, double PcaSsim, double? JpegPsnr, double? JpegSsim, double JpegSmallestBytes, bool AboveBoth);

/// <summary>The figure of <c>gancluster codec-curve</c>.</summary>
public sealed record RdReport(int HeldOut, int Training, IReadOnlyList<RdPoint> Codec, IReadOnlyList<RdPoint> Jpeg, IReadOnlyList<RdPoint> Pca, IReadOnlyList<RdComparison> Comparisons);

/// <summary>
/// The codec's rate-distortion figure on held-out digits: each trained codec through a real .gcz file (bytes per image =
/// file size / count, the 50-byte header amortised), JPEG at several qualities (<see cref="JpegBaseline"/>) and PCA at
/// each codec's exact bit budget plus the same header (<see cref="PcaBaseline"/>, fitted and tuned on training digits).
/// </summary>
public static class RateDistortion
{
    /// <summary>JPEG qualities tried.</summary>
    public static readonly int[] JpegQualities = [1, 5, 10, 20, 30, 50, 75, 90];

    /// <param name="codecs">Trained codecs, any order.</param>
    /// <param name="heldOut">Held-out digits [N, 1, 28, 28] in [0, 1].</param>
    /// <param name="training">Training digits [M, 1, 28, 28] in [0, 1] (PCA's fit; its first 2,000 choose PCA's quantiser).</param>
    /// <param name="examples">Digits of the originals-vs-reconstructions figure: the first held-out ones.</param>
    /// <param name="exampleRows">Rows of that figure, each <paramref name="examples"/> x 784 floats in [0, 1]: the originals,
    /// the codecs (ascending bits), PCA at the same rates, then JPEG at its lowest quality.</param>
    public static RdReport Measure(IReadOnlyList<CodecModel> codecs, Tensor heldOut, Tensor training, int examples, out List<float[]> exampleRows)
    {
        using var scope = NewDisposeScope(); // first: it holds the temporaries of the first row too
        var rows = new List<float[]> { heldOut.narrow(0, 0, examples).to(ScalarType.Float32).contiguous().data<float>().ToArray() };
        var pcaRows = new List<float[]>();
        float[] jpegRow = [];
        var count = (int)heldOut.shape[0];
        var original = heldOut.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var codecPoints = new List<RdPoint>();
        foreach (var codec in codecs.OrderBy(c => c.Bits))
        {
            var (psnr, ssim, bytes) = CodecEvaluation.Measure(codec, heldOut);
            codecPoints.Add(new RdPoint("codec", $"{codec.Bits} bits", bytes, psnr, ssim));
            rows.Add(codec.Decode(codec.Encode(heldOut.narrow(0, 0, examples)), examples).contiguous().data<float>().ToArray());
        }

        var jpegPoints = JpegQualities.Select(q =>
        {
            var (bytes, reconstructed) = JpegBaseline.Measure(original, count, q);
            if (q == JpegQualities[0])
            {
                jpegRow = reconstructed[..(examples * 784)];
            }

            return new RdPoint("jpeg", $"quality {q}", bytes, ImageQuality.Psnr(original, reconstructed), ImageQuality.Ssim(original, reconstructed, count, 28, 28));
        }).OrderBy(p => p.BytesPerImage).ToList();

        var pcaPoints = new List<RdPoint>();
        using var pca = new PcaBaseline(training.flatten(1));
        var selection = training.flatten(1).narrow(0, 0, Math.Min(2000, (int)training.shape[0]));
        foreach (var codec in codecs.OrderBy(c => c.Bits))
        {
            var (b, c) = pca.Select(selection, codec.Bits);
            var reconstructed = pca.Reconstruct(heldOut.flatten(1), codec.Bits, b, c);
            pcaRows.Add(reconstructed[..(examples * 784)]);
            var bytes = (GczFile.HeaderSize + ((long)codec.Bits * count / 8.0)) / count;
            pcaPoints.Add(new RdPoint("pca", $"{codec.Bits / b} x {b} bits, range {c} sigma", bytes, ImageQuality.Psnr(original, reconstructed), ImageQuality.Ssim(original, reconstructed, count, 28, 28)));
        }

        var comparisons = codecPoints.Select((point, i) =>
        {
            var pcaPoint = pcaPoints[i];
            var jpegPsnr = Interpolate(jpegPoints, point.BytesPerImage, p => p.Psnr);
            var jpegSsim = Interpolate(jpegPoints, point.BytesPerImage, p => p.Ssim);
            var above = point.Psnr > pcaPoint.Psnr && point.Ssim > pcaPoint.Ssim
                && (jpegPsnr is null || point.Psnr > jpegPsnr) && (jpegSsim is null || point.Ssim > jpegSsim);
            return new RdComparison(codecs.OrderBy(c => c.Bits).ElementAt(i).Bits, point.BytesPerImage, point.Psnr, point.Ssim, pcaPoint.Psnr, pcaPoint.Ssim,
                jpegPsnr, jpegSsim, jpegPoints[0].BytesPerImage, above);
        }).ToList();
        exampleRows = [.. rows, .. pcaRows, jpegRow];
        return new RdReport(count, (int)training.shape[0], codecPoints, jpegPoints, pcaPoints, comparisons);
    }

    /// <summary>Linear interpolation in bytes between the neighbouring points; null below the smallest, the largest's value above it.</summary>
    public static double? Interpolate(IReadOnlyList<RdPoint> sorted, double bytes, Func<RdPoint, double> value)
    {
        if (sorted.Count == 0 || bytes < sorted[0].BytesPerImage)
        {
            return null;
        }

        for (var i = 1; i < sorted.Count; i++)
        {
            if (bytes <= sorted[i].BytesPerImage)
            {
                var (a, b) = (sorted[i - 1], sorted[i]);
                var t = (bytes - a.BytesPerImage) / Math.Max(1e-12, b.BytesPerImage - a.BytesPerImage);
                return value(a) + (t * (value(b) - value(a)));
            }
        }

        return value(sorted[^1]);
    }
}
