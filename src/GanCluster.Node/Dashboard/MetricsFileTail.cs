using System.Globalization;
using System.Text;
using System.Text.Json;
using GanCluster.Training.Monitoring;

namespace GanCluster.Node.Dashboard;

/// <summary>
/// Follows one experiment's metrics.jsonl (written by the coordinator's monitor on the node the coordinator runs on):
/// each call returns the loss points of the lines completed since the last call. A missing file (the coordinator runs
/// on another coordinator node) returns nothing; the curve then has the status replies' rounds only.
/// </summary>
public sealed class MetricsFileTail(string path)
{
    private long _offset;

    public IReadOnlyList<LossPoint> ReadNew()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _offset)
        {
            _offset = 0; // rewritten
        }

        stream.Seek(_offset, SeekOrigin.Begin);
        var bytes = new byte[stream.Length - _offset];
        stream.ReadExactly(bytes);
        var complete = Array.LastIndexOf(bytes, (byte)'\n') + 1; // a line still being appended waits for the next call
        _offset += complete;
        return [.. Encoding.UTF8.GetString(bytes, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).OfType<LossPoint>()];
    }

    /// <summary>A line as a loss point; null when it is not one (no round, or no losses: a row of worker metrics).</summary>
    public static LossPoint? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            // The monitor also writes rows of a round's worker metrics (diversity, modes) apart from its losses.
            if (!root.TryGetProperty("round", out var round) || round.ValueKind != JsonValueKind.Number
                || !root.TryGetProperty(MetricNames.DLoss, out _) || !root.TryGetProperty(MetricNames.GLoss, out _))
            {
                return null;
            }

            double Value(string name) => !root.TryGetProperty(name, out var v) ? double.NaN
                : v.ValueKind == JsonValueKind.Number ? v.GetDouble()
                : double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var literal) ? literal : double.NaN;
            return new LossPoint(round.GetInt32(), Value(MetricNames.DLoss), Value(MetricNames.GLoss), Value(MetricNames.DReal), Value(MetricNames.DFake));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
