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
/// The round schedule of one running experiment, pure: where it continues, what is granted, whether both halves are
/// ready, and what a reported round means. The run's <see cref="ExperimentRunner"/> holds it and drives its pair by it.
/// </summary>
public sealed record RunProgress(string Id, int RoundsTotal, int CheckpointInterval)
{
    /// <summary>The next round to run; 0 until the checkpoint is loaded and the assignment journaled.</summary>
    public int NextRound { get; init; }

    public bool GeneratorReady { get; init; }

    public bool DiscriminatorReady { get; init; }

    /// <summary>The last round granted (the next checkpoint boundary or the end); 0 before the first grant.</summary>
    public int GrantedTo { get; init; }

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

        var next = this with { NextRound = metrics.Round + 1 };
        if (!PendingRounds.IsFinite(metrics))
        {
            return (next, RoundOutcome.Diverged);
        }

        return (next, metrics.Round == GrantedTo ? RoundOutcome.Boundary : RoundOutcome.Accepted);
    }

    /// <summary>Whether a checkpoint of <paramref name="round"/> lets this run go on: it is the one the run collected last.</summary>
    public bool Continues(int round) => GrantedTo == round && NextRound == round + 1;

    /// <summary>Whether there are rounds to grant after the checkpoint of <paramref name="round"/>: it <see cref="Continues"/> the run, and is not its last round.</summary>
    public bool HasRoundsAfter(int round) => Continues(round) && round < RoundsTotal;
}
