using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Output;
using GanCluster.Training.Runs;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>One level of a LAPGAN figure: which level, the checkpoint's round, and where it came from.</summary>
public sealed record LapganLevelResult(int Level, int Round, string Source);

/// <summary>LAPGAN's part of evaluation.json: the levels whose generators the chained samples came from, coarsest first.</summary>
public sealed record LapganResult(IReadOnlyList<LapganLevelResult> Levels);

/// <summary>
/// LAPGAN's sampler (Denton et al. 2015, Fig. 1, right): a 7x7 image from level 2's G, upsampled, plus level 1's residual
/// given it, upsampled, plus level 0's residual: I_2 = G_2(z_2); I_k = u(I_{k+1}) + h_k(z_k, u(I_{k+1})). Level k's
/// conditional generator returns u(I_{k+1}) + h_k itself, so the chain is three calls.
/// </summary>
public static class LapganSampler
{
    /// <summary>Samples generated per chunk: the 28x28 level's convolutions hold [chunk, 32, 28, 28] activations.</summary>
    public const int Chunk = 500;

    /// <summary>
    /// <paramref name="count"/> chained samples [N, 1, 28, 28] in [-1, 1]-ish (the sum is not clamped; rendering and the
    /// figures clamp), on the CPU, from <paramref name="seed"/>: per chunk of <see cref="Chunk"/>, z_2 then z_1 then z_0,
    /// each [chunk, latentSize] ~ N(0, I). <paramref name="generators"/> are levels 2, 1, 0 in that order (eval mode, no graph).
    /// </summary>
    public static Tensor Sample(IReadOnlyList<GeneratorNet> generators, int latentSize, int count, long seed)
    {
        if (generators.Count != LapganFamily.LevelCount || generators[0] is not LapganCoarseGenerator
            || generators.Skip(1).Any(g => g is not LapganResidualGenerator))
        {
            throw new ArgumentException($"generators: LAPGAN's sampler chains level 2's generator, then level 1's and level 0's; got {string.Join(", ", generators.Select(g => g.GetType().Name))}");
        }

        using var rng = new RngStream(seed);
        return rng.Run(() =>
        {
            using var noGrad = no_grad();
            generators.ToList().ForEach(g => g.eval());
            try
            {
                var chunks = new List<Tensor>();
                for (var start = 0; start < count; start += Chunk)
                {
                    using var scope = NewDisposeScope();
                    var n = Math.Min(Chunk, count - start);
                    var image = generators[0].call(randn(n, latentSize), null);
                    foreach (var generator in generators.Skip(1))
                    {
                        var noise = randn(n, latentSize);
                        image = generator.call(LapganResidualGenerator.Fold(noise, LapganPyramid.Up(image)), null);
                    }

                    chunks.Add(image.MoveToOuterDisposeScope());
                }

                var all = cat(chunks, 0);
                chunks.ForEach(c => c.Dispose());
                return all;
            }
            finally
            {
                generators.ToList().ForEach(g => g.train());
            }
        });
    }
}

/// <summary>
/// The figure of a whole LAPGAN pyramid: Parzen (and, for MNIST, the classifier's figures) of chained samples on the
/// held-out digits, by the product's protocol (<see cref="Evaluation.Images"/>, samples from the pyramid's seed and the
/// evaluation stream), and the chained sample grid.
/// </summary>
public static class LapganEvaluation
{
    /// <summary>File name of the chained sample grid in the pyramid's run folder.</summary>
    public const string GridFileName = "lapgan-samples.png";

