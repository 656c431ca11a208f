using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GanCluster.Training.Options;
using GanCluster.Training.Output;
using GanCluster.Training.Runs;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster quality-report &lt;runs root&gt;</c>: the table of scripts/quality.sh. Reads every run folder under the root
/// that has a run.json (preset, seed, wall seconds, written by the script) and its evaluations (evaluation.json,
/// evaluations.jsonl), groups them by preset, prints figure / mean ± sd over seeds / wall time / rounds with the
/// paper's anchor, and writes the JSON, a Markdown page and one quality-vs-round PNG per preset.
/// </summary>
internal static class QualityReportCommand
{
    /// <summary>
    /// What scripts/quality.sh writes beside each run: the preset, seed and wall seconds of training, and (since runs are
    /// kept across sessions in docs/quality/runs) the commit that trained it, when, the preset's recipe hash then, and the
    /// CPU it ran on (libtorch and its BLAS pick kernels by instruction set, so the same seed and commit give other figures
    /// on another CPU).
    /// </summary>
    internal sealed record RunInfo(string Preset, long Seed, double WallSeconds, string? Commit = null, string? Finished = null, string? Recipe = null,
        string? Cpu = null);

    internal sealed record Row(string Preset, string Figure, double Mean, double? Sd, int Runs, double WallSeconds, int Rounds, string Anchor);

    private sealed record Run(string Folder, RunInfo Info, ExperimentSpec Spec, EvaluationResult Final, IReadOnlyList<EvaluationResult> History);

