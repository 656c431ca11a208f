using System.Runtime.InteropServices;
using SkiaSharp;

namespace GanCluster.Training.Codec;

/// <summary>
/// JPEG as the codec's baseline, through SkiaSharp's libjpeg encoder (grayscale, baseline): a batch of 28x28 digits is
/// laid out as one mosaic of 32x32 tiles (each digit centred on black, so JPEG's 8x8 blocks never straddle two digits),
/// encoded once, decoded, and cut back into digits. The whole file, header and tables included, divided by the count
/// is the honest per-image cost of JPEG on a batch.
/// </summary>
public static class JpegBaseline
{
    private const int Tile = 32;
    private const int Offset = (Tile - 28) / 2;

    /// <summary>Bytes per image and the decoded digits (count x 784, [0, 1]) of <paramref name="images"/> at <paramref name="quality"/> (1-100).</summary>
    public static (double BytesPerImage, float[] Reconstructed) Measure(ReadOnlySpan<float> images, int count, int quality)
    {
        var columns = (int)Math.Ceiling(Math.Sqrt(count));
        var rows = (count + columns - 1) / columns;
        int width = columns * Tile, height = rows * Tile;
        var mosaic = new byte[width * height];
        for (var i = 0; i < count; i++)
        {
            var (top, left) = ((i / columns * Tile) + Offset, (i % columns * Tile) + Offset);
            for (var y = 0; y < 28; y++)
            {
                for (var x = 0; x < 28; x++)
                {
                    mosaic[((top + y) * width) + left + x] = (byte)Math.Round(Math.Clamp(images[(i * 784) + (y * 28) + x], 0f, 1f) * 255f);
                }
            }
        }

        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        byte[] jpeg;
        using (var bitmap = new SKBitmap(info))
        {
            CopyIn(mosaic, bitmap, width, height);
            using var image = SKImage.FromBitmap(bitmap);
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, quality) ?? throw new InvalidOperationException("SkiaSharp could not encode a JPEG");
            jpeg = data.ToArray();
        }

        var decoded = new byte[width * height];
        using (var codec = SKCodec.Create(new MemoryStream(jpeg)) ?? throw new InvalidDataException("SkiaSharp could not read its own JPEG"))
        using (var bitmap = new SKBitmap(info))
        {
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result != SKCodecResult.Success)
            {
                throw new InvalidDataException($"decoding the JPEG mosaic: {result}");
            }

            CopyOut(bitmap, decoded, width, height);
        }

        var reconstructed = new float[count * 784];
        for (var i = 0; i < count; i++)
        {
            var (top, left) = ((i / columns * Tile) + Offset, (i % columns * Tile) + Offset);
            for (var y = 0; y < 28; y++)
            {
                for (var x = 0; x < 28; x++)
                {
                    reconstructed[(i * 784) + (y * 28) + x] = decoded[((top + y) * width) + left + x] / 255f;
                }
            }
        }

        return ((double)jpeg.Length / count, reconstructed);
    }

    private static void CopyIn(byte[] pixels, SKBitmap bitmap, int width, int height)
    {
        var stride = bitmap.RowBytes;
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(pixels, y * width, bitmap.GetPixels() + (y * stride), width);
        }
    }

    private static void CopyOut(SKBitmap bitmap, byte[] pixels, int width, int height)
    {
        var stride = bitmap.RowBytes;
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(bitmap.GetPixels() + (y * stride), pixels, y * width, width);
        }
    }
}
