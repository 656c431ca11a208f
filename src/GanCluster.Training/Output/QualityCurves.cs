using GanCluster.Training.Runs;
using ScottPlot;

namespace GanCluster.Training.Output;

/// <summary>
/// Quality against round for one preset, drawn with ScottPlot from the per-checkpoint evaluations (evaluations.jsonl)
/// of each of its runs (one line per seed): for image data the Parzen log-likelihood (left axis) and, for MNIST, the
/// MNIST FID (right axis, dashed) with its real-vs-real floor (dotted); for the 2-D mixtures the modes captured (left)
/// and the share of high-quality samples (right, dashed).
/// </summary>
public static class QualityCurves
{
    public static void SavePng(IReadOnlyList<(string Label, IReadOnlyList<EvaluationResult> Evaluations)> runs, string title, string path, int width = 900, int height = 500)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("round");
        var colors = new[] { Colors.C0, Colors.C1, Colors.C2, Colors.C3, Colors.C4, Colors.C5 };
        double? floor = null;
        for (var i = 0; i < runs.Count; i++)
        {
            var (label, rows) = runs[i];
            var ordered = rows.Where(r => r.Round is not null).OrderBy(r => r.Round).ToList();
            var color = colors[i % colors.Length];
            if (ordered.Any(r => r.Parzen is not null))
            {
                plot.YLabel("Parzen log-likelihood");
                Line(plot, ordered, r => r.Parzen?.MeanLogLikelihood, $"{label} Parzen", color, right: false);
                if (ordered.Any(r => r.Classifier is not null))
                {
                    plot.Axes.Right.Label.Text = "MNIST FID";
                    Line(plot, ordered, r => r.Classifier?.Fid, $"{label} FID", color, right: true);
                    floor ??= ordered.Select(r => r.Classifier?.FidFloor).FirstOrDefault(f => f is not null);
                }
            }
            else
            {
                plot.YLabel("modes captured");
                plot.Axes.Right.Label.Text = "high-quality samples (%)";
                Line(plot, ordered, r => r.Modes?.ModesCaptured, $"{label} modes", color, right: false);
                Line(plot, ordered, r => r.Modes is { } m ? m.HighQualityFraction * 100 : null, $"{label} high quality", color, right: true);
            }
        }

        if (floor is { } f)
        {
            var line = plot.Add.HorizontalLine(f, color: Colors.Gray);
            line.Axes.YAxis = plot.Axes.Right;
            line.LinePattern = LinePattern.Dotted;
            line.LegendText = "FID floor (real vs real)";
        }

        plot.ShowLegend(Alignment.UpperRight);
        File.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    private static void Line(Plot plot, List<EvaluationResult> rows, Func<EvaluationResult, double?> value, string label, Color color, bool right)
    {
        var points = rows.Select(r => (X: (double)r.Round!.Value, Y: value(r))).Where(p => p.Y is { } y && double.IsFinite(y)).ToArray();
        if (points.Length == 0)
        {
            return;
        }

        var line = plot.Add.ScatterLine(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Value).ToArray(), color);
        line.LegendText = label;
        line.LineWidth = 1.5f;
        line.MarkerSize = 5;
        if (right)
        {
            line.Axes.YAxis = plot.Axes.Right;
            line.LinePattern = LinePattern.Dashed;
        }
    }
}
