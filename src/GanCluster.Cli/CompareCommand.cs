using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GanCluster.Training.Core;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster compare &lt;A&gt; &lt;B&gt;</c>: the generative adversarial metric (Im et al. 2016) of two local runs (run
/// folders of <c>train --local</c>, their newest checkpoint, or .ckpt files): each run's D judges the held-out digits and
/// the other run's samples; prints a table, or the report as JSON with <c>--json</c>. Exit codes: 0 done, 1 the
/// comparison failed, 2 a wrong argument (missing path, not a checkpoint, runs GAM cannot compare).
/// </summary>
internal static class CompareCommand
{
    private sealed class ArgumentProblem(string message) : Exception(message);

    private static readonly JsonSerializerOptions Json = new(EvaluationLog.Json) { WriteIndented = true };

    public static Command Create()
    {
        var a = new Argument<string>("A") { Description = "A run folder of 'gancluster train --local ... --out DIR' (its newest checkpoint) or a .ckpt file." };
        var b = new Argument<string>("B") { Description = "The run to compare A with, as for A." };
        var samples = new Option<int>("--samples") { Description = "Samples of each G the other D judges.", DefaultValueFactory = _ => 2000 };
        var tolerance = new Option<double>("--tolerance")
        {
            Description = "Largest |r_test - 1| for a verdict (the paper asks r_test ≈ 1).",
            DefaultValueFactory = _ => GenerativeAdversarialMetric.DefaultTolerance,
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of the table." };
        var threads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use (default one per core)." };
        var command = new Command("compare", "Compare two local runs with GAM, the generative adversarial metric (Im et al. 2016): swap their discriminators, compare error ratios.")
        {
            a, b, samples, tolerance, json, threads,
        };
        command.SetAction(parse =>
        {
            try
            {
                var count = parse.GetValue(samples);
                if (count < 1)
                {
                    throw new ArgumentProblem($"--samples: must be >= 1; got {count}");
                }

                var bound = parse.GetValue(tolerance);
                if (bound is not (>= 0 and < 1))
                {
                    throw new ArgumentProblem($"--tolerance: must be in [0, 1) (a bound on |r_test - 1|); got {bound.ToString(CultureInfo.InvariantCulture)}");
                }

                var (fileA, checkpointA) = Load("A", parse.GetValue(a)!.Trim());
                var (fileB, checkpointB) = Load("B", parse.GetValue(b)!.Trim());
                GamComparison.CheckCompatible(checkpointA.Spec, checkpointB.Spec);
                ClassifierCommand.SetThreads(parse.GetValue(threads));
                var report = GamComparison.Compare(checkpointA, fileA, checkpointB, fileB, count, bound);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(report, Json));
                }
                else
                {
                    Print(report);
                }

                return 0;
            }
            catch (ArgumentProblem e)
            {
                Console.Error.WriteLine($"gancluster compare: {e.Message}");
                return 2;
            }
            catch (GamInputException e)
            {
                Console.Error.WriteLine($"gancluster compare: {e.Argument}: {e.Message}");
                return 2;
            }
            catch (CorruptCheckpointException e)
            {
                Console.Error.WriteLine($"gancluster compare: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is TorchUnavailableException or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or SpecValidationException)
            {
                Console.Error.WriteLine($"gancluster compare: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The checkpoint <paramref name="value"/> names: a .ckpt file, or a run folder's newest one that loads.</summary>
    private static (string File, Checkpoint Checkpoint) Load(string argument, string value)
    {
        const string Expected = "pass a run folder written by 'gancluster train --local <experiment> --out DIR' or a .ckpt file";
        if (Directory.Exists(value))
        {
            var (file, checkpoint, skipped) = RunFolder.NewestValidCheckpoint(Path.Combine(Path.GetFullPath(value), "checkpoints"));
            skipped.ToList().ForEach(message => Console.Error.WriteLine($"skipped a damaged checkpoint: {message}"));
            return file is not null
                ? (file, checkpoint!)
                : throw new ArgumentProblem(skipped.Count == 0
                    ? $"{argument}: {Path.GetFullPath(value)} holds no checkpoints/round-*.ckpt; {Expected} (a cluster run: 'gancluster checkpoint' downloads one)"
                    : $"{argument}: every checkpoint of {Path.GetFullPath(value)} is damaged; train the run again or pass another");
        }

        if (!File.Exists(value))
        {
            throw new ArgumentProblem($"{argument}: '{value}' does not exist; {Expected}");
        }

        if (!value.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentProblem($"{argument}: {Path.GetFullPath(value)} is not a checkpoint; {Expected}");
        }

        try
        {
            return (Path.GetFullPath(value), Checkpoint.Load(value));
        }
        catch (CorruptCheckpointException e)
        {
            throw new ArgumentProblem($"{argument}: {e.Message}");
        }
    }

    /// <summary>The report as a table on stdout.</summary>
    private static void Print(GamReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var r = report.Result;
        Console.WriteLine("GAM, the generative adversarial metric (Im et al. 2016): each run's D judges the held-out digits and the other's samples");
        foreach (var (label, side) in new[] { ("A", report.A), ("B", report.B) })
        {
            var mode = side.BatchStatistics ? $"D judges batches of {side.BatchSize} with their own BatchNorm statistics, as in training" : "D in eval mode";
            Console.WriteLine($"  {label}: {side.Name} (model {side.Model}, round {side.Round}; {mode}) {side.Checkpoint}");
        }

        var rows = new (string Label, string A, string B)[]
        {
            ("", "D_A", "D_B"),
            ($"error on {report.TestDigits} held-out digits", Percent(r.TestErrorA), Percent(r.TestErrorB)),
            ($"error on {report.Samples} samples of the other G", $"{Percent(r.SampleErrorA)} (G_B)", $"{Percent(r.SampleErrorB)} (G_A)"),
        };
        var width = rows.Max(x => x.Label.Length);
        var widthA = rows.Max(x => x.A.Length);
        foreach (var (label, valueA, valueB) in rows)
        {
            Console.WriteLine($"  {label.PadRight(width)}  {valueA.PadRight(widthA)}  {valueB}");
        }

        Console.WriteLine($"  r_test   = {Ratio(r.RTest)}  (err D_A / err D_B on the digits; a verdict needs |r_test - 1| <= {r.Tolerance.ToString("0.###", c)})");
        Console.WriteLine($"  r_sample = {Ratio(r.RSample)}  (err D_A on G_B / err D_B on G_A; < 1: A wins, > 1: B wins)");
        Console.WriteLine("  verdict: " + r.Verdict switch
        {
            GamVerdict.A => $"A ({report.A.Name}) wins",
            GamVerdict.B => $"B ({report.B.Name}) wins",
            GamVerdict.Tie => "tie",
            _ => "undecided: r_test is not close to 1 (the two discriminators judge real digits differently)",
        });

        string Percent(double value) => string.Format(c, "{0:F2}%", value * 100);
        string Ratio(double? value) => value is { } v ? v.ToString("F3", c) : "undefined (0 in the denominator)";
    }
}
