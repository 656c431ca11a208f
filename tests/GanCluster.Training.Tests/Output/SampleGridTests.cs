using GanCluster.Training.Output;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Output;

public sealed class SampleGridTests
{
    [Fact]
    public void Grayscale_images_are_laid_out_with_two_pixel_black_padding()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var images = zeros(3, 1, 4, 5);
        images[0].fill_(KeptScalars.Of(2.0)); // clamped to white
        images[2].fill_(KeptScalars.Of(51 / 255.0));
        images[1, 0, 3, 4] = tensor(1.0f); // bottom-right pixel of the second image

        var size = SampleGrid.SavePng(images, folder.File("grid.png"), columns: 2);

        using var png = SKBitmap.Decode(folder.File("grid.png"));
        Assert.Equal((16, 14), size); // 2 * (5 + 2) + 2 by 2 * (4 + 2) + 2
        Assert.Equal((16, 14), (png.Width, png.Height));
        Assert.Equal(new SKColor(0, 0, 0), png.GetPixel(0, 0));
        Assert.Equal(new SKColor(255, 255, 255), png.GetPixel(2, 2));
        Assert.Equal(new SKColor(255, 255, 255), png.GetPixel(6, 5));
        Assert.Equal(new SKColor(0, 0, 0), png.GetPixel(7, 2)); // padding between columns
        Assert.Equal(new SKColor(0, 0, 0), png.GetPixel(9, 2)); // second image's background
        Assert.Equal(new SKColor(255, 255, 255), png.GetPixel(13, 5));
        Assert.Equal(new SKColor(51, 51, 51), png.GetPixel(2, 8)); // third image: second row
        Assert.Equal(new SKColor(0, 0, 0), png.GetPixel(9, 8)); // empty cell
    }

    [Fact]
    public void Colour_images_keep_their_channels()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var images = zeros(1, 3, 2, 2);
        images[0, 0].fill_(KeptScalars.Of(1.0));
        images[0, 2, 1, 1] = tensor(0.2f);

        var size = SampleGrid.SavePng(images, folder.File("rgb.png"), columns: 8);

        using var png = SKBitmap.Decode(folder.File("rgb.png"));
        Assert.Equal((6, 6), size);
        Assert.Equal(new SKColor(255, 0, 0), png.GetPixel(2, 2));
        Assert.Equal(new SKColor(255, 0, 51), png.GetPixel(3, 3));
    }

    [Fact]
    public void Two_channels_are_rejected()
    {
        using var images = zeros(1, 2, 2, 2);
        Assert.Throws<ArgumentException>(() => SampleGrid.EncodePng(images, 4, out _));
    }
}
