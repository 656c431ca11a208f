using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanCluster.Training.Monitoring;

/// <summary>
/// One experiment's metrics, by stable name (<see cref="MetricNames"/>), written two ways into its run folder:
/// <c>metrics.jsonl</c> (one JSON object per recorded round) and TensorBoard event files under
/// <c>tensorboard/</c> (<see cref="TensorBoardWriter"/>: a scalar per name and round, sample grids as images), so
/// <c>tensorboard --logdir &lt;folder&gt;/tensorboard</c> shows the curves and grids. Thread-safe; the caller
/// decides how often to record.
/// </summary>
public sealed class MetricsCollector
{
    /// <summary>File name of the JSON-lines metrics in a run folder.</summary>
    public const string MetricsFileName = "metrics.jsonl";

    /// <summary>Folder of the TensorBoard event files in a run folder.</summary>
    public const string TensorBoardFolderName = "tensorboard";

    // NaN and infinities are what a diverged round reports: they are written as the strings "NaN", "Infinity".
    // The relaxed encoder keeps names and times readable ("+00:00", not "\u002B00:00"); lines are never embedded in HTML.
    private static readonly JsonSerializerOptions LineOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly object _gate = new();
    private readonly TensorBoardWriter? _tensorBoard;

    /// <param name="folder">The run folder; created when missing.</param>
    /// <param name="tensorBoard">Also write TensorBoard event files.</param>
    public MetricsCollector(string folder, bool tensorBoard = true)
    {
        Folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Folder);
        if (tensorBoard)
        {
            _tensorBoard = new TensorBoardWriter(TensorBoardPath);
        }
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>The JSON-lines file.</summary>
    public string MetricsFile => Path.Combine(Folder, MetricsFileName);

    /// <summary>The TensorBoard log directory.</summary>
    public string TensorBoardPath => Path.Combine(Folder, TensorBoardFolderName);

    /// <summary>Appends one round: a JSON line <c>{"round": N, "time": ISO-8601, name: value, ...}</c> and one TensorBoard scalar per name.</summary>
    public void Record(int round, IReadOnlyDictionary<string, double> values, DateTimeOffset? at = null)
    {
        var time = at ?? DateTimeOffset.UtcNow;
        var line = new Dictionary<string, object>
        {
            ["round"] = round,
            ["time"] = time.ToString("O", CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in values)
        {
            line[name] = value;
        }

        var json = JsonSerializer.Serialize(line, LineOptions) + "\n";
        lock (_gate)
        {
            File.AppendAllText(MetricsFile, json);
            _tensorBoard?.Scalars(values, round, time);
        }
    }

    /// <summary>Adds a PNG (a sample grid or scatter plot) to TensorBoard as an image of <paramref name="round"/>.</summary>
    public void AddImage(int round, string pngPath, string tag = MetricNames.SamplesImage)
    {
        lock (_gate)
        {
            _tensorBoard?.Image(tag, pngPath, round, DateTimeOffset.UtcNow);
        }
    }

    /// <summary>
    /// Drops metrics lines after <paramref name="round"/>: a resumed run repeats those rounds, and the loss history
    /// must have neither gaps nor duplicates. (TensorBoard keeps the repeated steps; it draws the newest.)
    /// </summary>
    public void TruncateAfter(int round)
    {
        lock (_gate)
        {
            if (!File.Exists(MetricsFile))
            {
                return;
            }

            var kept = File.ReadLines(MetricsFile)
                .Where(line => line.Length > 0 && JsonDocument.Parse(line).RootElement.GetProperty("round").GetInt32() <= round)
                .ToList();
            File.WriteAllLines(MetricsFile, kept);
        }
    }
}