    public static Command Create()
    {
        var root = new Argument<string>("root") { Description = "The folder of the quality runs (scripts/quality.sh: runs/quality)." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the Markdown page here (e.g. docs/QUALITY.md); figures go to a folder beside it." };
        var json = new Option<string?>("--json") { Description = "Write the table and every run's figures as JSON here." };
        var command = new Command("quality-report", "Tabulate quality runs against the papers' figures (scripts/quality.sh).") { root, markdown, json };
        command.SetAction(parse =>
        {
            try
            {
                var runs = Load(parse.GetValue(root)!);
                if (runs.Count == 0)
                {
                    Console.Error.WriteLine($"gancluster quality-report: no run folder with run.json and evaluation.json under {parse.GetValue(root)}");
                    return 2;
                }

                var rows = Rows(runs);
                Console.WriteLine(Table(rows));
                if (parse.GetValue(json) is { } jsonPath)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
                    File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { rows, runs = runs.Select(r => new { folder = r.Folder, r.Info.Preset, r.Info.Seed, r.Info.WallSeconds, r.Info.Commit, r.Info.Finished, r.Info.Recipe, r.Info.Cpu, evaluation = r.Final }) }, EvaluationLog.Json));
                }

                if (parse.GetValue(markdown) is { } markdownPath)
                {
                    WriteMarkdown(markdownPath, runs, rows);
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidDataException or SpecValidationException)
            {
                Console.Error.WriteLine($"gancluster quality-report: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static List<Run> Load(string root)
    {
        var runs = new List<Run>();
        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var info = Path.Combine(folder, "run.json");
            var final = Path.Combine(folder, EvaluationLog.LatestFileName);
            if (!File.Exists(info) || !File.Exists(final))
            {
                continue;
            }

            runs.Add(new Run(
                folder,
                JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(info), EvaluationLog.Json) ?? throw new InvalidDataException($"{info}: empty"),
                SpecJson.Parse(File.ReadAllText(Path.Combine(folder, "options.json"))),
                EvaluationLog.Deserialize(File.ReadAllText(final)),
                EvaluationLog.Read(folder)));
        }

        return runs;
    }

    private static List<Row> Rows(List<Run> runs)
    {
        var rows = new List<Row>();
        foreach (var group in runs.GroupBy(r => r.Info.Preset))
        {
            var list = group.ToList();
            var spec = list[0].Spec;
            var wall = list.Average(r => r.Info.WallSeconds);
            var rounds = list.Max(r => r.Final.Round ?? spec.Rounds);
            void Add(string figure, Func<EvaluationResult, double?> value, string anchor)
            {
                var values = list.Select(r => value(r.Final)).Where(v => v is not null).Select(v => v!.Value).ToList();
                if (values.Count == 0)
                {
                    return;
                }

                var mean = values.Average();
                double? sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : null;
                rows.Add(new Row(group.Key, figure, mean, sd, values.Count, wall, rounds, anchor));
            }

            var pac = spec.Packing > 1 ? $"PacGAN{spec.Packing}" : "GAN";
            Add("Parzen log-likelihood", r => r.Parzen?.MeanLogLikelihood, spec.Model == ModelKind.Lapgan
                // LAPGAN's rounds are its levels' summed; its paper has no MNIST figure, only comparisons with a single-scale GAN.
                ? "no MNIST figure in Denton et al. 2015 (CIFAR-10: samples taken for real 40% of the time against 10% for a GAN); compare dcgan-mnist at the same compute (scripts/quality-lapgan.sh)"
                : spec.Dataset == DatasetKind.Mnist ? "225 ± 2 (Goodfellow et al. 2014, Table 1, adversarial nets)" : "-");
            Add("MNIST FID", r => r.Classifier?.Fid, list[0].Final.Classifier is { } c ? string.Create(CultureInfo.InvariantCulture, $"real-vs-real floor {c.FidFloor:F2}") : "-");
            Add("class KL to uniform", r => r.Classifier?.Classes.KlToUniform, "0 = balanced");
            Add("smallest class share (%)", r => r.Classifier is { } q ? q.Classes.MinShare * 100 : null, "10 = balanced");
            var anchors = PacGanAnchor(spec.Dataset, spec.Packing);
            Add($"modes captured (of {list[0].Final.Modes?.Modes})", r => r.Modes?.ModesCaptured, anchors.Modes);
            // A mode counted as captured on one sample hides empty modes: the ones holding >= 20% of their share too (issue 11).
            Add($"modes with >= 20% of their share (of {list[0].Final.Modes?.Modes})", r => r.Modes?.ModesWellCovered, "-");
            Add("high-quality samples (%)", r => r.Modes is { } m ? m.HighQualityFraction * 100 : null, anchors.HighQuality);
            Add("mode KL to uniform", r => r.Modes?.KlToUniform, anchors.Kl);

            // The families' own figures (issue 13), each beside its paper's.
            Add("D's held-out test error (%)", r => r.SemiSupervised?.TestError * 100,
                "0.93 (Salimans et al. 2016, 100 labels, full MNIST); CatGAN 1.91 (Springenberg 2016)");
            Add("the same D on the labels alone (%)", r => r.SemiSupervised?.BaselineTestError * 100, "supervised-only baseline, same run");
            Add("categorical code accuracy (%)", r => r.InfoGan?.HeldOut.Accuracy * 100, "95 (Chen et al. 2016: 5% error)");
            Add("clustering error (%)", r => r.CatGan?.ClusteringError * 100, "4.27 (Springenberg 2016, unsupervised, 20 clusters, each counted as its most frequent digit)");
            Add("test error with labels (%)", r => r.CatGan?.TestError * 100, "1.91 (Springenberg 2016, 100 labels)");
            Add("reconstruction MSE per pixel", r => r.VaeGan?.PixelMse, "no MNIST figure in Larsen et al. 2016; vae-mnist is its baseline");
            Add("codec bytes per image", r => r.Codec?.BytesPerImage, "-");
            Add("codec PSNR (dB)", r => r.Codec?.Psnr, "PCA and JPEG at the same bytes: scripts/quality-codec.sh");
            Add("codec SSIM", r => r.Codec?.Ssim, "-");
        }

        return rows;
    }

    /// <summary>
    /// PacGAN (Lin, Khetan, Fanti, Oh 2018), Table 2 (2D-ring and 2D-grid, 2,500 samples, averaged over 10 trials), as
    /// recalled for this report; check the paper before quoting. Its "reverse KL" is the KL of the generated mode
    /// histogram to uniform, the figure <see cref="Training.Metrics.ModeCoverage"/> reports.
    /// </summary>
    private static (string Modes, string HighQuality, string Kl) PacGanAnchor(DatasetKind dataset, int packing) => (dataset, packing > 1) switch
    {
        (DatasetKind.Ring8, false) => ("6.3 (PacGAN paper, GAN)", "98.2 (PacGAN paper, GAN)", "0.45 (PacGAN paper, GAN)"),
        (DatasetKind.Ring8, true) => ("7.9 (PacGAN paper, PacGAN2)", "95.6 (PacGAN paper, PacGAN2)", "0.07 (PacGAN paper, PacGAN2)"),
        (DatasetKind.Grid25, false) => ("17.3 (PacGAN paper, GAN)", "94.8 (PacGAN paper, GAN)", "0.70 (PacGAN paper, GAN)"),
        (DatasetKind.Grid25, true) => ("23.8 (PacGAN paper, PacGAN2)", "91.3 (PacGAN paper, PacGAN2)", "0.13 (PacGAN paper, PacGAN2)"),
        _ => ("-", "-", "-"),
    };

    internal static string Table(IReadOnlyList<Row> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = rows.Select(r => new[]
        {
            r.Preset, r.Figure, Format(r), r.Runs.ToString(c), TimeSpan.FromSeconds(r.WallSeconds).ToString(@"hh\:mm\:ss", c), r.Rounds.ToString(c), r.Anchor,
        }).Prepend(["preset", "figure", "mean ± sd", "runs", "wall time", "rounds", "paper"]).ToList();
        var widths = Enumerable.Range(0, 7).Select(i => lines.Max(l => l[i].Length)).ToArray();
        return string.Join(Environment.NewLine, lines.Select(l => string.Join("  ", l.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()));
    }

    private static string Format(Row r) =>
        r.Sd is { } sd
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Mean:G4} ± {sd:G2}")
            : string.Create(CultureInfo.InvariantCulture, $"{r.Mean:G4}");

    private static void WriteMarkdown(string path, List<Run> runs, List<Row> rows)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var figures = Path.Combine(directory, "quality");
        Directory.CreateDirectory(figures);
        var text = new StringBuilder();
        text.AppendLine("# Quality");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Written by `scripts/quality.sh` (`gancluster quality-report`) on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC from {runs.Count} runs of the presets");
        text.AppendLine("below, each trained locally for the rounds shown (three seeds for the 2-D mixtures), each checkpoint scored by `gancluster evaluate`");
        text.AppendLine("with the published sample count (10,000 images, 2,500 points of a 2-D mixture). Mean ± sd is over seeds (a single run");
        text.AppendLine("shows no sd). Wall time is per run: training with its final evaluation, one torch thread, on whatever else the machine ran then.");
        var missing = Presets.Names.Where(name => Presets.AliasOf(name) is null && runs.All(r => r.Info.Preset != name)).ToList();
        if (missing.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Not run for this page yet: {string.Join(", ", missing.Select(name => $"`{name}`"))}.");
        }

        text.AppendLine();
        text.AppendLine("| preset | figure | mean ± sd | runs | wall time | rounds | paper |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            var wall = TimeSpan.FromSeconds(r.WallSeconds).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Preset} | {r.Figure} | {Format(r)} | {r.Runs} | {wall} | {r.Rounds} | {r.Anchor} |");
        }

        text.AppendLine();
        text.AppendLine("Anchors: Goodfellow et al. (2014), Table 1: Gaussian Parzen-window log-likelihood of the MNIST test set, 225 ± 2 for");
        text.AppendLine("adversarial nets (here: held-out digits 9000-9999 of the bundled 10,000, bandwidth chosen on 8000-8999). PacGAN (Lin et al.");
        text.AppendLine("2018), Table 2: modes captured, high-quality samples and reverse KL on 2D-ring and 2D-grid; their architectures and");
        text.AppendLine("training lengths differ from these presets, so the anchors place a figure, they are not a target (the PacGAN figures");
        text.AppendLine("were entered from memory of the paper's table: check them against the paper before quoting them). MNIST FID is the");
        text.AppendLine("Frechet distance in the 128-d penultimate layer of the shipped evaluation classifier (README, \"Quality metrics\");");
        text.AppendLine("its floor is the distance of the held-out real digits to the training digits.");
        text.AppendLine();
        text.AppendLine("## Runs");
        text.AppendLine();
        text.AppendLine("| preset | seed | commit | finished | wall time | recipe | cpu |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in runs)
        {
            var wall = TimeSpan.FromSeconds(r.Info.WallSeconds).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Info.Preset} | {r.Info.Seed} | {r.Info.Commit ?? "-"} | {r.Info.Finished ?? "-"} | {wall} | {r.Info.Recipe ?? "-"} | {r.Info.Cpu ?? "-"} |");
        }

        text.AppendLine();
        text.AppendLine("## Quality against round");
        text.AppendLine();
        foreach (var group in runs.GroupBy(r => r.Info.Preset))
        {
            var file = Path.Combine(figures, $"{group.Key}.png");
            QualityCurves.SavePng(group.Select(r => ($"seed {r.Info.Seed}", r.History.Count > 0 ? r.History : (IReadOnlyList<EvaluationResult>)[r.Final])).ToList(), group.Key, file);
            text.AppendLine(CultureInfo.InvariantCulture, $"### {group.Key}");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"![{group.Key}](quality/{group.Key}.png)");
            text.AppendLine();
        }

        File.WriteAllText(path, text.ToString());
        Console.WriteLine(Path.GetFullPath(path));
    }
}
