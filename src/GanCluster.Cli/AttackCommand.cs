using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GanCluster.Node;
using GanCluster.Training.Adversarial;
using GanCluster.Training.Data;
using GanCluster.Training.Runtime;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster attack &lt;classifier&gt;</c>: the error of a classifier on the held-out digits 8000-9999, clean and
/// under the fast gradient sign method (Goodfellow et al. 2015) at each epsilon; writes the result as JSON and a PNG
/// grid of clean / perturbed / difference images. The work is <see cref="Fgsm"/> and <see cref="AttackGrid"/>; this
/// command only resolves the classifier, checks the options and prints. No random draws: the same classifier gives
/// the same figures. Exit codes: 0 done, 1 the attack failed, 2 bad input (not a classifier, epsilon or count out of range).
/// </summary>
internal static class AttackCommand
{
    /// <summary>The paper's figures for its maxout network on MNIST at epsilon 0.25.</summary>
    internal const string PaperAnchor = "paper (Goodfellow et al. 2015, maxout network, MNIST, eps 0.25): 89.4% error; 17.9% after adversarial training";

    /// <summary>The held-out split of the bundled digits: 8000-9999.</summary>
    private const int HeldOutDigits = 2000;

    private sealed class UsageException(string message) : Exception(message);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var target = new Argument<string>("classifier")
        {
            Description = "'shipped' (the evaluation classifier of this build), a weights file written by 'gancluster classifier train --out', or a checkpoint of a GAN family whose discriminator classifies digits.",
        };
        var epsilons = new Option<string[]>("--epsilon")
        {
            Description = "FGSM step per pixel, pixels in [0, 1] (repeatable; default 0.1 and 0.25, the paper's).",
            AllowMultipleArgumentsPerToken = true,
        };
        var count = new Option<int?>("--count") { Description = "Attack only the first N held-out digits (default: all 2,000, digits 8000-9999)." };
        var output = new Option<string>("--out") { Description = "Where to write the result JSON.", DefaultValueFactory = _ => "attack.json" };
        var grid = new Option<string?>("--grid") { Description = "Where to write the PNG grid of clean / perturbed / difference images (default: the --out path with .png)." };
        var threads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use (default one per core)." };
        var source = new Option<string?>("--source")
        {
            Description = "Craft the perturbations on this classifier instead (same forms as the argument) and show them to the attacked one: a transfer (black-box) attack.",
        };
        var command = new Command("attack", "Error of a digit classifier under the fast gradient sign method (Goodfellow et al. 2015) on the held-out digits.")
        {
            target, epsilons, count, output, grid, threads, source,
        };
        command.SetAction(parse =>
        {
            try
            {
                var steps = ParseEpsilons(parse.GetValue(epsilons));
                var limit = parse.GetValue(count);
                if (limit is { } n && n is < 1 or > HeldOutDigits)
                {
                    throw new UsageException($"--count: {n} is not a number of held-out digits; pass 1 to {HeldOutDigits} (the held-out digits are 8000-9999), or leave it out for all");
                }

                var outPath = parse.GetValue(output)!;
                var gridPath = parse.GetValue(grid) ?? Path.ChangeExtension(outPath, ".png");
                ClassifierCommand.SetThreads(parse.GetValue(threads));
                using var classifier = AttackTargets.Load(parse.GetValue(target)!.Trim());
                using var crafter = parse.GetValue(source) is { } from ? AttackTargets.Load(from.Trim()) : null;
                var (_, heldOut) = BundledMnist.Load(0.2);
                using var all = heldOut;
                if (all.Count != HeldOutDigits)
                {
                    throw new InvalidDataException($"{all.Description}: {all.Count} digits; expected {HeldOutDigits} (digits 8000-9999)");
                }
                var data = limit is { } m && m < all.Count
                    ? new SampleSet(all.Samples.narrow(0, 0, m), all.Labels.narrow(0, 0, m), all.Classes, $"bundled MNIST, the first {m} held-out digits (8000-{8000 + m - 1})")
                    : all;
                try
                {
                    return Attack(classifier, crafter, data, steps, outPath, gridPath);
                }
                finally
                {
                    if (!ReferenceEquals(data, all))
                    {
                        data.Dispose();
                    }
                }
            }
            catch (Exception e) when (e is UsageException or AttackTargetException or NodeOptionsException)
            {
                Console.Error.WriteLine($"gancluster attack: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is TorchUnavailableException or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"gancluster attack: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Attack(AttackTarget classifier, AttackTarget? source, SampleSet data, IReadOnlyList<double> epsilons, string outPath, string gridPath)
    {
        var started = DateTime.UtcNow;
        var result = Fgsm.Evaluate(classifier.Classifier, data, epsilons, classifier.Input, source?.Classifier, source?.Input ?? default);
        var examples = AttackGrid.Save(classifier.Classifier, data, epsilons, gridPath, classifier.Input, source?.Classifier, source?.Input ?? default);
        var document = new
        {
            classifier = classifier.Description,
            sha256 = classifier.Sha256,
            inputRange = Range(classifier),
            craftedOn = source is null ? "the attacked classifier itself (white-box)" : $"{source.Description} (sha256 {source.Sha256}): a transfer attack",
            data = data.Description,
            method = "FGSM: x' = clip(x + epsilon * sign(grad_x cross-entropy(x, y)), [0, 1]), pixels in [0, 1], classifier in eval mode",
            examples = result.Examples,
            cleanError = result.CleanError,
            epsilons = result.Epsilons,
            paper = new { model = "maxout network (Goodfellow et al. 2015)", epsilon = 0.25, error = 0.894, errorAfterAdversarialTraining = 0.179 },
            grid = new { path = Path.GetFullPath(gridPath), rows = "clean, then per epsilon: perturbed, difference (gray 0, white +epsilon, black -epsilon)", columnsNote = "index: position in the attacked digits (held-out digit 8000 + index); predictions: one per epsilon", columns = examples },
            seconds = Math.Round((DateTime.UtcNow - started).TotalSeconds, 1),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        File.WriteAllText(outPath, JsonSerializer.Serialize(document, Json));

        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"{classifier.Description} (sha256 {Short(classifier)}), input {Range(classifier)}; {data.Description}");
        if (source is not null)
        {
            Console.WriteLine($"  perturbations crafted on {source.Description} (sha256 {Short(source)}): a transfer attack");
        }

        Console.WriteLine(string.Format(c, "  {0,-14} error {1,6:F2}%", "clean", result.CleanError * 100));
        foreach (var e in result.Epsilons)
        {
            Console.WriteLine(string.Format(c, "  {0,-14} error {1,6:F2}%  (mean confidence of the wrong answers {2:F1}%; {3:F2}% of the clean-correct digits flipped; {4:F1}% of the pixels unchanged)",
                string.Format(c, "FGSM eps {0}", e.Epsilon), e.Error * 100, e.MeanConfidenceOnErrors * 100, e.FlippedFromCorrect * 100, e.UnchangedPixelShare * 100));
        }

        Console.WriteLine($"  {PaperAnchor}");
        Console.WriteLine(Path.GetFullPath(outPath));
        Console.WriteLine(Path.GetFullPath(gridPath));
        return 0;
    }

    private static string Short(AttackTarget classifier) => classifier.Sha256[..Math.Min(12, classifier.Sha256.Length)];

    private static string Range(AttackTarget classifier) => classifier.Input switch
    {
        Training.Models.SampleRange.Symmetric => "[-1, 1] (pixels mapped 2x - 1; clipped there)",
        _ => "[0, 1]",
    };

    /// <summary>The --epsilon values, each in [0, 1]; the paper's 0.1 and 0.25 when none is given.</summary>
    internal static IReadOnlyList<double> ParseEpsilons(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return Fgsm.PaperEpsilons;
        }

        var parsed = new List<double>();
        foreach (var text in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            parsed.Add(ParseEpsilon(text, "--epsilon"));
        }

        return parsed;
    }

    /// <summary>One epsilon in [0, 1], or a <see cref="UsageException"/> naming <paramref name="option"/>.</summary>
    internal static double ParseEpsilon(string text, string option)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value is >= 0 and <= 1))
        {
            throw new UsageException($"{option}: '{text}' is not an epsilon in [0, 1]; it is the FGSM step per pixel for pixels in [0, 1] (the paper's MNIST values are 0.1 and 0.25). Fix: pass e.g. {option} 0.25");
        }

        return value;
    }

    /// <summary>Whether <paramref name="e"/> is a usage error of this file's parsing (exit code 2).</summary>
    internal static bool IsUsage(Exception e) => e is UsageException;
}
