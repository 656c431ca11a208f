using System.CommandLine;
using GanCluster.Training.Core;
using GanCluster.Training.Output;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Cli;

/// <summary><c>gancluster export &lt;checkpoint&gt;</c>: N generated samples as CSV (2-D), NPY or IDX (images), or a PNG grid.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint file (checkpoints/round-NNNNNN.ckpt of a run folder)." };
        var count = new Option<int>("--count") { Description = "Number of samples.", DefaultValueFactory = _ => 1000 };
        var output = new Option<string>("--out") { Description = "Output file: .csv (2-D points), .npy or .idx (images), .png (grid or scatter plot).", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the noise.", DefaultValueFactory = _ => 1 };
        var command = new Command("export", "Generate samples from a checkpoint and write them to a file.") { checkpoint, count, output, seed };
        command.SetAction(parse =>
        {
            try
            {
                TorchRuntime.EnsureLoaded();
                var loaded = Checkpoint.Load(parse.GetValue(checkpoint)!);
                var spec = loaded.Spec;
                using var generator = new GeneratorHalf(spec, TorchRuntime.ResolveDevice(spec.Device));
                generator.LoadState(loaded.Generator);
                var path = parse.GetValue(output)!;
                var n = Math.Max(1, parse.GetValue(count));
                using var scope = NewDisposeScope();
                using var fake = generator.Generate(n, parse.GetValue(seed));
                var extension = Path.GetExtension(path).ToLowerInvariant();
                switch (extension)
                {
                    case ".csv" when !spec.IsImageData:
                        SampleExport.WriteCsv(fake.Samples, path);
                        break;
                    case ".npy":
                        SampleExport.WriteNpy(spec.IsImageData ? SampleRenderer.ToUnitRange(fake.Samples, spec) : fake.Samples, path);
                        break;
                    case ".idx" when spec.IsImageData:
                        SampleExport.WriteIdx(SampleRenderer.ToDataScale(fake.Samples, spec), path);
                        break;
                    case ".png" when spec.IsImageData:
                        SampleGrid.SavePng(SampleRenderer.ToUnitRange(fake.Samples, spec), path, columns: (int)Math.Ceiling(Math.Sqrt(n)));
                        break;
                    case ".png":
                        using (var modes = Training.Data.DatasetCatalog.Mixture(spec).Means)
                        {
                            ScatterPlot.SavePng(fake.Samples, modes, path);
                        }

                        break;
                    default:
                        Console.Error.WriteLine($"--out: '{extension}' does not fit {(spec.IsImageData ? "images: use .npy, .idx or .png" : "2-D points: use .csv, .npy or .png")}");
                        return 2;
                }

                Console.WriteLine(Path.GetFullPath(path));
                return 0;
            }
            catch (Exception e) when (e is CorruptCheckpointException or IOException or TorchUnavailableException or ArgumentException)
            {
                Console.Error.WriteLine($"gancluster export: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
