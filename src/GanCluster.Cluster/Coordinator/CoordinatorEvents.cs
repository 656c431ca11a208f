using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Events of the coordinator's journal. Bound to <see cref="CoordinatorEventSerializer"/>; their JSON field
/// names and manifests are a storage format: never rename them once data is persisted.
/// </summary>
public interface ICoordinatorEvent
{
}

/// <summary>A coordinator started (after recovery); running experiments pause until workers are assigned again.</summary>
public sealed record CoordinatorStarted(long Incarnation, DateTimeOffset At) : ICoordinatorEvent;

public sealed record ExperimentSubmitted(string Id, string SpecJson, string Name, int Priority, int RoundsTotal, DateTimeOffset At) : ICoordinatorEvent;

/// <summary>A pair was assigned; training continues at <paramref name="NextRound"/> (rounds after the restored checkpoint are forgotten).</summary>
public sealed record ExperimentAssigned(string Id, string GeneratorNode, string DiscriminatorNode, int NextRound) : ICoordinatorEvent;

/// <summary>Per-round metrics, recorded in batches.</summary>
public sealed record RoundsRecorded(string Id, IReadOnlyList<RoundMetrics> Rounds) : ICoordinatorEvent;

public sealed record CheckpointStored(string Id, int Round, string GeneratorSha256, string DiscriminatorSha256) : ICoordinatorEvent;

public sealed record CheckpointsPruned(string Id, IReadOnlyList<int> Rounds) : ICoordinatorEvent;

public sealed record SampleGridStored(string Id, int Round) : ICoordinatorEvent;

public sealed record ExperimentPaused(string Id, string Reason) : ICoordinatorEvent;

public sealed record ExperimentCompleted(string Id) : ICoordinatorEvent;

public sealed record ExperimentFailed(string Id, string Reason, bool Diverged) : ICoordinatorEvent;

public sealed record ExperimentCancelled(string Id) : ICoordinatorEvent;

/// <summary>A finished or paused experiment goes back to the queue, to continue from its last good checkpoint with this spec.</summary>
public sealed record ExperimentResumed(string Id, string SpecJson, int RoundsTotal) : ICoordinatorEvent;

/// <summary>
/// A sweep and every child experiment it queues, in one entry, so that a crash loses either the whole sweep or none of
/// it. <paramref name="Mode"/> is "max" or "min", <paramref name="Algorithm"/> "grid", "random" or "asha";
/// <paramref name="Rungs"/> are ASHA's checkpoint rounds (empty for the others).
/// </summary>
public sealed record SweepSubmitted(string Id, string Name, string Metric, string Mode, string Algorithm, int Eta, IReadOnlyList<int> Rungs, int Priority,
    IReadOnlyList<SweepChild> Children, DateTimeOffset At, PbtSettings? Pbt = null) : ICoordinatorEvent;

/// <summary>
/// A population-based sweep's settings (absent for the other algorithms): members are ready every <paramref name="Ready"/>
/// rounds; the bottom <paramref name="Quantile"/> exploit the top one and explore by <paramref name="PerturbDown"/> /
/// <paramref name="PerturbUp"/> or resampling from <paramref name="SpaceJson"/> (probability <paramref name="ResampleProbability"/>),
/// drawing with <paramref name="Seed"/> (the space's seed).
/// </summary>
public sealed record PbtSettings(int Ready, double Quantile, double PerturbDown, double PerturbUp, double ResampleProbability, int Seed, string SpaceJson);

/// <summary>
/// A PBT member stored the checkpoint of its ready round <paramref name="Round"/> (generation <paramref name="Generation"/>)
/// with this metric (null: not known or not finite); its run ends and it waits for the generation's decision.
/// </summary>
public sealed record PbtMemberReady(string Id, string Sweep, int Generation, int Round, double? Value) : ICoordinatorEvent;

/// <summary>
/// Every living member of a PBT sweep reached generation <paramref name="Generation"/> (checkpoint <paramref name="Round"/>):
/// each goes on with <see cref="PbtStep.SpecJson"/>, from the checkpoint of <see cref="PbtStep.Source"/> when it exploits.
/// </summary>
public sealed record PbtGenerationDecided(string Sweep, int Generation, int Round, IReadOnlyList<PbtStep> Steps) : ICoordinatorEvent;

