using ScottPlot;
using SkiaSharp;

namespace GanCluster.Training.Codec;

/// <summary>The rate-distortion figure as one PNG: PSNR (left panel) and SSIM (right) against bytes per image (log scale), codec vs JPEG vs PCA.</summary>
public static class RateDistortionPlot
{
    public static void SavePng(RdReport report, string path, int panelWidth = 640, int height = 460)
    {
        var panels = new[]
        {
            Panel(report, "PSNR (dB)", p => p.Psnr, panelWidth, height),
            Panel(report, "SSIM", p => p.Ssim, panelWidth, height),
        };
        using var surface = SKSurface.Create(new SKImageInfo(panelWidth * 2, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Length; i++)
        {
            using var bitmap = SKBitmap.Decode(panels[i]);
            surface.Canvas.DrawBitmap(bitmap, i * panelWidth, 0);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static byte[] Panel(RdReport report, string label, Func<RdPoint, double> value, int width, int height)
    {
        var plot = new Plot();
        plot.Title($"{label} vs rate, {report.HeldOut} held-out digits");
        plot.XLabel("bytes per image (log10)");
        plot.YLabel(label);
        Series(plot, report.Codec, value, "CNN codec (.gcz)", Colors.C0, MarkerShape.FilledCircle);
        Series(plot, report.Pca, value, "PCA, same bytes", Colors.C1, MarkerShape.FilledSquare);
        Series(plot, report.Jpeg, value, "JPEG (SkiaSharp, mosaic)", Colors.C2, MarkerShape.FilledTriangleUp);
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void Series(Plot plot, IReadOnlyList<RdPoint> points, Func<RdPoint, double> value, string label, Color color, MarkerShape marker)
    {
        var ordered = points.OrderBy(p => p.BytesPerImage).ToArray();
        var scatter = plot.Add.Scatter(ordered.Select(p => Math.Log10(p.BytesPerImage)).ToArray(), ordered.Select(value).ToArray(), color);
        scatter.LegendText = label;
        scatter.MarkerShape = marker;
        scatter.MarkerSize = 8;
    }
}
