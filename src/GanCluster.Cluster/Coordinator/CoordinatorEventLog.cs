using Akka.Event;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The message templates of the coordinator's structured log events. In a node's compact-JSON log file an event carries
/// its template as "@mt" and its values as properties "0", "1", ...: scripts and the integration tests select events by
/// these constants and read the values, never the rendered wording.
/// </summary>
public static class CoordinatorLogEvents
{
    /// <summary>0 incarnation, 1 experiments known, 2 of them waiting for workers.</summary>
    public const string Started = "Coordinator incarnation {0} started with {1} experiments ({2} waiting for workers)";

    /// <summary>0 role, 1 node address, 2 generators in the pool, 3 discriminators, 4 what the node computes on (its device line).</summary>
    public const string WorkerJoined = "The {0} worker on {1} joined the pool ({2} generators, {3} discriminators); it computes on {4}";

    /// <summary>0 experiment, 1 its submitted name, 2 rounds, 3 priority.</summary>
    public const string Submitted = "Experiment {0} ({1}) submitted: {2} rounds, priority {3}";

    /// <summary>0 experiment, 1 generator node, 2 discriminator node, 3 the next round (above 1: resumed from the checkpoint before it), 4 a note.</summary>
    public const string Assigned = "Experiment {0} assigned to generator {1} and discriminator {2}, starting at round {3}{4}";

    /// <summary>0 experiment, 1 round, 2 and 3 the halves' SHA-256 prefixes.</summary>
    public const string Checkpointed = "Experiment {0} checkpointed at round {1} (generator {2}, discriminator {3})";

    /// <summary>0 experiment, 1 rounds.</summary>
    public const string Completed = "Experiment {0} completed: {1} rounds";

    public const string Cancelled = "Experiment {0} cancelled";

    /// <summary>0 journal sequence number, 1 manifest, 2 the experiment it names (or "(none)"), 3 why it cannot be read.</summary>
    public const string JournalDamaged = "Journal entry {0} ({1}) of experiment {2} cannot be read and was skipped: {3}";

    /// <summary>0 experiment, 1 reason.</summary>
    public const string Paused = "Experiment {0} paused: {1}";

    /// <summary>0 experiment, 1 reason.</summary>
    public const string Failed = "Experiment {0} failed: {1}";

    /// <summary>0 experiment, 1 the divergence and how to resume.</summary>
    public const string Diverged = "Experiment {0} {1}";

    /// <summary>0 sweep, 1 algorithm, 2 mode, 3 metric, 4 base experiment's name, 5 children.</summary>
    public const string SweepSubmitted = "Sweep {0} ({1}, {2} on {3} {4}) queued {5} experiments";

    /// <summary>0 experiment, 1 the sweep, 2 rung, 3 round, 4 metric value.</summary>
    public const string RungReached = "Experiment {0} of sweep {1} reached rung {2} at round {3}: {4}";

    /// <summary>0 experiment, 1 why (e.g. "stopped by ASHA at rung 1 ...").</summary>
    public const string StoppedEarly = "Experiment {0} {1}";

    /// <summary>0 experiment, 1 sweep, 2 round, 3 the sweep's metric.</summary>
    public const string FigureAwaited = "Experiment {0} of sweep {1} waits for the evaluation of its round {2} checkpoint ({3})";

    /// <summary>
    /// 0 experiment, 1 sweep, 2 round: after a restart, a child the journal shows waiting asks for its figure again. The
    /// killed process may have journaled the wait without its <see cref="FigureAwaited"/> line reaching the log file.
    /// </summary>
    public const string FigureAskedAgain = "Experiment {0} of sweep {1} still waits for the evaluation of its round {2} checkpoint; asked again after the restart";

    /// <summary>0 member, 1 sweep, 2 generation, 3 round, 4 its metric.</summary>
    public const string PbtReady = "Experiment {0} of sweep {1} is ready at PBT generation {2} (round {3}): {4}";

    /// <summary>0 sweep, 1 generation, 2 round, 3 exploiting members, 4 members, 5 "member &lt;- source: hyperparameters; ...".</summary>
    public const string PbtGeneration = "Sweep {0} decided PBT generation {1} at round {2}: {3} of {4} members exploit ({5})";

    /// <summary>0 member, 1 source, 2 round, 3 and 4 the halves' SHA-256 (first 12 digits).</summary>
    public const string CheckpointCopied = "Experiment {0} continues from the checkpoint of {1} at round {2} (copied: generator {3}, discriminator {4})";

