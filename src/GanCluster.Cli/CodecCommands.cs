using System.CommandLine;
using GanCluster.Training.Codec;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Output;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster compress &lt;images&gt; --model &lt;ckpt&gt; --out file.gcz</c> and <c>gancluster decompress file.gcz
/// --model &lt;ckpt&gt; --out images.png|.idx</c>: the codec of a codec run (preset codec-mnist) as a real byte format
/// (<see cref="GczFile"/>). Exit codes: 0 done, 1 the work failed, 2 a wrong argument or an unreadable .gcz (the
/// message names the problem and the fix; never a stack trace).
/// </summary>
internal static class CodecCommands
{
    public static IEnumerable<Command> Create() => [Compress(), Decompress(), Curve()];

    /// <summary>Digits per row of the originals-vs-reconstructions figure.</summary>
    private const int ExampleDigits = 16;

    private static Command Curve()
    {
        var models = new Argument<string[]>("models") { Description = "Codec checkpoints (.ckpt files or run folders), one per code size.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<string>("--out") { Description = "The figure as JSON.", Required = true };
        var png = new Option<string?>("--png") { Description = "The rate-distortion curve (PSNR and SSIM against bytes per image) as PNG." };
        var examples = new Option<string?>("--examples") { Description = "Originals vs reconstructions as PNG: rows originals, codecs (ascending bits), PCA at the same rates, JPEG at quality 1." };
        var threads = ThreadsOption();
        var command = new Command("codec-curve", "The codec's rate-distortion figure on the held-out digits (8000-9999): each codec through a .gcz file against JPEG (SkiaSharp) at several qualities and PCA with the same bytes.")
        {
            models, json, png, examples, threads,
        };
        command.SetAction(parse => Run("codec-curve", () =>
        {
            ClassifierCommand.SetThreads(parse.GetValue(threads));
            var loaded = parse.GetValue(models)!.Select(LoadModelWithSpec).ToList();
            try
            {
                var spec = loaded[0].Spec;
                var (train, heldOut) = DatasetCatalog.Load(spec);
                using (train)
                using (heldOut)
                using (var scope = NewDisposeScope())
                {
                    var report = RateDistortion.Measure(loaded.Select(l => l.Model).ToList(), heldOut.Samples, train.Samples, ExampleDigits, out var rows);
                    File.WriteAllText(parse.GetValue(json)!, System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions(EvaluationLog.Json) { WriteIndented = true }));
                    if (parse.GetValue(png) is { } curve)
                    {
                        RateDistortionPlot.SavePng(report, curve);
                    }

                    if (parse.GetValue(examples) is { } grid)
                    {
                        SampleGrid.SavePng(tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Count * ExampleDigits, 1, 28, 28 }), grid, columns: ExampleDigits);
                    }

                    Print(report);
                }
            }
            finally
            {
                loaded.ForEach(l => l.Model.Dispose());
            }
        }));
        return command;
    }

    private static void Print(RdReport report)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine($"rate-distortion on {report.HeldOut} held-out digits (PCA fitted on {report.Training} training digits)");
        foreach (var p in report.Codec.Concat(report.Pca).Concat(report.Jpeg))
        {
            Console.WriteLine(string.Create(c, $"  {p.Method,-6} {p.Setting,-28} {p.BytesPerImage,8:F2} B/image  PSNR {p.Psnr,6:F2} dB  SSIM {p.Ssim:F3}"));
        }

        foreach (var r in report.Comparisons)
        {
            var jpeg = r.JpegPsnr is { } jp ? string.Create(c, $"JPEG {jp:F2} dB / {r.JpegSsim:F3}") : string.Create(c, $"JPEG cannot go this low (smallest {r.JpegSmallestBytes:F1} B/image)");
            Console.WriteLine(string.Create(c, $"  {r.Bits} bits at {r.BytesPerImage:F2} B: codec {r.CodecPsnr:F2} dB / {r.CodecSsim:F3}, PCA {r.PcaPsnr:F2} dB / {r.PcaSsim:F3}, {jpeg}: {(r.AboveBoth ? "above both" : "NOT above both")}"));
        }
    }

    private static Command Compress()
    {
        var images = new Argument<string>("images") { Description = "An IDX image file of 28x28 digits, or mnist:FROM-TO for bundled digits (mnist:8000-9999 = the held-out split)." };
        var model = ModelOption();
        var output = new Option<string>("--out") { Description = "The .gcz file to write.", Required = true };
        var threads = ThreadsOption();
        var command = new Command("compress", "Compress 28x28 digits with a trained codec (preset codec-mnist) into a .gcz file: a 50-byte header, then bits/8 bytes per image.")
        {
            images, model, output, threads,
        };
        command.SetAction(parse => Run("compress", () =>
        {
            ClassifierCommand.SetThreads(parse.GetValue(threads));
            var (modelPath, codec) = LoadModel(parse.GetValue(model)!);
            using (codec)
            using (var scope = NewDisposeScope())
            {
                var source = parse.GetValue(images)!;
                var pixels = CodecImages.Load(source);
                var count = (int)pixels.shape[0];
                var file = GczFile.Write(codec.Header(count), codec.Encode(pixels));
                var path = parse.GetValue(output)!;
                File.WriteAllBytes(path, file);
                Console.WriteLine($"{path}: {count} images from {source} in {file.Length} bytes ({(double)file.Length / Math.Max(1, count):F2} per image; {codec.Bits} bits each + a {GczFile.HeaderSize}-byte header) with {modelPath}");
            }
        }));
        return command;
    }

    private static Command Decompress()
    {
        var input = new Argument<string>("file") { Description = "A .gcz file written by gancluster compress." };
        var model = ModelOption();
        var output = new Option<string>("--out") { Description = "Where to write the images: .png (a grid, 40 per row) or .idx (MNIST-format IDX images).", Required = true };
        var threads = ThreadsOption();
        var command = new Command("decompress", "Decompress a .gcz file with the codec that wrote it into a PNG grid or an IDX image file.")
        {
            input, model, output, threads,
        };
        command.SetAction(parse => Run("decompress", () =>
        {
            var path = parse.GetValue(input)!;
            var outPath = parse.GetValue(output)!;
            var extension = Path.GetExtension(outPath).ToLowerInvariant();
            if (extension is not (".png" or ".idx"))
            {
                throw new ArgumentException($"--out: '{extension}' is not an image format decompress writes; use .png (a grid) or .idx (MNIST-format images)");
            }

            if (!File.Exists(path))
            {
                throw new ArgumentException($"file: '{path}' does not exist; give a .gcz file written by gancluster compress");
            }

            var content = GczFile.Read(File.ReadAllBytes(path), path);
            ClassifierCommand.SetThreads(parse.GetValue(threads));
            var (modelPath, codec) = LoadModel(parse.GetValue(model)!);
            using (codec)
            using (var scope = NewDisposeScope())
            {
                GczFile.RequireModel(content.Header, codec, path, modelPath);
                var images = codec.Decode(content.Codes.Span, content.Header.Count);
                if (extension == ".png")
                {
                    SampleGrid.SavePng(images, outPath, columns: 40);
                }
                else
                {
                    CodecImages.WriteIdx(images, outPath);
                }

                Console.WriteLine($"{outPath}: {content.Header.Count} images decompressed from {path} with {modelPath}");
            }
        }));
        return command;
    }

    private static Option<string> ModelOption() => new("--model") { Description = "The codec's checkpoint: a .ckpt of a codec run, or its run folder (the newest checkpoint).", Required = true };

    private static Option<int?> ThreadsOption() => new("--torch-threads") { Description = "Threads TorchSharp may use (default one per core)." };

    private static (ExperimentSpec Spec, CodecModel Model) LoadModelWithSpec(string value)
    {
        var path = value.Trim();
        var file = Directory.Exists(path) ? RunFolder.NewestValidCheckpoint(Path.Combine(Path.GetFullPath(path), "checkpoints")).File : path;
        if (file is null || !File.Exists(file))
        {
            throw new ArgumentException($"models: '{path}' is neither a .ckpt file nor a run folder with a valid checkpoint; give codec checkpoints");
        }

        var checkpoint = Checkpoint.Load(file);
        return (checkpoint.Spec, CodecModel.FromCheckpoint(checkpoint, file));
    }

    /// <summary>The codec of a .ckpt file or of a run folder's newest checkpoint.</summary>
    private static (string Path, CodecModel Model) LoadModel(string value)
    {
        var path = value.Trim();
        if (Directory.Exists(path))
        {
            var (file, checkpoint, _) = RunFolder.NewestValidCheckpoint(Path.Combine(Path.GetFullPath(path), "checkpoints"));
            return file is null
                ? throw new ArgumentException($"--model: {Path.GetFullPath(path)} holds no valid checkpoints/round-*.ckpt; give a codec run folder or a .ckpt file")
                : (file, CodecModel.FromCheckpoint(checkpoint!, file));
        }

        if (!File.Exists(path))
        {
            throw new ArgumentException($"--model: '{path}' does not exist; give a .ckpt of a codec run (gancluster train --local codec-mnist --out DIR) or its run folder");
        }

        return (path, CodecModel.FromCheckpoint(Checkpoint.Load(path), path));
    }

    /// <summary>Runs a command's work; the problems it expects become one line on stderr and an exit code.</summary>
    private static int Run(string name, Action work)
    {
        try
        {
            work();
            return 0;
        }
        catch (Exception e) when (e is GczFormatException or ArgumentException or CorruptCheckpointException or FileNotFoundException or DataFormatException or SpecValidationException)
        {
            Console.Error.WriteLine($"gancluster {name}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is TorchUnavailableException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gancluster {name}: {e.Message}");
            return 1;
        }
    }
}