    /// <summary>
    /// Evaluates the chain of <paramref name="levels"/> (level 2, 1, 0: each level's spec, its checkpoint's generator half,
    /// its round and where it came from) for the <paramref name="pyramid"/> spec, writing the chained grid to
    /// <paramref name="gridPath"/> when given.
    /// </summary>
    public static EvaluationResult Evaluate(ExperimentSpec pyramid, IReadOnlyList<(ExperimentSpec Spec, HalfState Generator, int Round, string Source)> levels, int samples, string? gridPath, Action<string>? progress = null)
    {
        if (!LapganFamily.IsPyramid(pyramid))
        {
            throw new ArgumentException("lapgan.level: a LAPGAN figure is of the whole pyramid (level null)");
        }

        var (train, heldOut) = DatasetCatalog.Load(pyramid);
        var halves = levels.Select(l => GeneratorHalf.Restore(l.Spec, CPU, l.Generator)).ToList();
        try
        {
            using (train)
            using (heldOut)
            using (var scope = NewDisposeScope())
            {
                var networks = halves.Select(h => h.SamplingNetwork).ToList();
                progress?.Invoke($"generating {samples} samples through the levels {string.Join(", ", levels.Select(l => l.Spec.Lapgan.Level))}");
                var images = LapganSampler.Sample(networks, pyramid.LatentSize, samples, RngStream.Derive(pyramid.Seed, Evaluation.SampleStream));
                if (gridPath is not null)
                {
                    var grid = LapganSampler.Sample(networks, pyramid.LatentSize, GeneratorHalf.FixedNoiseCount, RngStream.Derive(pyramid.Seed, 5));
                    SampleGrid.SavePng(SampleRenderer.ToUnitRange(grid, pyramid), gridPath, columns: 8);
                }

                return Evaluation.Images(images, pyramid, heldOut, train: train, progress: progress) with
                {
                    Round = levels.Sum(l => l.Round),
                    Lapgan = new LapganResult(levels.Select(l => new LapganLevelResult(l.Spec.Lapgan.Level!.Value, l.Round, l.Source)).ToList()),
                };
            }
        }
        finally
        {
            halves.ForEach(h => h.Dispose());
        }
    }

    /// <summary>The subfolder of a local pyramid run that holds level <paramref name="level"/>'s run.</summary>
    public static string LevelFolder(string pyramidFolder, int level) => Path.Combine(pyramidFolder, $"level-{level}");

    /// <summary>True when <paramref name="folder"/> is a local LAPGAN pyramid run (its options.json is the whole pyramid).</summary>
    public static bool IsPyramidFolder(string folder, out ExperimentSpec? pyramid)
    {
        pyramid = null;
        var options = Path.Combine(folder, "options.json");
        if (!File.Exists(options))
        {
            return false;
        }

        try
        {
            pyramid = SpecJson.Parse(File.ReadAllText(options));
        }
        catch (SpecValidationException)
        {
            return false;
        }

        return LapganFamily.IsPyramid(pyramid);
    }

    /// <summary>
    /// Evaluates a local pyramid run folder from each level's newest valid checkpoint; writes the chained grid and records the
    /// result in the folder's evaluation.json / evaluations.jsonl. Throws <see cref="InvalidDataException"/> naming the level
    /// that has no checkpoint.
    /// </summary>
    public static EvaluationResult EvaluateFolder(string folder, ExperimentSpec pyramid, int samples, Action<string>? progress = null)
    {
        var levels = new List<(ExperimentSpec, HalfState, int, string)>();
        foreach (var spec in LapganFamily.Levels(pyramid))
        {
            var level = spec.Lapgan.Level!.Value;
            var checkpoints = Path.Combine(LevelFolder(folder, level), "checkpoints");
            var (file, checkpoint, _) = RunFolder.NewestValidCheckpoint(checkpoints);
            if (checkpoint is null)
            {
                throw new InvalidDataException($"{checkpoints} holds no valid checkpoint of LAPGAN level {level}; train it first (gancluster train --local {folder}/options.json --resume)");
            }

            levels.Add((checkpoint.Spec, checkpoint.Generator, checkpoint.Round, Path.GetRelativePath(folder, file!)));
        }

        var result = Evaluate(pyramid, levels, samples, Path.Combine(folder, GridFileName), progress);
        EvaluationLog.Record(folder, result);
        return result;
    }
}
