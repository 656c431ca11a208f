using System.CommandLine;
using System.Globalization;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster evaluate &lt;run folder | .ckpt file | experiment id&gt;</c>: scores a checkpoint (Parzen window, MNIST
/// classifier metrics, mode coverage), prints a table and writes the evaluation as JSON. Exit codes: 0 done, 1 the
/// evaluation failed, 2 a wrong target (missing path, not a checkpoint, unknown experiment), 3 cluster unreachable.
/// </summary>
internal static class EvaluateCommand
{
    private sealed class TargetException(string message) : Exception(message);

    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>
    /// One line on stderr as a stage of the evaluation starts, with the time since the command started: an evaluation of
    /// 10,000 samples takes minutes on a CPU, and whoever watches (a user, a script's watchdog) sees it working. Stdout
    /// keeps the table and the path alone.
    /// </summary>
    private static void Stage(string line) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Clock.Elapsed:mm\\:ss}] {line}"));

    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "A run folder (its newest checkpoint; a LAPGAN pyramid's: its levels chained), a .ckpt file, a cluster experiment id (its latest checkpoint) or a LAPGAN pyramid's id on the cluster (its levels' latest checkpoints, chained)." };
        var samples = new Option<int?>("--samples")
        {
            Description = "Generated samples to score (default: the published count for the checkpoint's data: 10,000 images as Goodfellow et al. 2014, 2,500 points of a 2-D mixture as PacGAN and VEEGAN).",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Where to write the evaluation JSON (default: the run folder's evaluation.json and evaluations.jsonl; evaluation-<id>-round-N.json for an experiment id).",
        };
        var all = new Option<bool>("--all") { Description = "A run folder: evaluate every checkpoint (quality-vs-round curves), not only the newest." };
        var threads = new Option<int?>("--torch-threads") { Description = "Threads TorchSharp may use (default one per core)." };
        var command = new Command("evaluate", "Score a checkpoint: Parzen log-likelihood, MNIST classifier metrics (class distribution, MNIST FID), mode coverage.")
        {
            target, samples, output, all, threads, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction(async (parse, _) =>
        {
            var value = parse.GetValue(target)!.Trim();
            var count = parse.GetValue(samples) is { } given ? Math.Max(2, given) : (int?)null;
            try
            {
                if (File.Exists(value) || Directory.Exists(value))
                {
                    ClassifierCommand.SetThreads(parse.GetValue(threads));
                    return EvaluateLocal(value, count, parse.GetValue(output), parse.GetValue(all));
                }

                if (value.StartsWith("swp-", StringComparison.Ordinal))
                {
                    // A LAPGAN pyramid on the cluster: its levels' latest checkpoints, chained. The id is parsed before connecting.
                    var pyramid = new SweepId(value);
                    return await ClientCommands.Run(parse, client => EvaluatePyramidAsync(client(), pyramid, count ?? Evaluation.ImageSamples, parse.GetValue(output), ClientCommands.TimeoutOf(parse), parse.GetValue(threads)))
                        .ConfigureAwait(false);
                }

                if (!ExperimentId.IsValid(value))
                {
                    throw new TargetException($"'{value}' is not a file or folder, and not an experiment id; expected a run folder, a .ckpt file or an id printed by 'gancluster submit'");
                }

                return await ClientCommands.Run(parse, async client =>
                {
                    var id = new ExperimentId(value);
                    Stage($"asking the cluster for experiment {value}'s latest checkpoint");
                    var info = await client().AskAsync(new GetLatestCheckpoint(id), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
                    switch (info)
                    {
                        case UnknownExperiment:
                            Console.Error.WriteLine($"gancluster evaluate: '{value}' is not a file or folder here, and the cluster knows no experiment '{value}' ('gancluster list' shows them)");
                            return 2;
                        case NoCheckpointYet:
                            Console.Error.WriteLine($"gancluster evaluate: experiment {value} has no checkpoint yet; one is stored every checkpointInterval rounds");
                            return 1;
                        case not LatestCheckpoint:
                            return ClientCommands.Unexpected(info);
                    }

                    var latest = (LatestCheckpoint)info;
                    Stage(string.Create(CultureInfo.InvariantCulture, $"downloading the generator half of round {latest.Round} ({latest.GeneratorBytes / 1e6:F1} MB)"));
                    if (await DownloadGeneratorAsync(client(), latest, ClientCommands.TimeoutOf(parse)).ConfigureAwait(false) is not { } bytes)
                    {
                        return 1;
                    }

                    ClassifierCommand.SetThreads(parse.GetValue(threads));
                    var spec = SpecJson.Parse(latest.SpecJson);
                    HalfState? discriminator = null;
                    if (Evaluation.HasDiscriminatorFigure(spec))
                    {
                        // The family's figure reads D (ssgan's classifier, infogan's Q head): its half of the same round comes down too.
                        Stage($"downloading the discriminator half of round {latest.Round}");
                        discriminator = await DownloadDiscriminatorAsync(client(), id, latest.Round, ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
                        if (discriminator is null)
                        {
                            return 1;
                        }
                    }

                    var result = Evaluation.Checkpoint(spec, new HalfState(bytes), latest.Round, count ?? Evaluation.DefaultSamples(spec), discriminatorState: discriminator, progress: Stage);

                    var path = parse.GetValue(output) ?? $"evaluation-{value}-round-{latest.Round}.json";
                    File.WriteAllText(path, EvaluationLog.Serialize(result, indented: true));
                    Print($"{spec.Name} ({value}), cluster checkpoint of round {latest.Round}", result);
                    Console.WriteLine(Path.GetFullPath(path));
                    return 0;
                }).ConfigureAwait(false);
            }
            catch (TargetException e)
            {
                Console.Error.WriteLine($"gancluster evaluate: {e.Message}");
                return 2;
            }
            catch (CorruptCheckpointException e)
            {
                Console.Error.WriteLine($"gancluster evaluate: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is TorchUnavailableException or IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or SpecValidationException)
            {
                Console.Error.WriteLine($"gancluster evaluate: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The generator half of <paramref name="latest"/>, SHA-256 checked; null after one line on stderr when the download fails.</summary>
    private static async Task<byte[]?> DownloadGeneratorAsync(CoordinatorClient client, LatestCheckpoint latest, TimeSpan timeout)
    {
        var bytes = new byte[latest.GeneratorBytes];
        for (long offset = 0; offset < bytes.LongLength;)
        {
            var part = await client.AskAsync(new GetCheckpointPart(latest.Id, latest.Round, offset, 1 << 20), timeout).ConfigureAwait(false);
            if (part is not CheckpointPart { Data.Length: > 0 } piece || piece.Offset != offset)
            {
                Console.Error.WriteLine($"gancluster evaluate: the checkpoint of round {latest.Round} went away during the download (pruned by a newer one?); run the command again");
                return null;
            }

            piece.Data.CopyTo(bytes, offset);
            offset += piece.Data.Length;
        }

        if (Hashing.Sha256Hex(bytes) != latest.GeneratorSha256)
        {
            Console.Error.WriteLine($"gancluster evaluate: the downloaded generator half of round {latest.Round} does not match its SHA-256; run the command again");
            return null;
        }

        return bytes;
    }

    /// <summary>
    /// <c>gancluster evaluate &lt;parent id&gt;</c> of a LAPGAN pyramid on the cluster: each level's latest checkpoint (its generator
    /// half), chained by <see cref="LapganEvaluation.Evaluate"/>; writes evaluation-&lt;id&gt;.json (or --out) and the chained grid beside it.
    /// </summary>
    private static async Task<int> EvaluatePyramidAsync(CoordinatorClient client, SweepId id, int samples, string? output, TimeSpan timeout, int? threads)
    {
        Stage($"asking the cluster for LAPGAN pyramid {id.Value}'s levels");
        var reply = await client.AskAsync(new GetSweepStatus(id), timeout).ConfigureAwait(false);
        if (reply is not SweepStatusReply status)
        {
            Console.Error.WriteLine(reply is UnknownSweep
                ? $"gancluster evaluate: the cluster knows no LAPGAN pyramid or sweep '{id.Value}' ('gancluster submit lapgan-mnist' prints a pyramid's id)"
                : $"gancluster evaluate: unexpected reply from the cluster: {reply.GetType().Name}");
            return 2;
        }

        var levels = new List<(ExperimentSpec, HalfState, int, string)>();
        foreach (var child in status.Children)
        {
            var info = await client.AskAsync(new GetLatestCheckpoint(child.Id), timeout).ConfigureAwait(false);
            if (info is not LatestCheckpoint latest)
            {
                Console.Error.WriteLine($"gancluster evaluate: level experiment {child.Id.Value} has no checkpoint yet; one is stored every checkpointInterval rounds");
                return 1;
            }

            var spec = SpecJson.Parse(latest.SpecJson);
            if (spec.Model != ModelKind.Lapgan || spec.Lapgan.Level is null)
            {
                Console.Error.WriteLine($"gancluster evaluate: {id.Value} is a sweep, not a LAPGAN pyramid ({child.Id.Value} is model {spec.Model}); evaluate its experiments by their ids");
                return 2;
            }

            Stage($"downloading level {spec.Lapgan.Level}'s generator half ({child.Id.Value}, round {latest.Round})");
            if (await DownloadGeneratorAsync(client, latest, timeout).ConfigureAwait(false) is not { } bytes)
            {
                return 1;
            }

            levels.Add((spec, new HalfState(bytes), latest.Round, $"{child.Id.Value} round {latest.Round}"));
        }

        var ordered = levels.OrderByDescending(l => l.Item1.Lapgan.Level).ToList();
        if (!ordered.Select(l => l.Item1.Lapgan.Level).SequenceEqual(new int?[] { 2, 1, 0 }))
        {
            Console.Error.WriteLine($"gancluster evaluate: {id.Value} does not hold exactly the levels 2, 1 and 0 of one pyramid");
            return 2;
        }

        ClassifierCommand.SetThreads(threads);
        // The pyramid's own spec: its coarsest level's with the level unset and the name without "-level2".
        var coarsest = ordered[0].Item1;
        var pyramid = coarsest with { Name = status.Name, Lapgan = new LapganSpec { Level = null } };
        var path = output ?? $"evaluation-{id.Value}.json";
        var result = LapganEvaluation.Evaluate(pyramid, ordered, samples, Path.ChangeExtension(path, ".png"), Stage);
        File.WriteAllText(path, EvaluationLog.Serialize(result, indented: true));
        Print($"{pyramid.Name} ({id.Value}), LAPGAN chain of the cluster's levels {string.Join(", ", result.Lapgan!.Levels.Select(l => $"{l.Level} at round {l.Round}"))}", result);
        Console.WriteLine(Path.GetFullPath(path));
        return 0;
    }

    /// <summary>
    /// The discriminator half of the stored checkpoint of <paramref name="round"/>; null after one line on stderr when that
    /// round is gone (pruned by a newer checkpoint) or the download fails.
    /// </summary>
    private static async Task<HalfState?> DownloadDiscriminatorAsync(CoordinatorClient client, ExperimentId id, int round, TimeSpan timeout)
    {
        var reply = await client.AskAsync(new GetStoredCheckpoint(id, round), timeout).ConfigureAwait(false);
        if (reply is not StoredCheckpoint stored)
        {
            Console.Error.WriteLine($"gancluster evaluate: the checkpoint of round {round} went away before its discriminator half came down (pruned by a newer one?); run the command again");
            return null;
        }

        return await CheckpointCommand.DownloadAsync(client, stored, WorkerRole.Discriminator, stored.DiscriminatorBytes, stored.DiscriminatorSha256, timeout, "gancluster evaluate").ConfigureAwait(false);
    }

    /// <param name="samples">Generated samples per evaluation; null: the published count for each checkpoint's data.</param>
    private static int EvaluateLocal(string path, int? samples, string? output, bool all)
    {
        List<string> checkpoints;
        string? runFolder;
        if (Directory.Exists(path) && LapganEvaluation.IsPyramidFolder(Path.GetFullPath(path), out var pyramid))
        {
            // A LAPGAN pyramid's folder: its levels' newest checkpoints, chained (the figure is of the chain, not of a level).
            var folder = Path.GetFullPath(path);
            var chained = LapganEvaluation.EvaluateFolder(folder, pyramid!, samples ?? Evaluation.ImageSamples, Stage);
            Print($"{pyramid!.Name}, {folder} (LAPGAN chain of levels {string.Join(", ", chained.Lapgan!.Levels.Select(l => $"{l.Level} at round {l.Round}"))})", chained);
            if (output is not null)
            {
                File.WriteAllText(output, EvaluationLog.Serialize(chained, indented: true));
                Console.WriteLine(Path.GetFullPath(output));
            }
            else
            {
                Console.WriteLine(Path.Combine(folder, EvaluationLog.FileName));
            }

            return 0;
        }

        if (Directory.Exists(path))
        {
            runFolder = Path.GetFullPath(path);
            var folder = Path.Combine(runFolder, "checkpoints");
            checkpoints = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "round-*.ckpt").Order(StringComparer.Ordinal).ToList() : [];
            if (checkpoints.Count == 0)
            {
                throw new TargetException($"{runFolder} holds no checkpoints/round-*.ckpt; expected a run folder of 'train --local' (a cluster experiment's folder has none: pass its id)");
            }

            if (!all)
            {
                var (newest, _, skipped) = RunFolder.NewestValidCheckpoint(folder);
                skipped.ToList().ForEach(message => Console.Error.WriteLine($"skipped a damaged checkpoint: {message}"));
                checkpoints = [newest ?? throw new TargetException("every checkpoint of the run folder is damaged")];
            }
        }
        else
        {
            if (!path.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase))
            {
                throw new TargetException($"{Path.GetFullPath(path)} is not a checkpoint; expected a .ckpt file, a run folder or an experiment id");
            }

            checkpoints = [Path.GetFullPath(path)];
            var parent = Path.GetDirectoryName(checkpoints[0])!;
            runFolder = Path.GetFileName(parent) == "checkpoints" && File.Exists(Path.Combine(Path.GetDirectoryName(parent)!, "options.json")) ? Path.GetDirectoryName(parent) : null;
        }

        foreach (var (file, index) in checkpoints.Select((f, i) => (f, i)))
        {
            var checkpoint = Checkpoint.Load(file);
            if (checkpoints.Count > 1)
            {
                Stage($"checkpoint {index + 1} of {checkpoints.Count}: {Path.GetFileName(file)}");
            }

            var result = Evaluation.Checkpoint(checkpoint.Spec, checkpoint.Generator, checkpoint.Round, samples ?? Evaluation.DefaultSamples(checkpoint.Spec), discriminatorState: checkpoint.Discriminator, progress: Stage);
            Print($"{checkpoint.Spec.Name}, {file}", result);
            if (output is not null && checkpoints.Count == 1)
            {
                File.WriteAllText(output, EvaluationLog.Serialize(result, indented: true));
                Console.WriteLine(Path.GetFullPath(output));
            }
            else if (runFolder is not null)
            {
                EvaluationLog.Record(runFolder, result);
                Console.WriteLine(Path.Combine(runFolder, EvaluationLog.FileName));
            }
            else
            {
                var beside = Path.ChangeExtension(file, ".evaluation.json");
                File.WriteAllText(beside, EvaluationLog.Serialize(result, indented: true));
                Console.WriteLine(beside);
            }
        }

        return 0;
    }

    /// <summary>The evaluation as a two-column table on stdout.</summary>
    internal static void Print(string title, EvaluationResult r)
    {
        var rows = new List<(string Metric, string Value)>();
        var c = CultureInfo.InvariantCulture;
        if (r.Parzen is { } p)
        {
            rows.Add(("Parzen log-likelihood", string.Format(c, "{0:F1} ± {1:F1} (sigma {2:F3})", p.MeanLogLikelihood, p.StandardError, p.Sigma)));
        }

        if (r.Classifier is { } q)
        {
            rows.Add(("MNIST FID", string.Format(c, "{0:F3} (real-vs-real floor {1:F3})", q.Fid, q.FidFloor)));
            rows.Add(("class KL to uniform", string.Format(c, "{0:F4}", q.Classes.KlToUniform)));
            rows.Add(("smallest class share", string.Format(c, "{0:F2}% (uniform 10%)", q.Classes.MinShare * 100)));
            rows.Add(("class shares", string.Join(" ", q.Classes.Shares.Select((s, i) => string.Format(c, "{0}:{1:F1}%", i, s * 100)))));
            rows.Add(("classifier", string.Format(c, "sha256 {0}, held-out accuracy {1:P2}", q.ClassifierSha256[..12], q.ClassifierAccuracy)));
        }

        if (r.Modes is { } m)
        {
            rows.Add(("modes captured", $"{m.ModesCaptured}/{m.Modes}"));
            rows.Add(("high-quality samples", string.Format(c, "{0:F1}%", m.HighQualityFraction * 100)));
            rows.Add(("mode KL to uniform", string.Format(c, "{0:F4}", m.KlToUniform)));
        }

        if (r.ModesWithoutAverage is { } live)
        {
            rows.Add(("G without its average", string.Format(c, "{0}/{1} modes, {2:F1}% high quality, KL {3:F4} (generatorEma off)", live.ModesCaptured, live.Modes, live.HighQualityFraction * 100, live.KlToUniform)));
        }

        if (r.SemiSupervised is { } s)
        {
            rows.Add(("D's held-out test error", string.Format(c, "{0:F2}% ({1} labels, {2} held-out digits)", s.TestError * 100, s.Labels, s.TestDigits)));
            rows.Add(("supervised-only baseline", string.Format(c, "{0:F2}% (same network and labels, {1} steps)", s.BaselineTestError * 100, s.BaselineSteps)));
            rows.Add(("unlabelled train error", string.Format(c, "{0:F2}% (baseline {1:F2}%; select recipes on this)", s.UnlabelledTrainError * 100, s.BaselineUnlabelledTrainError * 100)));
            if (s.TestErrorWithoutAverage is { } liveTest && s.UnlabelledTrainErrorWithoutAverage is { } liveTrain)
            {
                rows.Add(("D without its average", string.Format(c, "{0:F2}% held out, {1:F2}% unlabelled train (discriminatorEma off)", liveTest * 100, liveTrain * 100)));
            }
        }

        if (r.InfoGan is { } info)
        {
            rows.Add(("code accuracy, held out", string.Format(c, "{0:F2}% (error {1:F2}%, {2} digits; paper 95%)", info.HeldOut.Accuracy * 100, info.HeldOut.Error * 100, info.HeldOut.Count)));
            rows.Add(("code accuracy, train", string.Format(c, "{0:F2}% ({1} digits; select recipes on this)", info.Train.Accuracy * 100, info.Train.Count)));
            if (info.Train.Information is { } nats)
            {
                rows.Add(("code information, train", string.Format(c, "{0:F3} nats of ln 10 = 2.303 (Q's mutual information with the digits; no label read)", nats)));
            }
            if (info.HeldOutRunningStatistics is { } running)
            {
                rows.Add(("  with D's running BN", string.Format(c, "{0:F2}% held out (BatchNorm statistics as training left them; the figures above use the training digits')", running.Accuracy * 100)));
            }

            rows.Add(("code -> digit", string.Join(" ", info.HeldOut.Assignment.Select((label, code) => $"{code}:{label}"))));
        }

        if (r.CatGan is { } g)
        {
            var clusters = g.ClassSizes.Length;
            rows.Add(("D's clustering error", string.Format(c, "{0:F2}% ({1} held-out digits, {2})", g.ClusteringError * 100, g.TestDigits,
                clusters > CatGanFamily.ClassCount ? $"each of D's {clusters} classes matched to its most frequent label" : "best matching of D's classes to labels")));
            if (g.TestError is { } error)
            {
                rows.Add(("D's held-out test error", string.Format(c, "{0:F2}% ({1} labels)", error * 100, g.Labels)));
            }

            rows.Add(("unlabelled train clustering error", string.Format(c, "{0:F2}%{1} (select recipes on this)", g.UnlabelledTrainClusteringError * 100,
                g.UnlabelledTrainError is { } trainError ? string.Format(c, ", plain {0:F2}%", trainError * 100) : string.Empty)));
            if (g.UnlabelledTrainInformation is { } nats)
            {
                rows.Add(("class information, train", string.Format(c, "{0:F3} nats of ln {1} = {2:F3} (D's mutual information with the unlabelled training digits; no label read)", nats, clusters, Math.Log(clusters))));
            }

            if (g.ClusteringErrorWithoutAverage is { } liveClustering && g.UnlabelledTrainClusteringErrorWithoutAverage is { } liveTrain)
            {
                rows.Add(("D without its average", string.Format(c, "{0:F2}% clustering{1} held out, {2:F2}% unlabelled train clustering (discriminatorEma off)", liveClustering * 100,
                    g.TestErrorWithoutAverage is { } liveTest ? string.Format(c, ", {0:F2}% test", liveTest * 100) : string.Empty, liveTrain * 100)));
            }
        }

        if (r.VaeGan is { } v)
        {
            rows.Add(("reconstruction MSE, pixels", string.Format(c, "{0:F5} per pixel in [0, 1] ({1} held-out digits, G(mu(x)); train {2:F5})", v.PixelMse, v.Count, v.TrainPixelMse)));
            rows.Add(("reconstruction MSE, Dis_l", string.Format(c, "{0:F5} per feature of D's 2nd layer (L_llike {1:F1})", v.FeatureMse, v.Llike)));
        }

        if (r.Codec is { } codec)
        {
            rows.Add(("codec rate", string.Format(c, "{0} bits, {1:F2} bytes per image in a .gcz of {2} held-out digits", codec.Bits, codec.BytesPerImage, codec.Count)));
            rows.Add(("codec distortion", string.Format(c, "PSNR {0:F2} dB, SSIM {1:F3} (train PSNR {2:F2} dB)", codec.Psnr, codec.Ssim, codec.TrainPsnr)));
        }

        rows.Add(("samples", r.Samples.ToString(c)));
        Console.WriteLine($"{title}{(r.Round is { } round ? $", round {round}" : string.Empty)}");
        var width = rows.Max(x => x.Metric.Length);
        foreach (var (metric, value) in rows)
        {
            Console.WriteLine($"  {metric.PadRight(width)}  {value}");
        }
    }
}
