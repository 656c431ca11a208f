using SkiaSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Output;

/// <summary>The data rectangle a scatter plot shows.</summary>
public sealed record PlotBounds(double XMin, double XMax, double YMin, double YMax)
{
    /// <summary>
    /// A square around the origin that holds every point of <paramref name="xy"/> (x, y interleaved; points with a
    /// non-finite coordinate are skipped, as they are not drawn) with a margin of <paramref name="margin"/>
    /// (0.5 = 50 % beyond the largest coordinate). Square and centred, because the mixtures are centred and
    /// circles should look like circles.
    /// </summary>
    public static PlotBounds Around(ReadOnlySpan<float> xy, double margin)
    {
        var extent = 0.0;
        for (var i = 0; i + 1 < xy.Length; i += 2)
        {
            if (float.IsFinite(xy[i]) && float.IsFinite(xy[i + 1]))
            {
                extent = Math.Max(extent, Math.Max(Math.Abs(xy[i]), Math.Abs(xy[i + 1])));
            }
        }

        extent = extent > 0 ? extent * (1 + margin) : 1.0;
        return new PlotBounds(-extent, extent, -extent, extent);
    }
}

/// <summary>A scatter plot of 2-D samples with the mixture's mode centres, as PNG.</summary>
public static class ScatterPlot
{
    /// <summary>Colour of the samples: translucent, so that dense regions look darker.</summary>
    public static readonly SKColor PointColor = new(30, 90, 200, 140);

    /// <summary>Colour of the mode centres' rings.</summary>
    public static readonly SKColor ModeColor = SKColors.Red;

    /// <summary>Radius of the ring drawn around each mode centre, in pixels.</summary>
    public const float ModeRadius = 5f;

    /// <summary>
    /// Writes a size x size PNG of <paramref name="points"/> [N, 2] and, when given, the <paramref name="modes"/> [M, 2].
    /// Without <paramref name="bounds"/> the view is a square around the modes with a 50 % margin (so the plots
    /// of one experiment stay comparable from round to round; far-off points fall outside), or around the
    /// points with a 10 % margin when there are no modes. Returns the image size in pixels and the bounds used.
    /// </summary>
    public static (int Width, int Height, PlotBounds Bounds) SavePng(Tensor points, Tensor? modes, string path, int size = 512, PlotBounds? bounds = null)
    {
        var png = EncodePng(points, modes, size, ref bounds);
        File.WriteAllBytes(path, png);
        return (size, size, bounds!);
    }

    /// <summary>The plot as PNG bytes; <paramref name="bounds"/> is filled in when null.</summary>
    public static byte[] EncodePng(Tensor points, Tensor? modes, int size, ref PlotBounds? bounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 16);
        var xy = ToFloats(points, nameof(points));
        var centres = modes is null ? [] : ToFloats(modes, nameof(modes));
        bounds ??= centres.Length > 0 ? PlotBounds.Around(centres, 0.5) : PlotBounds.Around(xy, 0.1);
        if (!(bounds.XMax > bounds.XMin) || !(bounds.YMax > bounds.YMin))
        {
            throw new ArgumentException($"bounds: {bounds}; expected XMax > XMin and YMax > YMin", nameof(bounds));
        }

        var view = bounds;
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var axis = new SKPaint { Color = SKColors.LightGray, StrokeWidth = 1 };
        var (originX, originY) = ToPixel(view, size, 0, 0);
        canvas.DrawLine(0, originY, size, originY, axis);
        canvas.DrawLine(originX, 0, originX, size, axis);

        using var dot = new SKPaint { Color = PointColor, IsAntialias = true, Style = SKPaintStyle.Fill };
        for (var i = 0; i + 1 < xy.Length; i += 2)
        {
            if (float.IsFinite(xy[i]) && float.IsFinite(xy[i + 1]))
            {
                var (px, py) = ToPixel(view, size, xy[i], xy[i + 1]);
                canvas.DrawCircle(px, py, 2f, dot);
            }
        }

        using var ring = new SKPaint { Color = ModeColor, IsAntialias = true, StrokeWidth = 2, Style = SKPaintStyle.Stroke };
        for (var i = 0; i + 1 < centres.Length; i += 2)
        {
            var (px, py) = ToPixel(view, size, centres[i], centres[i + 1]);
            canvas.DrawCircle(px, py, ModeRadius, ring);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Pixel coordinates of the data point (x, y): y grows upwards in the data and downwards in the image.</summary>
    public static (float X, float Y) ToPixel(PlotBounds bounds, int size, double x, double y) =>
        ((float)((x - bounds.XMin) / (bounds.XMax - bounds.XMin) * size), (float)((bounds.YMax - y) / (bounds.YMax - bounds.YMin) * size));

    private static float[] ToFloats(Tensor xy, string name)
    {
        if (xy.dim() != 2 || xy.shape[1] != 2)
        {
            throw new ArgumentException($"{name}: shape [{string.Join(", ", xy.shape)}]; expected [N, 2]", name);
        }

        using var cpu = xy.detach().cpu().to(float32).contiguous();
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(cpu.bytes).ToArray();
    }
}
