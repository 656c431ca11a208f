using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The rounds of one running experiment its runner accepted and the journal does not hold yet, pure. The coordinator
/// keeps them beside the run, so that status queries always see every accepted round, and journals them in batches.
/// </summary>
public sealed record PendingRounds(string Id)
{
    /// <summary>Accepted rounds not yet journaled, in order.</summary>
    public IReadOnlyList<RoundMetrics> Rounds { get; init; } = [];

    public PendingRounds Add(RoundMetrics metrics) => this with { Rounds = [.. Rounds, metrics] };

    /// <summary>Whether the pending rounds are journaled now: at a checkpoint boundary, or once <paramref name="recordEvery"/> are pending.</summary>
    public bool RecordsNow(RoundOutcome outcome, int recordEvery) => outcome == RoundOutcome.Boundary || (outcome == RoundOutcome.Accepted && Rounds.Count >= recordEvery);

    /// <summary>Takes the pending rounds as the event that journals them; null when no finite round is pending.</summary>
    public (PendingRounds Pending, RoundsRecorded? Recorded) Record()
    {
        var (next, rounds) = Flush();
        return (next, rounds.Count > 0 ? new RoundsRecorded(Id, rounds) : null);
    }

    /// <summary>Takes the pending rounds to journal; a diverged round is left out (the history keeps finite rounds only).</summary>
    public (PendingRounds Pending, IReadOnlyList<RoundMetrics> Rounds) Flush() =>
        (this with { Rounds = [] }, Rounds.Where(IsFinite).ToList());

    /// <summary>The one divergence rule (<see cref="RoundMetricsMapping.IsDiverged"/>): every term finite.</summary>
    public static bool IsFinite(RoundMetrics m) => !RoundMetricsMapping.IsDiverged(m);
}
