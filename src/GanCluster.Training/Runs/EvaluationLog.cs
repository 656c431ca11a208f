using System.Text.Json;

namespace GanCluster.Training.Runs;

/// <summary>
/// The evaluations of a run's checkpoints, one JSON object per line in <c>evaluations.jsonl</c> (ordered by round, one
/// line per round): the source of quality-vs-round curves. <c>evaluation.json</c> beside it holds the latest one.
/// </summary>
public static class EvaluationLog
{
    public const string FileName = "evaluations.jsonl";

    public const string LatestFileName = "evaluation.json";

    /// <summary>
    /// camelCase, as every JSON file of a run folder. A figure can be non-finite (the Parzen estimate of a generator
    /// whose samples hold an infinity or NaN is -Infinity or NaN): such numbers are written as the strings "NaN",
    /// "Infinity" and "-Infinity" and read back, instead of failing the whole evaluation at the end.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };

    public static string Serialize(EvaluationResult result, bool indented = false) => JsonSerializer.Serialize(result, indented ? Indented : Json);

    public static EvaluationResult Deserialize(string json) =>
        JsonSerializer.Deserialize<EvaluationResult>(json, Json) ?? throw new InvalidDataException("empty evaluation");

    /// <summary>
    /// Whether a dotted path (case-insensitive, as sweeps read it: <c>modes.highQualityFraction</c>,
    /// <c>semiSupervised.unlabelledTrainError</c>) names a number that evaluation.json can hold, from the result type's
    /// properties; the figures present depend on the family and data.
    /// </summary>
    public static bool IsFigure(string path)
    {
        var type = typeof(EvaluationResult);
        foreach (var part in path.Split('.'))
        {
            var property = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, part, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return false;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return type == typeof(double) || type == typeof(float) || type == typeof(int) || type == typeof(long);
    }

    /// <summary>
    /// Records <paramref name="result"/> in <paramref name="folder"/>: evaluation.json (when it is the newest round so far) and its
    /// line in evaluations.jsonl, replacing an older line of the same round. Each file is written to a temporary name and renamed.
    /// </summary>
    public static void Record(string folder, EvaluationResult result)
    {
        Directory.CreateDirectory(folder);
        var rows = Read(folder).Where(r => r.Round != result.Round).Append(result).OrderBy(r => r.Round ?? int.MaxValue).ToList();
        WriteAtomically(Path.Combine(folder, FileName), string.Concat(rows.Select(r => Serialize(r) + "\n")));
        if (rows[^1] == result)
        {
            WriteAtomically(Path.Combine(folder, LatestFileName), Serialize(result, indented: true));
        }
    }

    /// <summary>The evaluations recorded in <paramref name="folder"/>, by round (none when the file is missing); unreadable lines are skipped.</summary>
    public static IReadOnlyList<EvaluationResult> Read(string folder)
    {
        var file = Path.Combine(folder, FileName);
        if (!File.Exists(file))
        {
            return [];
        }

        var rows = new List<EvaluationResult>();
        foreach (var line in File.ReadLines(file).Where(l => l.Trim().Length > 0))
        {
            try
            {
                rows.Add(Deserialize(line));
            }
            catch (JsonException)
            {
                // A line cut short by a crash must not hide the others.
            }
        }

        return rows;
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
