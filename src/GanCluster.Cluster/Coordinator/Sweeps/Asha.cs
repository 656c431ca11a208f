namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>A child's metric at a rung, in the order the children reached it.</summary>
public sealed record RungReport(string Child, int Rung, double Value);

/// <summary>ASHA's verdict on a child that reached a rung: go on, or stop, with its rank among the children seen at that rung.</summary>
public sealed record AshaVerdict(bool Stop, int Rank, int Reported, int Kept);

/// <summary>
/// Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning"), in its
/// stopping form (Ray Tune's and Determined's): when a child reaches a rung, it goes on only if its metric ranks in the
/// top 1/eta of every value reported at that rung so far (at least the best one always goes on). Decisions are made as
/// children arrive and never revised: the first child at a rung always goes on, as in the paper, which trades a few
/// promotions of mediocre children for never waiting on stragglers. Pure.
/// </summary>
public static class Asha
{
    /// <summary>
    /// Judges <paramref name="child"/>, whose report is the last of <paramref name="atRung"/> (every report at this rung, in
    /// arrival order). NaN ranks last; equal values rank by arrival.
    /// </summary>
    public static AshaVerdict Judge(string child, IReadOnlyList<RungReport> atRung, SweepMode mode, int eta)
    {
        if (eta < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be at least 2");
        }

        var ranked = atRung
            .Select((r, arrival) => (r.Child, r.Value, Arrival: arrival))
            .OrderBy(r => double.IsNaN(r.Value) ? 1 : 0)
            .ThenBy(r => mode == SweepMode.Max ? -r.Value : r.Value)
            .ThenBy(r => r.Arrival)
            .ToList();
        var rank = ranked.FindIndex(r => r.Child == child);
        if (rank < 0)
        {
            throw new ArgumentException($"{child} has no report among the rung's", nameof(atRung));
        }

        var kept = Math.Max(1, ranked.Count / eta);
        return new AshaVerdict(rank >= kept, rank + 1, ranked.Count, kept);
    }

    /// <summary>
    /// Replays reports in arrival order, as the coordinator meets them: a stopped child reports nothing more (later reports
    /// of it are ignored). Returns the children stopped, with the rung each was stopped at.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Replay(IEnumerable<RungReport> reports, SweepMode mode, int eta)
    {
        var stopped = new Dictionary<string, int>();
        var seen = new Dictionary<int, List<RungReport>>();
        foreach (var report in reports)
        {
            if (stopped.ContainsKey(report.Child))
            {
                continue;
            }

            if (!seen.TryGetValue(report.Rung, out var atRung))
            {
                seen[report.Rung] = atRung = [];
            }

            atRung.Add(report);
            if (Judge(report.Child, atRung, mode, eta).Stop)
            {
                stopped[report.Child] = report.Rung;
            }
        }

        return stopped;
    }
}
