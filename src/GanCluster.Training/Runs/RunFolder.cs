using System.Text.Json;
using GanCluster.Training.Core;
using GanCluster.Training.Options;

namespace GanCluster.Training.Runs;

/// <summary>
/// The folder of one run, laid out like stylegan2-ada's: the resolved options, metrics as JSON lines,
/// sample grids and checkpoints named by progress.
/// <code>
/// options.json              resolved experiment
/// metrics.jsonl             one line per logged round (written by MetricsCollector)
/// tensorboard/              TensorBoard event files: the same scalars and the sample grids
/// reals.png                 a grid of real samples
/// samples/round-000500.png  grids from the fixed noise batch (InfoGAN: the traversal grid, rows = categorical value)
/// checkpoints/round-000500.ckpt
/// evaluation.json           the latest evaluation (Parzen log-likelihood, classifier metrics or mode coverage)
/// evaluations.jsonl         one evaluation per evaluated checkpoint, by round
/// </code>
/// </summary>
public sealed class RunFolder
{
    private static readonly JsonSerializerOptions LineOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public RunFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
        Directory.CreateDirectory(SamplesPath);
        Directory.CreateDirectory(CheckpointsPath);
    }

    public string Path { get; }

    public string OptionsFile => System.IO.Path.Combine(Path, "options.json");

    public string MetricsFile => System.IO.Path.Combine(Path, Monitoring.MetricsCollector.MetricsFileName);

    public string TensorBoardPath => System.IO.Path.Combine(Path, Monitoring.MetricsCollector.TensorBoardFolderName);

    public string EvaluationFile => System.IO.Path.Combine(Path, "evaluation.json");

    public string RealsFile => System.IO.Path.Combine(Path, "reals.png");

    public string SamplesPath => System.IO.Path.Combine(Path, "samples");

    public string CheckpointsPath => System.IO.Path.Combine(Path, "checkpoints");

    public string SampleGridFile(int round) => System.IO.Path.Combine(SamplesPath, $"round-{round:D6}.png");

    public string CheckpointFile(int round) => System.IO.Path.Combine(CheckpointsPath, $"round-{round:D6}.ckpt");

    public void WriteOptions(ExperimentSpec spec) => File.WriteAllText(OptionsFile, SpecJson.Serialize(spec));

    /// <summary>The newest checkpoint that loads and verifies, skipping damaged ones.</summary>
    public (Checkpoint? Checkpoint, IReadOnlyList<string> Skipped) LatestValidCheckpoint()
    {
        var (_, checkpoint, skipped) = NewestValidCheckpoint(CheckpointsPath);
        return (checkpoint, skipped);
    }

    /// <summary>
    /// The newest round-*.ckpt in <paramref name="checkpointsFolder"/> that loads and verifies, with its file, and the
    /// damaged ones skipped on the way (their messages); nulls when none loads or the folder is missing.
    /// </summary>
    public static (string? File, Checkpoint? Checkpoint, IReadOnlyList<string> Skipped) NewestValidCheckpoint(string checkpointsFolder)
    {
        var skipped = new List<string>();
        var files = Directory.Exists(checkpointsFolder) ? Directory.EnumerateFiles(checkpointsFolder, "round-*.ckpt") : [];
        foreach (var file in files.OrderByDescending(f => f, StringComparer.Ordinal))
        {
            try
            {
                return (file, Checkpoint.Load(file), skipped);
            }
            catch (CorruptCheckpointException e)
            {
                skipped.Add(e.Message);
            }
        }

        return (null, null, skipped);
    }

    /// <summary>
    /// True when <paramref name="path"/> already holds a run: resolved options, metrics or checkpoints. Training into it again
    /// without resuming would restart at round 1 and mix two runs' metrics.
    /// </summary>
    public static bool HoldsRun(string path) =>
        Directory.Exists(path)
        && (File.Exists(System.IO.Path.Combine(path, "options.json"))
            || File.Exists(System.IO.Path.Combine(path, Monitoring.MetricsCollector.MetricsFileName))
            || (Directory.Exists(System.IO.Path.Combine(path, "checkpoints")) && Directory.EnumerateFiles(System.IO.Path.Combine(path, "checkpoints"), "*.ckpt").Any()));

    /// <summary>
    /// Deletes what a run writes into <paramref name="path"/> (and nothing else, so a mistyped --out never wipes an unrelated folder):
    /// options, metrics, TensorBoard files, sample grids, checkpoints and evaluations.
    /// </summary>
    public static void Clear(string path)
    {
        foreach (var file in new[] { "options.json", Monitoring.MetricsCollector.MetricsFileName, "reals.png", EvaluationLog.LatestFileName, EvaluationLog.FileName, "curves.png" })
        {
            File.Delete(System.IO.Path.Combine(path, file));
        }

        foreach (var folder in new[] { Monitoring.MetricsCollector.TensorBoardFolderName, "samples", "checkpoints" })
        {
            var full = System.IO.Path.Combine(path, folder);
            if (Directory.Exists(full))
            {
                Directory.Delete(full, recursive: true);
            }
        }
    }

    public void WriteEvaluation(object evaluation) =>
        File.WriteAllText(EvaluationFile, JsonSerializer.Serialize(evaluation, new JsonSerializerOptions(LineOptions) { WriteIndented = true }));
}
