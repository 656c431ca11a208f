using SkiaSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Output;

/// <summary>A scatter plot of 2-D samples with the mixture's mode centres, as PNG.</summary>
public static class ScatterPlot
{
    public static void SavePng(Tensor points, Tensor? modes, string path, int size = 512)
    {
        var xy = points.detach().cpu().to(float32).contiguous().data<float>().ToArray();
        var centres = modes?.detach().cpu().to(float32).contiguous().data<float>().ToArray() ?? [];
        var extent = 1.0f;
        foreach (var v in centres.Concat(xy.Where(float.IsFinite)))
        {
            extent = Math.Max(extent, Math.Abs(v));
        }

        // A fixed margin around the modes keeps plots of one experiment comparable across rounds.
        extent = centres.Length > 0 ? Math.Max(centres.Max(Math.Abs) * 1.5f, 1f) : extent * 1.1f;
        float Map(float v, bool flip) => flip ? size / 2f - (v / extent * size / 2f) : (v / extent * size / 2f) + (size / 2f);

        using var surface = SKSurface.Create(new SKImageInfo(size, size));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var axis = new SKPaint { Color = SKColors.LightGray, StrokeWidth = 1 };
        canvas.DrawLine(0, size / 2f, size, size / 2f, axis);
        canvas.DrawLine(size / 2f, 0, size / 2f, size, axis);
        using var dot = new SKPaint { Color = new SKColor(30, 90, 200, 140), IsAntialias = true };
        for (var i = 0; i + 1 < xy.Length; i += 2)
        {
            canvas.DrawCircle(Map(xy[i], false), Map(xy[i + 1], true), 2f, dot);
        }

        using var mode = new SKPaint { Color = SKColors.Red, IsAntialias = true, StrokeWidth = 2, Style = SKPaintStyle.Stroke };
        for (var i = 0; i + 1 < centres.Length; i += 2)
        {
            canvas.DrawCircle(Map(centres[i], false), Map(centres[i + 1], true), 5f, mode);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
