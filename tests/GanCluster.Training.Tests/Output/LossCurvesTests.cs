using GanCluster.Training.Monitoring;
using GanCluster.Training.Output;
using GanCluster.Training.Tests.Data;
using SkiaSharp;

namespace GanCluster.Training.Tests.Output;

public sealed class LossCurvesTests
{
    private static List<MetricsRow> Rows(int count) => Enumerable.Range(1, count)
        .Select(i => new MetricsRow(i * 50, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = 1.4 - (i * 0.01),
            [MetricNames.GLoss] = 0.7 + (i * 0.02),
            [MetricNames.DReal] = 0.5 + (i * 0.005),
            [MetricNames.DFake] = 0.5 - (i * 0.005),
        }))
        .ToList();

    [Fact]
    public void The_curve_png_decodes_with_the_requested_size()
    {
        using var folder = new TempFolder();
        var path = folder.File("curves.png");

        LossCurves.SavePng(Rows(40), path, "tiny", width: 640, height: 360);

        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(640, bitmap.Width);
        Assert.Equal(360, bitmap.Height);
        Assert.True(bitmap.Pixels.Distinct().Count() > 10, "the figure is blank");
    }

    [Fact]
    public void A_diverged_row_leaves_a_gap_instead_of_failing()
    {
        var rows = Rows(10);
        rows.Add(new MetricsRow(600, new Dictionary<string, double> { [MetricNames.DLoss] = double.NaN, [MetricNames.GLoss] = double.PositiveInfinity }));

        using var bitmap = SKBitmap.Decode(LossCurves.EncodePng(rows, "diverged", 300, 200));

        Assert.Equal(300, bitmap.Width);
    }

    [Fact]
    public void Rows_without_losses_are_refused()
    {
        var rows = new List<MetricsRow> { new(1, new Dictionary<string, double> { [MetricNames.StepsPerSecond] = 50 }) };

        Assert.Throws<ArgumentException>(() => LossCurves.EncodePng(rows, "empty"));
    }
}
