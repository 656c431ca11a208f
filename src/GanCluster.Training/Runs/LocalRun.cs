using System.Diagnostics;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;

namespace GanCluster.Training.Runs;

/// <summary>Options of a local run that are not part of the experiment itself.</summary>
/// <param name="OutputFolder">The run folder.</param>
/// <param name="Resume">Resume from the newest valid checkpoint in the run folder when there is one.</param>
/// <param name="LogEvery">Report progress (and append to metrics.jsonl) every this many rounds.</param>
/// <param name="EvaluationSamples">Samples generated for the final evaluation (0 = skip it; null = <see cref="Evaluation.DefaultSamples"/>).</param>
/// <param name="TensorBoard">Also write TensorBoard event files under tensorboard/.</param>
/// <param name="Alarms">Thresholds of the collapse and divergence alarms (null = the defaults).</param>
/// <param name="Force">Delete a run already in the folder and start over (without it, and without Resume, such a folder is refused).</param>
public sealed record LocalRunOptions(
    string OutputFolder, bool Resume = false, int LogEvery = 50, int? EvaluationSamples = null, bool TensorBoard = true, AlarmSettings? Alarms = null, bool Force = false);

/// <summary>The run folder already holds a run and neither resuming nor starting over was asked for.</summary>
public sealed class RunFolderInUseException(string folder)
    : Exception($"{folder} already holds a run; pass --resume to continue it or --force to delete it and start over")
{
    public string Folder { get; } = folder;
}

/// <summary>Progress events of a local run, for the CLI's display and logs.</summary>
public interface ILocalRunObserver
{
    void Started(ExperimentSpec spec, string device, int startRound, string dataDescription);

    void Resumed(int round, IReadOnlyList<string> skippedCheckpoints);

    void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds);

    void Checkpointed(int round, string path);

    /// <summary>An alarm was raised (collapse, a winning discriminator, divergence).</summary>
    void Alarmed(Alarm alarm);

    void Diverged(RoundResult result);

    void Evaluated(EvaluationResult result);
}

/// <summary>
/// <c>gancluster train --local</c>: trains one experiment in this process, writing a run folder with the
/// resolved options, metrics, sample grids, checkpoints and a final evaluation; resumes on request.
/// </summary>
public sealed class LocalRun
{
    private readonly ExperimentSpec _spec;
    private readonly LocalRunOptions _options;
    private readonly ILocalRunObserver _observer;

    public LocalRun(ExperimentSpec spec, LocalRunOptions options, ILocalRunObserver observer)
    {
        SpecValidator.ThrowIfInvalid(spec);
        _spec = spec;
        _options = options;
        _observer = observer;
    }