    /// <summary>0 the cause (the coordinator actor stopped on it; <see cref="CoordinatorGuardian"/> starts it again).</summary>
    public const string CoordinatorFailed = "The coordinator failed: {0}";

    /// <summary>0 the cause, 1 seconds until the next start, 2 the attempt (1, 2, ... since it last started).</summary>
    public const string CoordinatorRestarting = "The coordinator stopped ({0}); starting it again in {1:F1} s (attempt {2})";

    /// <summary>0 experiment, 1 the checkpoint round, 2 and 3 the learning rates, 4 rounds.</summary>
    public const string Resumed = "Experiment {0} resumed by the user from its last checkpoint (round {1}): generator lr {2}, discriminator lr {3}, {4} rounds";
}

/// <summary>The coordinator's log event for each journaled event (templates in <see cref="CoordinatorLogEvents"/>).</summary>
internal static class CoordinatorEventLog
{
    /// <summary>Logs <paramref name="e"/>, just applied to <paramref name="state"/>.</summary>
    public static void Journaled(this ILoggingAdapter log, ICoordinatorEvent e, CoordinatorState state)
    {
        switch (e)
        {
            case ExperimentSubmitted x: log.Info(CoordinatorLogEvents.Submitted, x.Id, x.Name, x.RoundsTotal, x.Priority); break;
            case ExperimentAssigned x:
                log.Info(CoordinatorLogEvents.Assigned,
                    x.Id, x.GeneratorNode, x.DiscriminatorNode, x.NextRound, x.NextRound > 1 ? $" (from the checkpoint of round {x.NextRound - 1})" : string.Empty);
                break;
            case CheckpointStored x: log.Info(CoordinatorLogEvents.Checkpointed, x.Id, x.Round, x.GeneratorSha256[..12], x.DiscriminatorSha256[..12]); break;
            case ExperimentCompleted x: log.Info(CoordinatorLogEvents.Completed, x.Id, state.Find(x.Id)?.RoundsTotal); break;
            case ExperimentCancelled x: log.Info(CoordinatorLogEvents.Cancelled, x.Id); break;
            case ExperimentPaused x: log.Warning(CoordinatorLogEvents.Paused, x.Id, x.Reason); break;
            case ExperimentFailed { Diverged: true } x: log.Error(CoordinatorLogEvents.Diverged, x.Id, x.Reason); break;
            case ExperimentFailed x: log.Error(CoordinatorLogEvents.Failed, x.Id, x.Reason); break;
            case SweepSubmitted x: log.Info(CoordinatorLogEvents.SweepSubmitted, x.Id, x.Algorithm, x.Mode, x.Metric, x.Name, x.Children.Count); break;
            case RungReached x: log.Info(CoordinatorLogEvents.RungReached, x.Id, x.Sweep, x.Rung, x.Round, x.Value); break;
            case SweepFigureAwaited x: log.Info(CoordinatorLogEvents.FigureAwaited, x.Id, x.Sweep, x.Round, state.FindSweep(x.Sweep)?.Metric); break;
            case ExperimentStoppedEarly x: log.Info(CoordinatorLogEvents.StoppedEarly, x.Id, x.Reason); break;
            case PbtMemberReady x: log.Info(CoordinatorLogEvents.PbtReady, x.Id, x.Sweep, x.Generation, x.Round, x.Value?.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) ?? "no metric"); break;
            case PbtGenerationDecided x:
                log.Info(CoordinatorLogEvents.PbtGeneration, x.Sweep, x.Generation, x.Round, x.Steps.Count(s => s.Source is not null), x.Steps.Count,
                    string.Join("; ", x.Steps.Where(s => s.Source is not null).Select(s => $"{s.Member} <- {s.Source}: {s.Hyperparameters}")));
                break;
            case CheckpointCopied x: log.Info(CoordinatorLogEvents.CheckpointCopied, x.Id, x.Source, x.Round, x.GeneratorSha256[..12], x.DiscriminatorSha256[..12]); break;
            case ExperimentResumed x:
                var spec = SpecJson.Parse(x.SpecJson);
                log.Info(CoordinatorLogEvents.Resumed,
                    x.Id, state.Find(x.Id)?.LastCheckpointRound?.ToString() ?? "none", spec.GeneratorOptimizer.LearningRate, spec.DiscriminatorOptimizer.LearningRate, spec.Rounds);
                break;
        }
    }
}
