using System.Runtime.InteropServices;
using SkiaSharp;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Output;

/// <summary>Writes images as one PNG grid, the sample figure of every GAN paper.</summary>
public static class SampleGrid
{
    /// <summary>Black pixels around and between the images.</summary>
    public const int Padding = 2;

    /// <summary>Writes the grid to <paramref name="path"/>; returns its size in pixels.</summary>
    /// <param name="images">[N, C, H, W] with C = 1 (grayscale) or 3 (RGB), values in [0, 1] (clamped).</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="columns">Images per row; fewer when N is smaller.</param>
    public static (int Width, int Height) SavePng(Tensor images, string path, int columns = 8)
    {
        var png = EncodePng(images, columns, out var size);
        File.WriteAllBytes(path, png);
        return size;
    }

    /// <summary>The grid as PNG bytes (for sending over the wire), with its size in pixels.</summary>
    public static byte[] EncodePng(Tensor images, int columns, out (int Width, int Height) size)
    {
        if (images.dim() != 4 || images.shape[1] is not (1 or 3) || images.shape[0] == 0)
        {
            throw new ArgumentException($"images: shape [{string.Join(", ", images.shape)}]; expected [N, C, H, W] with N >= 1 and C = 1 or 3", nameof(images));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        var (n, c, h, w) = ((int)images.shape[0], (int)images.shape[1], (int)images.shape[2], (int)images.shape[3]);
        columns = Math.Min(columns, n);
        var rows = (n + columns - 1) / columns;
        var width = (columns * (w + Padding)) + Padding;
        var height = (rows * (h + Padding)) + Padding;

        // Grayscale stays one byte per pixel: MNIST grids are a third the size, which matters when they travel between nodes.
        var colorType = c == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888;
        var pixelBytes = c == 1 ? 1 : 4;
        var canvas = new byte[width * height * pixelBytes];
        if (c == 3)
        {
            for (var i = 3; i < canvas.Length; i += 4)
            {
                canvas[i] = 255;
            }
        }

        using (var scope = NewDisposeScope())
        {
            // [N, C, H, W] -> [N, H, W, C] bytes, so each image row is one contiguous run of pixels.
            var hwc = images.detach().cpu().to(float32).clamp(KeptScalars.Of(0), KeptScalars.One).mul(KeptScalars.Of(255)).round().to(uint8).permute(0, 2, 3, 1).contiguous();
            var source = hwc.bytes;
            for (var k = 0; k < n; k++)
            {
                var x0 = Padding + ((k % columns) * (w + Padding));
                var y0 = Padding + ((k / columns) * (h + Padding));
                for (var y = 0; y < h; y++)
                {
                    var row = source.Slice(((k * h) + y) * w * c, w * c);
                    var target = canvas.AsSpan((((y0 + y) * width) + x0) * pixelBytes, w * pixelBytes);
                    if (c == 1)
                    {
                        row.CopyTo(target);
                    }
                    else
                    {
                        for (var x = 0; x < w; x++)
                        {
                            row.Slice(x * 3, 3).CopyTo(target.Slice(x * 4, 3));
                        }
                    }
                }
            }
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, SKAlphaType.Opaque));
        Marshal.Copy(canvas, 0, bitmap.GetPixels(), canvas.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        size = (width, height);
        return data.ToArray();
    }
}
