using GanCluster.Protocol;
using ScottPlot;

namespace GanCluster.Cli;

/// <summary>
/// <c>sweep status --plot out.png</c>: the sweep's round metric over rounds, one line per child, drawn with ScottPlot as
/// the run folders' quality curves are (<c>Training/Output/QualityCurves</c>).
/// </summary>
internal static class SweepPlot
{
    public static void SavePng(SweepCurvesReply curves, string title, string path, int width = 1000, int height = 560)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("round");
        plot.YLabel($"{curves.Metric} (mean of the last 10 rounds)");
        var palette = new ScottPlot.Palettes.Category20();
        for (var i = 0; i < curves.Curves.Count; i++)
        {
            var curve = curves.Curves[i];
            if (curve.Rounds.Count == 0)
            {
                continue;
            }

            var line = plot.Add.ScatterLine(curve.Rounds.Select(r => (double)r).ToArray(), curve.Values.ToArray(), palette.GetColor(i));
            line.LegendText = curve.Name;
            line.LineWidth = 1.5f;
            line.MarkerSize = 0;
        }

        plot.ShowLegend(Alignment.UpperRight);
        File.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
