using Akka.Event;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>The coordinator's log line for each journaled event (the wording integration tests and operators read).</summary>
internal static class CoordinatorEventLog
{
    /// <summary>Logs <paramref name="e"/>, just applied to <paramref name="state"/>.</summary>
    public static void Journaled(this ILoggingAdapter log, ICoordinatorEvent e, CoordinatorState state)
    {
        switch (e)
        {
            case ExperimentSubmitted x: log.Info("Experiment {0} ({1}) submitted: {2} rounds, priority {3}", x.Id, x.Name, x.RoundsTotal, x.Priority); break;
            case ExperimentAssigned x:
                log.Info("Experiment {0} assigned to generator {1} and discriminator {2}, starting at round {3}{4}",
                    x.Id, x.GeneratorNode, x.DiscriminatorNode, x.NextRound, x.NextRound > 1 ? $" (from the checkpoint of round {x.NextRound - 1})" : string.Empty);
                break;
            case CheckpointStored x: log.Info("Experiment {0} checkpointed at round {1} (generator {2}, discriminator {3})", x.Id, x.Round, x.GeneratorSha256[..12], x.DiscriminatorSha256[..12]); break;
            case ExperimentCompleted x: log.Info("Experiment {0} completed: {1} rounds", x.Id, state.Find(x.Id)?.RoundsTotal); break;
            case ExperimentCancelled x: log.Info("Experiment {0} cancelled", x.Id); break;
            case ExperimentPaused x: log.Warning("Experiment {0} paused: {1}", x.Id, x.Reason); break;
            case ExperimentFailed { Diverged: true } x: log.Error("Experiment {0} {1}", x.Id, x.Reason); break;
            case ExperimentFailed x: log.Error("Experiment {0} failed: {1}", x.Id, x.Reason); break;
            case ExperimentResumed x:
                var spec = SpecJson.Parse(x.SpecJson);
                log.Info("Experiment {0} resumed by the user from its last checkpoint (round {1}): generator lr {2}, discriminator lr {3}, {4} rounds",
                    x.Id, state.Find(x.Id)?.LastCheckpointRound?.ToString() ?? "none", spec.GeneratorOptimizer.LearningRate, spec.DiscriminatorOptimizer.LearningRate, spec.Rounds);
                break;
        }
    }
}
