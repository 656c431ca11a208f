using System.CommandLine;
using System.Globalization;
using GanCluster.Node;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Runtime;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster classifier train</c> (re)trains the MNIST evaluation classifier that ships inside the build;
/// <c>gancluster classifier check</c> prints the shipped one's held-out accuracy and its real-vs-real FID floor.
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
        var command = new Command("train", "Train the classifier on the bundled digits 0-7999 and report its accuracy on 8000-9999.") { output, seed, epochs, threads };
        command.SetAction(parse => Guarded(() =>
        {
            SetThreads(parse.GetValue(threads));
            var (train, heldOut) = BundledMnist.Load(0.2);
            using (train)
            using (heldOut)
            {
                var (classifier, report) = MnistEvaluationClassifier.Train(train, heldOut, parse.GetValue(seed), parse.GetValue(epochs),
                    (epoch, accuracy) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,2}: held-out accuracy {accuracy:P2}")));
                using (classifier)
                {
                    var path = parse.GetValue(output)!;
                    classifier.Save(path);
                    using var saved = MnistEvaluationClassifier.Load(path);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"held-out accuracy {report.HeldOutAccuracy:P2} (seed {report.Seed}, {report.Epochs} epochs); weights {Path.GetFullPath(path)} sha256 {saved.Sha256}"));
                }
            }

            return 0;
        }));
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
