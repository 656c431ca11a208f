using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GanCluster.Cli;

/// <summary>What the progress views show: one experiment at one moment.</summary>
internal sealed record ProgressSnapshot(
    string Title,
    string State,
    int RoundsDone,
    int RoundsTotal,
    double? StepsPerSecond,
    double? DLoss,
    double? GLoss,
    double? DReal,
    double? DFake,
    string? Nodes,
    IReadOnlyList<string> Alarms,
    string? Quality = null)
{
    /// <summary>Time left at the current speed, when there is one.</summary>
    public TimeSpan? Eta => StepsPerSecond is > 0 && RoundsTotal > RoundsDone ? TimeSpan.FromSeconds((RoundsTotal - RoundsDone) / StepsPerSecond.Value) : null;

    public double Fraction => RoundsTotal <= 0 ? 0 : Math.Clamp((double)RoundsDone / RoundsTotal, 0, 1);
}

/// <summary>
/// Renders progress for <c>watch</c> and <c>train --local</c>: a plain line (logs, pipes) or a Spectre.Console
/// panel with a progress bar (a terminal). Both carry rounds done of total, ETA, steps/s, latest losses, state and nodes.
/// </summary>
internal static class ProgressView
{
    private const int BarWidth = 30;

    /// <summary>One line, e.g. <c>ring8 running 1500/3000 [###############...............] 50.0% eta 00:00:27 55.2 steps/s loss/d 1.3 ...</c></summary>
    public static string Line(ProgressSnapshot s)
    {
        var filled = (int)Math.Round(s.Fraction * BarWidth);
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{s.Title} {s.State} {s.RoundsDone}/{s.RoundsTotal} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {s.Fraction * 100:F1}%");
        line.Append(CultureInfo.InvariantCulture, $" eta {FormatEta(s.Eta)} {Format(s.StepsPerSecond, "F1")} steps/s");
        line.Append(CultureInfo.InvariantCulture, $" loss/d {Format(s.DLoss)} loss/g {Format(s.GLoss)} d/real {Format(s.DReal, "F3")} d/fake {Format(s.DFake, "F3")}");
        if (s.Nodes is not null)
        {
            line.Append(' ').Append(s.Nodes);
        }

        if (s.Quality is not null)
        {
            line.Append(" quality: ").Append(s.Quality);
        }

        if (s.Alarms.Count > 0)
        {
            line.Append(" ALARMS: ").Append(string.Join("; ", s.Alarms));
        }

        return line.ToString();
    }

    /// <summary>The live panel for a terminal.</summary>
    public static IRenderable Panel(ProgressSnapshot s)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        var bar = new BreakdownChart().Width(BarWidth * 2).HideTags()
            .AddItem("done", Math.Max(s.RoundsDone, 0), Color.Green)
            .AddItem("left", Math.Max(s.RoundsTotal - s.RoundsDone, 0), Color.Grey23);
        grid.AddRow(new Markup("[bold]rounds[/]"), new Rows(bar, new Text(string.Create(CultureInfo.InvariantCulture, $"{s.RoundsDone}/{s.RoundsTotal} ({s.Fraction * 100:F1}%)"))));
        grid.AddRow(new Markup("[bold]state[/]"), new Text(s.State));
        grid.AddRow(new Markup("[bold]eta[/]"), new Text($"{FormatEta(s.Eta)} at {Format(s.StepsPerSecond, "F1")} steps/s"));
        grid.AddRow(new Markup("[bold]losses[/]"), new Text($"loss/d {Format(s.DLoss)}  loss/g {Format(s.GLoss)}  d/real {Format(s.DReal, "F3")}  d/fake {Format(s.DFake, "F3")}"));
        if (s.Nodes is not null)
        {
            grid.AddRow(new Markup("[bold]nodes[/]"), new Text(s.Nodes));
        }

        if (s.Quality is not null)
        {
            grid.AddRow(new Markup("[bold]quality[/]"), new Text(s.Quality));
        }

        grid.AddRow(new Markup("[bold]alarms[/]"), s.Alarms.Count == 0 ? new Markup("[green]none[/]") : new Markup($"[red]{Markup.Escape(string.Join("\n", s.Alarms))}[/]"));
        return new Panel(grid).Header(Markup.Escape(s.Title)).Expand();
    }

    public static string Format(double? value, string format = "F4") => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string FormatEta(TimeSpan? eta) => eta is { } t ? t.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "-";
}
