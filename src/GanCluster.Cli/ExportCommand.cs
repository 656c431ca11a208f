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
                var source = parse.GetValue(checkpoint)!;
                var path = parse.GetValue(output)!;
                // Checked before loading TorchSharp and the checkpoint: each names the path and the fix in one line.
                if ((CheckSource(source) ?? CliPaths.CheckOutputFile(path, "--out")) is { } problem)
                {
                    Console.Error.WriteLine($"gancluster export: {problem}");
                    return 2;
                }

                TorchRuntime.EnsureLoaded();
                var loaded = Checkpoint.Load(source);
                var spec = loaded.Spec;
                using var generator = GeneratorHalf.Restore(spec, TorchRuntime.ResolveDevice(spec.Device), loaded.Generator);
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
            catch (UnauthorizedAccessException e)
            {
                Console.Error.WriteLine($"gancluster export: {e.Message}; check the permissions of the checkpoint and of --out");
                return 2;
            }
            catch (Exception e) when (e is CorruptCheckpointException or IOException or TorchUnavailableException or ArgumentException)
            {
                Console.Error.WriteLine($"gancluster export: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Where checkpoints come from, for the messages below.</summary>
    private const string WhereCheckpointsAre =
        "a local run writes <run folder>/checkpoints/round-NNNNNN.ckpt (gancluster train --local ... --out <run folder>); "
        + "a cluster run keeps its checkpoints in the coordinator's store (checkpoints.db in its --data folder), which has no file export yet: "
        + "train the experiment locally for a checkpoint file, or use 'gancluster samples <id>' for its latest sample grid";

    /// <summary>Null when <paramref name="source"/> is a file; else what is wrong and where checkpoints are.</summary>
    private static string? CheckSource(string source)
    {
        if (Directory.Exists(source))
        {
            // A run folder holds checkpoints/round-NNNNNN.ckpt; deeper folders are other runs, not this one.
            var search = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1, IgnoreInaccessible = true };
            var newest = Directory.EnumerateFiles(source, "round-*.ckpt", search).Order(StringComparer.Ordinal).LastOrDefault();
            return newest is not null
                ? $"'{source}' is a directory; pass one checkpoint file in it, for example {newest} (the newest), named like checkpoints/round-NNNNNN.ckpt"
                : $"'{source}' is a directory with no checkpoint; pass a checkpoint file: {WhereCheckpointsAre}";
        }

        return File.Exists(source) ? null : $"checkpoint '{source}' does not exist; {WhereCheckpointsAre}";
    }
}
