using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>What a reported round means for its run.</summary>
public enum RoundOutcome
{
    /// <summary>Not the round the run expects (a stale or repeated report): ignored.</summary>
    Ignored,

    /// <summary>Recorded; the run continues.</summary>
    Accepted,

    /// <summary>Recorded; it is the last granted round: collect a checkpoint now.</summary>
    Boundary,

    /// <summary>A non-finite loss: the run stops, diverged.</summary>
    Diverged,
}

/// <summary>
/// The progress of one running experiment, pure: where it continues, what is granted, whether both halves are ready,
/// and the rounds not yet journaled. The coordinator keeps it beside the run's <see cref="ExperimentRunner"/>, so that
/// status queries always see every accepted round.
/// </summary>
public sealed record RunProgress(string Id, int RoundsTotal, int CheckpointInterval)
{
    /// <summary>The next round to run; 0 until the checkpoint is loaded and the assignment journaled.</summary>
    public int NextRound { get; init; }

    public bool GeneratorReady { get; init; }

    public bool DiscriminatorReady { get; init; }

    /// <summary>The last round granted (the next checkpoint boundary or the end); 0 before the first grant.</summary>
    public int GrantedTo { get; init; }

    /// <summary>Accepted rounds not yet journaled, in order.</summary>
    public IReadOnlyList<RoundMetrics> Pending { get; init; } = [];

    /// <summary>The run starts (again) at <paramref name="nextRound"/>; both halves must say they are ready.</summary>
    public RunProgress Start(int nextRound) => this with { NextRound = nextRound, GeneratorReady = false, DiscriminatorReady = false, GrantedTo = 0 };

    /// <summary>A half is ready; returns the grant (rounds From..To) once both are, for the round the run expects.</summary>
    public (RunProgress Progress, (int From, int To)? Grant) Ready(WorkerRole role, int nextRound)
    {
        if (NextRound == 0 || nextRound != NextRound)
        {
            return (this, null);
        }

        var next = role == WorkerRole.Generator ? this with { GeneratorReady = true } : this with { DiscriminatorReady = true };
        return next.GeneratorReady && next.DiscriminatorReady ? next.GrantNext() : (next, null);
    }

    /// <summary>Grants the rounds up to the next checkpoint boundary (or the end).</summary>
    public (RunProgress Progress, (int From, int To)? Grant) GrantNext()
    {
        var to = CoordinatorState.NextBoundary(NextRound, CheckpointInterval, RoundsTotal);
        return (this with { GrantedTo = to }, (NextRound, to));
    }

    /// <summary>A round from the generator: accepted in order only.</summary>
    public (RunProgress Progress, RoundOutcome Outcome) Round(RoundMetrics metrics)
    {
        if (NextRound == 0 || metrics.Round != NextRound)
        {
            return (this, RoundOutcome.Ignored);
        }

        var next = this with { NextRound = metrics.Round + 1, Pending = [.. Pending, metrics] };
        if (!IsFinite(metrics))
        {
            return (next, RoundOutcome.Diverged);
        }

        return (next, metrics.Round == GrantedTo ? RoundOutcome.Boundary : RoundOutcome.Accepted);
    }

    /// <summary>Whether a checkpoint of <paramref name="round"/> lets this run go on: it is the one the run collected last.</summary>
    public bool Continues(int round) => GrantedTo == round && NextRound == round + 1;

    /// <summary>Whether the pending rounds are journaled now: at a checkpoint boundary, or once <paramref name="recordEvery"/> are pending.</summary>
    public bool RecordsNow(RoundOutcome outcome, int recordEvery) => outcome == RoundOutcome.Boundary || (outcome == RoundOutcome.Accepted && Pending.Count >= recordEvery);

    /// <summary>Takes the pending rounds as the event that journals them; null when no finite round is pending.</summary>
    public (RunProgress Progress, RoundsRecorded? Recorded) Record()
    {
        var (next, rounds) = Flush();
        return (next, rounds.Count > 0 ? new RoundsRecorded(Id, rounds) : null);
    }

    /// <summary>Takes the pending rounds to journal; a diverged round is left out (the history keeps finite rounds only).</summary>
    public (RunProgress Progress, IReadOnlyList<RoundMetrics> Rounds) Flush() =>
        (this with { Pending = [] }, Pending.Where(IsFinite).ToList());

    /// <summary>The one divergence rule (<see cref="RoundMetricsMapping.IsDiverged"/>): every term finite.</summary>
    public static bool IsFinite(RoundMetrics m) => !RoundMetricsMapping.IsDiverged(m);
}
