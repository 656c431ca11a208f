using GanCluster.Training.Monitoring;
using ScottPlot;

namespace GanCluster.Training.Output;

/// <summary>
/// The loss-curve figure of a run, drawn with ScottPlot: loss/d and loss/g against the round on the left axis,
/// D(x) and D(G(z)) (both in [0, 1]) on the right axis. Rows without a value (or with NaN) leave a gap.
/// </summary>
public static class LossCurves
{
    /// <summary>Default figure size in pixels.</summary>
    public const int DefaultWidth = 900;

    /// <summary>Default figure size in pixels.</summary>
    public const int DefaultHeight = 500;

    /// <summary>Writes the figure as PNG; throws when no row has a loss.</summary>
    public static void SavePng(IReadOnlyList<MetricsRow> rows, string path, string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        File.WriteAllBytes(path, EncodePng(rows, title, width, height));
    }

    /// <summary>The figure as PNG bytes.</summary>
    public static byte[] EncodePng(IReadOnlyList<MetricsRow> rows, string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        if (!rows.Any(r => r[MetricNames.DLoss] is not null || r[MetricNames.GLoss] is not null))
        {
            throw new ArgumentException($"no row carries {MetricNames.DLoss} or {MetricNames.GLoss}: nothing to plot", nameof(rows));
        }

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("round");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "D output";
        Add(plot, rows, MetricNames.DLoss, Colors.C0, right: false);
        Add(plot, rows, MetricNames.GLoss, Colors.C1, right: false);
        Add(plot, rows, MetricNames.DReal, Colors.C2, right: true);
        Add(plot, rows, MetricNames.DFake, Colors.C3, right: true);
        plot.Axes.SetLimitsY(0, 1, plot.Axes.Right);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void Add(Plot plot, IReadOnlyList<MetricsRow> rows, string name, Color color, bool right)
    {
        var points = rows.Where(r => r[name] is { } v && double.IsFinite(v)).Select(r => (X: (double)r.Round, Y: r[name]!.Value)).ToArray();
        if (points.Length == 0)
        {
            return;
        }

        var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), color);
        line.LegendText = name;
        line.LineWidth = 1.5f;
        if (right)
        {
            line.Axes.YAxis = plot.Axes.Right;
            line.LinePattern = LinePattern.Dashed;
        }
    }
}
