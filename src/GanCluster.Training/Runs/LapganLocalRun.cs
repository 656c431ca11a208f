using GanCluster.Training.Families;
using GanCluster.Training.Options;

namespace GanCluster.Training.Runs;

/// <summary>
/// <c>gancluster train --local</c> of a whole LAPGAN pyramid (model lapgan, level null): its levels are ordinary experiments
/// (<see cref="LapganFamily.Levels"/>) trained one after another, coarsest first, each by a <see cref="LocalRun"/> in its own
/// subfolder <c>level-k</c> of the run folder (options, metrics, sample grids, checkpoints, as any run); then the chained
/// sampler is evaluated (<see cref="LapganEvaluation.EvaluateFolder"/>): evaluation.json and lapgan-samples.png in the run
/// folder. The pyramid's own options.json marks the folder, so <c>gancluster evaluate &lt;folder&gt;</c> finds the levels.
/// Resume and force apply to every level; a level that already ended resumes at its last round and does nothing more.
/// A level that diverges leaves the chain unscored (the other levels still train).
/// </summary>
public sealed class LapganLocalRun
{
    private readonly ExperimentSpec _pyramid;
    private readonly LocalRunOptions _options;
    private readonly ILocalRunObserver _observer;

    public LapganLocalRun(ExperimentSpec pyramid, LocalRunOptions options, ILocalRunObserver observer)
    {
        SpecValidator.ThrowIfInvalid(pyramid);
        if (!LapganFamily.IsPyramid(pyramid))
        {
            throw new ArgumentException("lapgan.level: LapganLocalRun trains the whole pyramid (level null); train one level with LocalRun");
        }

        _pyramid = pyramid;
        _options = options;
        _observer = observer;
    }

    /// <summary>
    /// Trains the levels and evaluates the chain (not when a level diverged). Returns the levels' last rounds, summed (a
    /// cancelled run stops after the level it was in).
    /// </summary>
    public int Run(CancellationToken cancellation)
    {
        var root = Path.GetFullPath(_options.OutputFolder);
        var options = Path.Combine(root, "options.json");
        if (File.Exists(options) && !_options.Resume && !_options.Force)
        {
            throw new RunFolderInUseException(root);
        }

        var rounds = 0;
        var diverged = false;
        foreach (var level in LapganFamily.Levels(_pyramid))
        {
            var folder = LapganEvaluation.LevelFolder(root, level.Lapgan.Level!.Value);
            // Each level's evaluation would be empty ("lapgan-level"): only the chain has a figure.
            var ended = new LocalRun(level, _options with { OutputFolder = folder, EvaluationSamples = 0 }, _observer).Run(cancellation);
            rounds += ended;
            if (cancellation.IsCancellationRequested)
            {
                return rounds;
            }

            // Not cancelled and short of its last round: the level diverged (the observer has been told). The levels train
            // independently, so the others still train (a --resume then only trains this one again), but the chain is not
            // scored: it would sample through the diverged level.
            diverged |= ended < level.Rounds;

            // Written once the first level has started, so a folder refused above always holds a pyramid run.
            Directory.CreateDirectory(root);
            File.WriteAllText(options, SpecJson.Serialize(_pyramid));
        }

        var samples = _options.EvaluationSamples ?? Evaluation.DefaultSamples(_pyramid);
        if (samples > 0 && !diverged)
        {
            _observer.Evaluated(LapganEvaluation.EvaluateFolder(root, _pyramid, Math.Max(2, samples)));
        }

        return rounds;
    }
}
