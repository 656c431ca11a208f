using System.Globalization;
using System.Text.Json;

namespace GanCluster.Training.Monitoring;

/// <summary>One line of metrics.jsonl: the round and its named values.</summary>
public sealed record MetricsRow(int Round, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>The value of <paramref name="name"/>, or null when the row does not carry it.</summary>
    public double? this[string name] => Values.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Reads metrics.jsonl back (for loss curves and tests).</summary>
public static class MetricsLog
{
    /// <summary>
    /// Every row of a metrics.jsonl file, or of the metrics.jsonl inside a run folder. Numbers and the named
    /// floating-point literals ("NaN", "Infinity") are read; other fields (the time stamp) are skipped.
    /// </summary>
    public static IReadOnlyList<MetricsRow> Read(string fileOrFolder)
    {
        var path = Directory.Exists(fileOrFolder) ? Path.Combine(fileOrFolder, MetricsCollector.MetricsFileName) : fileOrFolder;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no metrics file at {path}: a run folder holds {MetricsCollector.MetricsFileName}", path);
        }

        var rows = new List<MetricsRow>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var values = new Dictionary<string, double>();
                var round = 0;
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == "round")
                    {
                        round = property.Value.GetInt32();
                    }
                    else if (property.Value.ValueKind == JsonValueKind.Number)
                    {
                        values[property.Name] = property.Value.GetDouble();
                    }
                    else if (property.Value.ValueKind == JsonValueKind.String
                             && double.TryParse(property.Value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var literal)
                             && !double.IsFinite(literal))
                    {
                        values[property.Name] = literal;
                    }
                }

                rows.Add(new MetricsRow(round, values));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}, line {number}: not a metrics line ({e.Message})", e);
            }
        }

        return rows;
    }
}