    /// <summary>Runs to the last round (or until cancelled, after writing a checkpoint). Returns the final round.</summary>
    public int Run(CancellationToken cancellation)
    {
        var runPath = Path.GetFullPath(_options.OutputFolder);
        if (RunFolder.HoldsRun(runPath))
        {
            if (_options.Force && !_options.Resume)
            {
                RunFolder.Clear(runPath);
            }
            else if (!_options.Resume)
            {
                throw new RunFolderInUseException(runPath);
            }
        }

        TorchRuntime.EnsureLoaded();
        var device = TorchRuntime.ResolveDevice(_spec.Device);
        // The data is read before the run folder is created: a missing or unreadable data set leaves nothing behind.
        var (train, heldOut) = DatasetCatalog.Load(_spec);
        using (train)
        using (heldOut)
        using (var trainer = new LocalTrainer(_spec, train, device))
        {
            var folder = new RunFolder(runPath);
            var metrics = new MetricsCollector(folder.Path, _options.TensorBoard);
            var alarms = new TrainingAlarms(_options.Alarms);
            if (_options.Resume)
            {
                var (checkpoint, skipped) = folder.LatestValidCheckpoint();
                if (checkpoint is not null)
                {
                    trainer.Restore(checkpoint with { Spec = _spec });
                    metrics.TruncateAfter(checkpoint.Round);
                    _observer.Resumed(checkpoint.Round, skipped);
                }
            }

            folder.WriteOptions(_spec);
            _observer.Started(_spec, device.ToString(), trainer.Round + 1, train.Description);
            if (trainer.Round == 0)
            {
                SampleRenderer.WriteReals(train, _spec, folder.RealsFile);
                WriteSamples(trainer, folder, metrics, 0);
            }

            var checkpoints = CheckpointSchedule.For(_spec);
            var window = Stopwatch.StartNew();
            var windowStart = trainer.Round;
            BatchDiversity? diversity = null;
            while (trainer.Round < _spec.Rounds && !cancellation.IsCancellationRequested)
            {
                var result = trainer.RunRound();
                Report(alarms.ObserveRound(result.Round, result.DLoss, result.GLoss, result.DFake, result.Terms));
                if (result.Diversity is { } measured)
                {
                    diversity = measured;
                    Report(alarms.ObserveDiversity(result.Round, measured));
                }

                if (result.IsDiverged)
                {
                    metrics.Record(result.Round, result.ToMetrics(0));
                    _observer.Diverged(result);
                    return result.Round;
                }

                var round = result.Round;
                if (round % _options.LogEvery == 0 || round == _spec.Rounds)
                {
                    var stepsPerSecond = (round - windowStart) / Math.Max(window.Elapsed.TotalSeconds, 1e-9);
                    var values = result.ToMetrics(stepsPerSecond);
                    if (diversity is not null)
                    {
                        MetricsRecord.AddDiversity(values, diversity);
                    }

                    metrics.Record(round, values);
                    _observer.RoundLogged(result, stepsPerSecond, _spec.Rounds);
                    window.Restart();
                    windowStart = round;
                }

                var checkpointDue = checkpoints.IsCheckpoint(round);
                if (checkpointDue)
                {
                    var path = folder.CheckpointFile(round);
                    trainer.Capture().Save(path);
                    _observer.Checkpointed(round, path);
                }

                if (checkpoints.RendersSamples(round))
                {
                    WriteSamples(trainer, folder, metrics, round);
                }

                if (checkpointDue && Evaluation.Modes(trainer.Generator, _spec) is { } modes)
                {
                    metrics.Record(round, MetricsRecord.Modes(modes));
                    Report(alarms.ObserveModes(round, modes.ModesCaptured, modes.Modes));
                }
            }

            if (cancellation.IsCancellationRequested && trainer.Round > 0)
            {
                var path = folder.CheckpointFile(trainer.Round);
                trainer.Capture().Save(path);
                _observer.Checkpointed(trainer.Round, path);
                return trainer.Round;
            }

            var evaluationSamples = _options.EvaluationSamples ?? Evaluation.DefaultSamples(_spec);
            if (evaluationSamples > 0 && heldOut.Count > 1)
            {
                var evaluation = Evaluation.Run(trainer.Generator, _spec, heldOut, evaluationSamples, train: train) with { Round = trainer.Round };
                evaluation = Evaluation.WithDiscriminator(evaluation, _spec, trainer.Discriminator.EvaluationNetwork, train, heldOut, trainer.Generator.SamplingNetwork, trainer.Discriminator.Network);
                EvaluationLog.Record(folder.Path, evaluation);
                _observer.Evaluated(evaluation);
            }

            return trainer.Round;
        }
    }

    private void WriteSamples(LocalTrainer trainer, RunFolder folder, MetricsCollector metrics, int round)
    {
        var file = folder.SampleGridFile(round);
        SampleRenderer.WriteSamples(trainer.Generator, _spec, file);
        metrics.AddImage(round, file);
    }

    private void Report(IReadOnlyList<Alarm> raised)
    {
        foreach (var alarm in raised)
        {
            _observer.Alarmed(alarm);
        }
    }
}
