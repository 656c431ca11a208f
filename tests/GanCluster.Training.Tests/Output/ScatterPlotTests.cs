using GanCluster.Training.Output;
using GanCluster.Training.Tests.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Output;

public sealed class ScatterPlotTests
{
    [Fact]
    public void Points_and_mode_rings_land_where_the_bounds_put_them()
    {
        using var folder = new TempFolder();
        using var points = tensor(new float[,] { { 1, 1 } });
        using var modes = tensor(new float[,] { { -1, -1 } });
        var bounds = new PlotBounds(-2, 2, -2, 2);

        var (width, height, used) = ScatterPlot.SavePng(points, modes, folder.File("plot.png"), size: 100, bounds: bounds);

        using var png = SKBitmap.Decode(folder.File("plot.png"));
        Assert.Equal((100, 100), (width, height));
        Assert.Equal((100, 100), (png.Width, png.Height));
        Assert.Equal(bounds, used);
        Assert.Equal((75f, 25f), ScatterPlot.ToPixel(bounds, 100, 1, 1)); // y grows upwards

        Assert.Equal(SKColors.White, png.GetPixel(5, 5));
        var point = png.GetPixel(75, 25);
        Assert.True(point.Blue > 150 && point.Red < 150, $"point pixel {point}");
        var ring = png.GetPixel(25 + (int)ScatterPlot.ModeRadius, 75); // on the ring around (-1, -1)
        Assert.True(ring.Red > 200 && ring.Green < 120 && ring.Blue < 120, $"ring pixel {ring}");
        Assert.Equal(SKColors.White, png.GetPixel(25, 75)); // the ring is hollow
    }

    [Fact]
    public void Default_bounds_are_a_square_around_the_modes_with_a_margin()
    {
        using var folder = new TempFolder();
        using var points = tensor(new float[,] { { 0, 0 }, { 100, 100 } });
        using var modes = tensor(new float[,] { { 2, 0 }, { 0, -1 } });

        var (_, _, bounds) = ScatterPlot.SavePng(points, modes, folder.File("plot.png"), size: 64);

        Assert.Equal(new PlotBounds(-3, 3, -3, 3), bounds);
    }

    [Fact]
    public void Without_modes_the_bounds_hold_all_points()
    {
        using var folder = new TempFolder();
        using var points = tensor(new float[,] { { 0, -5 }, { 1, 1 }, { float.NaN, 1000 } });

        var (_, _, bounds) = ScatterPlot.SavePng(points, null, folder.File("plot.png"), size: 64);

        Assert.Equal(-5.5, bounds.YMin, 6);
        Assert.Equal(5.5, bounds.XMax, 6);
    }
}
