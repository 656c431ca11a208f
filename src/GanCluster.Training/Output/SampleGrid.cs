using SkiaSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Output;

/// <summary>Writes images as one PNG grid (the sample grids of every GAN paper).</summary>
public static class SampleGrid
{
    public const int Padding = 2;

    /// <summary>
    /// images: [N, C, H, W] with C = 1 or 3, values in [0, 1] (clamped). Returns the PNG's (width, height).
    /// </summary>
    public static (int Width, int Height) SavePng(Tensor images, string path, int columns = 8)
    {
        var png = EncodePng(images, columns, out var size);
        File.WriteAllBytes(path, png);
        return size;
    }

    public static byte[] EncodePng(Tensor images, int columns, out (int Width, int Height) size)
    {
        using var scope = NewDisposeScope();
        var (n, c, h, w) = ((int)images.shape[0], (int)images.shape[1], (int)images.shape[2], (int)images.shape[3]);
        if (c is not (1 or 3))
        {
            throw new ArgumentException($"sample grids take 1 or 3 channels; got {c}");
        }

        columns = Math.Max(1, Math.Min(columns, n));
        var rows = (n + columns - 1) / columns;
        var width = (columns * (w + Padding)) + Padding;
        var height = (rows * (h + Padding)) + Padding;
        var bytes = (images.detach().cpu().clamp(0, 1) * 255).round().to(uint8).permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[width * height * 4];
        for (var i = 0; i < pixels.Length; i += 4)
        {
            pixels[i + 3] = 255;
        }

        for (var k = 0; k < n; k++)
        {
            var x0 = Padding + ((k % columns) * (w + Padding));
            var y0 = Padding + ((k / columns) * (h + Padding));
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var src = (((k * h) + y) * w + x) * c;
                    var dst = (((y0 + y) * width) + x0 + x) * 4;
                    pixels[dst] = bytes[src];
                    pixels[dst + 1] = bytes[src + (c == 3 ? 1 : 0)];
                    pixels[dst + 2] = bytes[src + (c == 3 ? 2 : 0)];
                }
            }
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        size = (width, height);
        return data.ToArray();
    }
}
