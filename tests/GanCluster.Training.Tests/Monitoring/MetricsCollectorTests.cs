using System.Text.Json;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Output;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Monitoring;

public sealed class MetricsCollectorTests
{
    private static Dictionary<string, double> Values(double dLoss, double gLoss) => new()
    {
        [MetricNames.DLoss] = dLoss,
        [MetricNames.GLoss] = gLoss,
        [MetricNames.DReal] = 0.75,
        [MetricNames.DFake] = 0.25,
        [MetricNames.ExchangeBytes] = 627_200,
    };

    [Fact]
    public void Each_record_is_one_json_line_with_the_round_a_time_and_every_name()
    {
        using var folder = new TempFolder();
        var collector = new MetricsCollector(folder.Path, tensorBoard: false);
        var at = new DateTimeOffset(2026, 11, 26, 18, 0, 0, TimeSpan.Zero);

        collector.Record(10, Values(1.25, 0.5), at);
        collector.Record(20, Values(double.NaN, double.PositiveInfinity), at);

        var lines = File.ReadAllLines(collector.MetricsFile);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal(
            ["round", "time", "loss/d", "loss/g", "d/real", "d/fake", "exchange/bytes"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(10, root.GetProperty("round").GetInt32());
        Assert.Equal("2026-11-26T18:00:00.0000000+00:00", root.GetProperty("time").GetString());
        Assert.Equal(1.25, root.GetProperty("loss/d").GetDouble());
        Assert.Equal(627_200, root.GetProperty("exchange/bytes").GetDouble());
        Assert.Contains("\"loss/d\":\"NaN\"", lines[1]);
        Assert.Contains("\"time\":\"2026-11-26T18:00:00.0000000+00:00\"", lines[0]);

        var rows = MetricsLog.Read(folder.Path);
        Assert.Equal([10, 20], rows.Select(r => r.Round));
        Assert.Equal(0.5, rows[0][MetricNames.GLoss]);
        Assert.True(double.IsNaN(rows[1][MetricNames.DLoss]!.Value));
        Assert.Equal(double.PositiveInfinity, rows[1][MetricNames.GLoss]);
        Assert.Null(rows[0][MetricNames.StepsPerSecond]);
    }

    [Fact]
    public void Truncating_keeps_the_rounds_up_to_the_checkpoint()
    {
        using var folder = new TempFolder();
        var collector = new MetricsCollector(folder.Path, tensorBoard: false);
        foreach (var round in new[] { 50, 100, 150 })
        {
            collector.Record(round, Values(1, 1));
        }

        collector.TruncateAfter(100);
        collector.Record(150, Values(2, 2));

        Assert.Equal([50, 100, 150], MetricsLog.Read(collector.MetricsFile).Select(r => r.Round));
        Assert.Equal(2, MetricsLog.Read(collector.MetricsFile)[^1][MetricNames.DLoss]);
    }

    [Fact]
    public void The_tensorboard_event_file_holds_a_scalar_per_name_and_round_and_the_sample_grid()
    {
        using var folder = new TempFolder();
        var collector = new MetricsCollector(folder.Path);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        collector.Record(10, Values(1.25, 0.5));
        collector.Record(20, Values(1.0, 0.75));
        var png = folder.File("grid.png");
        using (var images = full(new long[] { 4, 1, 28, 28 }, KeptScalars.OfSingle(0.5f)))
        {
            SampleGrid.SavePng(images, png, columns: 2);
        }

        collector.AddImage(20, png);

        var files = Directory.GetFiles(collector.TensorBoardPath, "events.out.tfevents.*");
        var events = EventFile.Read(Assert.Single(files));
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v))).Where(x => x.v.Image is null).ToList();
        Assert.Equal(10, scalars.Count);
        Assert.Equal(1.25f, scalars.Single(x => x.Step == 10 && x.v.Tag == MetricNames.DLoss).v.SimpleValue);
        Assert.Equal(0.75f, scalars.Single(x => x.Step == 20 && x.v.Tag == MetricNames.GLoss).v.SimpleValue);
        Assert.Equal(
            new[] { MetricNames.DLoss, MetricNames.GLoss, MetricNames.DReal, MetricNames.DFake, MetricNames.ExchangeBytes }.Order(),
            scalars.Where(x => x.Step == 10).Select(x => x.v.Tag).Order());
        // Every wall time in seconds since the Unix epoch, the file-version event's too (TorchSharp's writer put .NET ticks there).
        Assert.All(events, e => Assert.InRange(e.WallTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));

        var image = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v))).Single(x => x.v.Image is not null);
        Assert.Equal(20, image.Step);
        Assert.Equal(MetricNames.SamplesImage, image.v.Tag);
        using var decoded = SKBitmap.Decode(image.v.Image.EncodedImageString.ToByteArray());
        Assert.Equal((2 * 30) + 2, decoded.Width);
        Assert.Equal(image.v.Image.Width, decoded.Width);
        Assert.Equal(image.v.Image.Height, decoded.Height);
        // The grid is a grayscale PNG and is labelled so (1), not as RGBA (4).
        Assert.Equal(SKColorType.Gray8, decoded.ColorType);
        Assert.Equal(1, image.v.Image.Colorspace);
    }
}
