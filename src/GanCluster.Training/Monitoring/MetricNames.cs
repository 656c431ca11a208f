namespace GanCluster.Training.Monitoring;

/// <summary>
/// The stable names of every metric, used in metrics.jsonl, TensorBoard tags, logs and alarms alike.
/// They are a published format: add names, never rename one.
/// </summary>
public static class MetricNames
{
    /// <summary>Discriminator loss (mean over the k steps of a round).</summary>
    public const string DLoss = "loss/d";

    /// <summary>Generator loss of the round's generator step.</summary>
    public const string GLoss = "loss/g";

    /// <summary>Mean D(x) on real batches.</summary>
    public const string DReal = "d/real";

    /// <summary>Mean D(G(z)) on fake batches.</summary>
    public const string DFake = "d/fake";

    /// <summary>Wall-clock time of the whole round.</summary>
    public const string RoundMs = "time/round_ms";

    /// <summary>Time spent generating fake batches (all k + 1 forward passes of G).</summary>
    public const string GeneratorForwardMs = "time/g_forward_ms";

    /// <summary>Time of the k discriminator steps.</summary>
    public const string DiscriminatorStepMs = "time/d_step_ms";

    /// <summary>Time of the discriminator's answer to the generator step (loss and dLoss/dFake).</summary>
    public const string FeedbackMs = "time/feedback_ms";

    /// <summary>Time of G's backward pass and optimizer step.</summary>
    public const string GeneratorUpdateMs = "time/g_update_ms";

    /// <summary>Bytes of tensors exchanged between the halves in the round (0 in a local run).</summary>
    public const string ExchangeBytes = "exchange/bytes";

    /// <summary>Rounds per second over the last logging window.</summary>
    public const string StepsPerSecond = "speed/steps_per_s";

    /// <summary>Mean pairwise L2 distance within a fake batch.</summary>
    public const string DiversityFake = "diversity/fake";

    /// <summary>Mean pairwise L2 distance within a real batch.</summary>
    public const string DiversityReal = "diversity/real";

    /// <summary><see cref="DiversityFake"/> / <see cref="DiversityReal"/>: about 1 for a healthy generator, near 0 on collapse.</summary>
    public const string DiversityRatio = "diversity/ratio";

    /// <summary>2-D benchmarks: modes captured by generated points (see <see cref="Metrics.ModeCoverage"/>).</summary>
    public const string ModesCaptured = "modes/captured";

    /// <summary>2-D benchmarks: modes of the mixture.</summary>
    public const string ModesTotal = "modes/total";

    /// <summary>2-D benchmarks: fraction of generated points within 3 standard deviations of a mode.</summary>
    public const string ModesHighQuality = "modes/high_quality";

    /// <summary>2-D benchmarks: modes holding at least 20% of their expected share of the samples (see <see cref="Metrics.ModeCoverage"/>).</summary>
    public const string ModesWellCovered = "modes/well_covered";

    /// <summary>2-D benchmarks: KL(generated histogram over modes || uniform) of the high-quality samples (the papers' reverse KL).</summary>
    public const string ModesReverseKl = "modes/reverse_kl";

    /// <summary>TensorBoard image tag of the fixed-noise sample grid.</summary>
    public const string SamplesImage = "samples";
}
