using GanCluster.Protocol;

namespace GanCluster.Node.Dashboard;

/// <summary>
/// One experiment's loss curve as the dashboard draws it, pure: the rounds of the run folder's metrics.jsonl (every
/// metrics-every rounds) and of the coordinator's status replies (its most recent rounds each time it is asked), merged
/// in round order without duplicates. Bounded: past
/// <see cref="MaxPoints"/> every second point of the older half is dropped, so a long run keeps its whole shape at a
/// coarser step and its newest rounds in full.
/// </summary>
public sealed class LossSeries
{
    /// <summary>Points kept per experiment.</summary>
    public const int MaxPoints = 600;

    private readonly List<LossPoint> _points = [];

    /// <summary>The kept points in round order.</summary>
    public IReadOnlyList<LossPoint> Points => _points;

    /// <summary>Adds the rounds newer than the last kept one (older rounds were seen already, or thinned away).</summary>
    public void Merge(IEnumerable<RoundMetrics> rounds) =>
        Merge(rounds.Select(m => new LossPoint(m.Round, m.DLoss, m.GLoss, m.DReal, m.DFake)));

    /// <inheritdoc cref="Merge(IEnumerable{RoundMetrics})"/>
    public void Merge(IEnumerable<LossPoint> points)
    {
        var last = _points.Count > 0 ? _points[^1].Round : 0;
        foreach (var p in points.Where(p => p.Round > last).OrderBy(p => p.Round))
        {
            if (p.Round <= last)
            {
                continue;
            }

            _points.Add(p);
            last = p.Round;
        }

        if (_points.Count > MaxPoints)
        {
            var half = _points.Count / 2;
            var older = _points.Take(half).Where((_, i) => i % 2 == 0).ToList();
            _points.RemoveRange(0, half);
            _points.InsertRange(0, older);
        }
    }

    /// <summary>Forgets the rounds from <paramref name="round"/> on: a resumed run repeats them from its checkpoint.</summary>
    public void TruncateFrom(int round) => _points.RemoveAll(p => p.Round >= round);
}

/// <summary>One round of a loss curve: the two losses and D's mean outputs on real and fake samples.</summary>
public sealed record LossPoint(int Round, double DLoss, double GLoss, double DReal, double DFake);