/// <summary>
/// A member's next generation: from its own checkpoint (<paramref name="Source"/> null) or a copy of
/// <paramref name="Source"/>'s (these halves' SHA-256), with the explored hyperparameters ("path=value, ...") in its spec.
/// </summary>
public sealed record PbtStep(string Member, double? Value, string? Source, string? SourceGeneratorSha256, string? SourceDiscriminatorSha256, string Hyperparameters, string SpecJson);

/// <summary>
/// The checkpoint of <paramref name="Source"/> at <paramref name="Round"/> was copied, byte for byte, to experiment
/// <paramref name="Id"/> at the same round (a PBT exploit); the run continues from it.
/// </summary>
public sealed record CheckpointCopied(string Id, int Round, string Source, string GeneratorSha256, string DiscriminatorSha256) : ICoordinatorEvent;

/// <summary>A child of a sweep: an experiment like a submitted one, plus its configuration number, seed number and what the space set.</summary>
public sealed record SweepChild(string Id, string SpecJson, string Name, int RoundsTotal, int Config, int SeedIndex, string Overrides);

/// <summary>
/// A sweep child reached ASHA's rung <paramref name="Rung"/> (1-based) at checkpoint <paramref name="Round"/> with this
/// metric: finite, or NaN when the evaluation of the checkpoint failed (it then ranks last). For an evaluation figure it
/// is journaled when the figure arrives, and the child, paused since <see cref="SweepFigureAwaited"/>, is queued again.
/// </summary>
public sealed record RungReached(string Id, string Sweep, int Rung, int Round, double Value) : ICoordinatorEvent;

/// <summary>
/// A sweep child stored the checkpoint of a round where its sweep decides (an ASHA rung, a PBT ready round), and the
/// sweep's metric is a figure of the checkpoint's evaluation: the run ends there and the child waits, paused and not
/// runnable, until the coordinator's evaluation of that checkpoint is in (then <see cref="RungReached"/> or
/// <see cref="PbtMemberReady"/>). Its pair takes the next queued experiment meanwhile.
/// </summary>
public sealed record SweepFigureAwaited(string Id, string Sweep, int Round) : ICoordinatorEvent;

/// <summary>A sweep's searcher ended a child before its last round (ASHA: "stopped by ASHA at rung N ..."); it counts as completed.</summary>
public sealed record ExperimentStoppedEarly(string Id, string Reason) : ICoordinatorEvent;

/// <summary>
/// A keyed client request (submit, cancel or resume; see <see cref="RequestKey"/>) was carried out for experiment
/// <paramref name="Id"/>: a retry with the same key and the same contents (<paramref name="Fingerprint"/>) is answered
/// again without being carried out twice.
/// </summary>
public sealed record RequestKeyRecorded(string Key, string Request, string Id, string Fingerprint) : ICoordinatorEvent;

/// <summary>
/// A journal entry the coordinator could not read back (truncated or overwritten bytes, an unknown manifest). Never
/// persisted: <see cref="CoordinatorEventSerializer"/> returns it in place of the event so that replay goes on, and
/// <see cref="CoordinatorState.Apply"/> confines the damage to the experiment named in the readable part of the entry
/// (<paramref name="ExperimentId"/>, null when no id could be read). <paramref name="SequenceNr"/> is set by the
/// coordinator during replay.
/// </summary>
public sealed record UnreadableEvent(string Manifest, string? ExperimentId, string Error, long SequenceNr = 0) : ICoordinatorEvent
{
    /// <summary>What a person reads in <c>list</c>, <c>status</c> and the log.</summary>
    public string Describe() =>
        $"journal damaged: event {SequenceNr} ({Manifest}) cannot be read ({Error}); this experiment's later events are ignored "
        + "and it cannot be resumed. Submit its experiment file again; its stored checkpoints are kept";
}

/// <summary>Journal damage that named no experiment, kept in the state so that it stays visible after snapshots.</summary>
public sealed record JournalDamage(long SequenceNr, string Manifest, string Error);
