using GanCluster.Training.Monitoring;

namespace GanCluster.Training.Core;

/// <summary>
/// What one round (k discriminator steps, then one generator step) produced. Losses and D outputs of the
/// discriminator phase are means over its k steps. Timings are wall-clock milliseconds per phase.
/// </summary>
public sealed record RoundResult(
    int Round,
    double DLoss,
    double GLoss,
    double DReal,
    double DFake,
    double GeneratorForwardMs,
    double DiscriminatorStepMs,
    double FeedbackMs,
    double GeneratorUpdateMs,
    double RoundMs)
{
    /// <summary>True when a loss is NaN or infinite: the run has diverged.</summary>
    public bool IsDiverged => !double.IsFinite(DLoss) || !double.IsFinite(GLoss);

    /// <summary>Diversity of the round's first fake and real batches, on rounds where it was measured.</summary>
    public BatchDiversity? Diversity { get; init; }
}
