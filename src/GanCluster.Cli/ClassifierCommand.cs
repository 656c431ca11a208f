using System.CommandLine;
using System.Globalization;
using GanCluster.Node;
using GanCluster.Training.Adversarial;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Runtime;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster classifier train</c> (re)trains the MNIST evaluation classifier that ships inside the build;
/// <c>gancluster classifier check</c> prints the shipped one's held-out accuracy and its real-vs-real FID floor.
/// <c>classifier train --adversarial</c> trains the same network with the adversarial objective of Goodfellow et al.
/// (2015) instead, for <c>gancluster attack</c> (not for shipping: the quality metrics use the standard one).
/// </summary>
internal static class ClassifierCommand
{
    public static Command Create()
    {
        var command = new Command("classifier", "The MNIST evaluation classifier behind the class-distribution and MNIST FID metrics.");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Check());
        return command;
    }

    private static Command Train()
    {
        var output = new Option<string>("--out") { Description = "Where to write the weights (ship them at src/GanCluster.Training/Metrics/Bundled/mnist-classifier.bin).", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training digits.", DefaultValueFactory = _ => 20 };
        var threads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use (training is reproducible for a fixed count)." };
        var adversarial = new Option<bool>("--adversarial")
        {
            Description = "Adversarial training (Goodfellow et al. 2015): loss alpha * J(x) + (1 - alpha) * J(x + epsilon * sign(grad_x J)); for 'gancluster attack', not for shipping.",
        };
        var epsilon = new Option<string?>("--epsilon") { Description = "With --adversarial: the FGSM step per pixel, pixels in [0, 1] (default 0.25, the paper's)." };
        var alpha = new Option<string?>("--alpha") { Description = "With --adversarial: the weight of the clean loss (default 0.5, the paper's)." };
        var model = new Option<string>("--model")
        {
            Description = "cnn (the evaluation classifier's network) or maxout (the adversarial-examples paper's kind: 240 units x 5 pieces, two layers; for 'gancluster attack').",
            DefaultValueFactory = _ => "cnn",
        };
        var digits = new Option<int?>("--train-digits") { Description = "Train on only the first N training digits (64-8000; for quick checks; default all 8,000)." };
        var command = new Command("train", "Train the classifier on the bundled digits 0-7999 and report its accuracy on 8000-9999.")
        {
            output, seed, epochs, threads, adversarial, epsilon, alpha, digits, model,
        };
        command.SetAction(parse =>
        {
            AdversarialTrainingOptions? objective;
            int? limit;
            try
            {
                objective = AdversarialOptions(parse.GetValue(adversarial), parse.GetValue(epsilon), parse.GetValue(alpha));
                limit = parse.GetValue(digits);
                if (limit is { } n && n is < 64 or > 8000)
                {
                    throw new ArgumentException($"--train-digits: {n} is not a number of training digits; pass 64 (one batch) to 8000, or leave it out for all");
                }

                if (parse.GetValue(model) is not ("cnn" or "maxout"))
                {
                    throw new ArgumentException($"--model: '{parse.GetValue(model)}'; expected cnn or maxout");
                }

                if (parse.GetValue(epochs) < 1)
                {
                    throw new ArgumentException($"--epochs: {parse.GetValue(epochs)}; pass 1 or more");
                }
            }
            catch (Exception e) when (e is ArgumentException || AttackCommand.IsUsage(e))
            {
                Console.Error.WriteLine($"gancluster classifier train: {e.Message}");
                return 2;
            }

            return Guarded(() =>
            {
                SetThreads(parse.GetValue(threads));
                var (all, heldOut) = BundledMnist.Load(0.2);
                var train = limit is { } m && m < all.Count
                    ? new SampleSet(all.Samples.narrow(0, 0, m), all.Labels.narrow(0, 0, m), all.Classes, $"bundled MNIST, the first {m} training digits")
                    : all;
                using (all)
                using (heldOut)
                {
                    if (parse.GetValue(model) == "maxout")
                    {
                        var (maxout, sha, maxoutReport) = MaxoutMlpClassifier.Train(train, heldOut, parse.GetValue(seed), parse.GetValue(epochs),
                            (epoch, accuracy) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,2}: held-out accuracy {accuracy:P2}")),
                            objective);
                        using (maxout)
                        {
                            var file = parse.GetValue(output)!;
                            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                            File.WriteAllBytes(file, ClassifierFile.ToBytes(maxout, MaxoutMlpClassifier.Architecture));
                            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"held-out accuracy {maxoutReport.HeldOutAccuracy:P2} ({MaxoutMlpClassifier.Architecture}, seed {maxoutReport.Seed}, {maxoutReport.Epochs} epochs, {train.Count} training digits{How(objective)}); weights {Path.GetFullPath(file)} sha256 {sha}"));
                        }

                        return 0;
                    }

                    var (classifier, report) = MnistEvaluationClassifier.Train(train, heldOut, parse.GetValue(seed), parse.GetValue(epochs),
                        (epoch, accuracy) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,2}: held-out accuracy {accuracy:P2}")),
                        objective);
                    using (classifier)
                    {
                        var path = parse.GetValue(output)!;
                        classifier.Save(path);
                        using var saved = MnistEvaluationClassifier.Load(path);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"held-out accuracy {report.HeldOutAccuracy:P2} (seed {report.Seed}, {report.Epochs} epochs, {train.Count} training digits{How(objective)}); weights {Path.GetFullPath(path)} sha256 {saved.Sha256}"));
                    }
                }

                return 0;
            });
        });
        return command;
    }

    private static Command Check()
    {
        var threads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use." };
        var command = new Command("check", "Print the shipped classifier's held-out accuracy and its real-vs-real MNIST FID floor.") { threads };
        command.SetAction(parse => Guarded(() =>
        {
            SetThreads(parse.GetValue(threads));
            var quality = MnistQuality.Shared;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"classifier sha256 {quality.ClassifierSha256}: held-out accuracy {quality.HeldOutAccuracy:P2} (digits 8000-9999); MNIST FID floor {quality.FidFloor:F3} (held-out vs training digits)"));
            return 0;
        }));
        return command;
    }

    private static string How(AdversarialTrainingOptions? objective) => objective is null
        ? string.Empty
        : string.Create(CultureInfo.InvariantCulture, $", adversarial training epsilon {objective.Epsilon} alpha {objective.Alpha}");

    /// <summary>The adversarial objective asked for, or null; --epsilon and --alpha need --adversarial.</summary>
    private static AdversarialTrainingOptions? AdversarialOptions(bool adversarial, string? epsilon, string? alpha)
    {
        if (!adversarial)
        {
            return epsilon is null && alpha is null
                ? null
                : throw new ArgumentException($"{(epsilon is null ? "--alpha" : "--epsilon")} applies to adversarial training only; add --adversarial, or leave it out");
        }

        var options = new AdversarialTrainingOptions();
        if (epsilon is not null)
        {
            options = options with { Epsilon = AttackCommand.ParseEpsilon(epsilon, "--epsilon") };
        }

        if (alpha is not null)
        {
            if (!double.TryParse(alpha, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value is >= 0 and <= 1))
            {
                throw new ArgumentException($"--alpha: '{alpha}' is not a weight in [0, 1]; it weighs the clean loss against the adversarial one (the paper's 0.5). Fix: pass e.g. --alpha 0.5");
            }

            options = options with { Alpha = value };
        }

        return options;
    }

    internal static void SetThreads(int? threads)
    {
        TorchRuntime.EnsureLoaded();
        if (threads is { } value)
        {
            TorchSharp.torch.set_num_threads(NodeOptions.ParseTorchThreads(value.ToString(CultureInfo.InvariantCulture), "--torch-threads"));
        }
    }

    private static int Guarded(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is TorchUnavailableException or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gancluster classifier: {e.Message}");
            return 1;
        }
    }
}
