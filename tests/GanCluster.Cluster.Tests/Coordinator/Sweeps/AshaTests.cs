using GanCluster.Cluster.Coordinator.Sweeps;

namespace GanCluster.Cluster.Tests.Coordinator.Sweeps;

/// <summary>ASHA's decision on constructed metric sequences, without actors.</summary>
public sealed class AshaTests
{
    private static RungReport R(string child, int rung, double value) => new(child, rung, value);

    [Fact]
    public void Children_below_the_top_fraction_of_their_rung_are_stopped_as_they_arrive()
    {
        // Lower is better. Rung 1 in arrival order: a 0.5 (alone: goes on), b 0.9 (1 of 2 kept: b is second, stopped),
        // c 0.3 (1 of 3 kept: c is first, goes on), d 0.8 (2 of 4 kept: d is third, stopped). Rung 2: a then c go on.
        var stopped = Asha.Replay([R("a", 1, 0.5), R("b", 1, 0.9), R("c", 1, 0.3), R("d", 1, 0.8), R("a", 2, 0.4), R("c", 2, 0.2)], SweepMode.Min, eta: 2);

        Assert.Equal(new Dictionary<string, int> { ["b"] = 1, ["d"] = 1 }, stopped);
    }

    [Fact]
    public void At_a_higher_rung_only_the_children_promoted_there_compete()
    {
        var stopped = Asha.Replay([R("a", 1, 1.0), R("b", 1, 2.0), R("c", 1, 3.0), R("a", 2, 5.0), R("b", 2, 4.0), R("c", 2, 7.0)], SweepMode.Max, eta: 2);

        // Higher is better. Rung 1: each arrival is the best so far, so all go on (a decision is never revised).
        // Rung 2: a arrives alone; b (4.0) is below a (5.0) with 1 of 2 kept: stopped; c is the best of three.
        Assert.Equal(new Dictionary<string, int> { ["b"] = 2 }, stopped);
    }

    [Fact]
    public void A_stopped_child_reports_nothing_more()
    {
        var stopped = Asha.Replay([R("a", 1, 0.1), R("b", 1, 0.9), R("b", 2, 0.0), R("a", 2, 0.5), R("c", 2, 0.6)], SweepMode.Min, eta: 2);

        // b's rung-2 report (after its stop) must not count: at rung 2 a is alone first, then c (0.6 > 0.5) is stopped.
        Assert.Equal(new Dictionary<string, int> { ["b"] = 1, ["c"] = 2 }, stopped);
    }

    [Fact]
    public void The_verdict_says_the_rank_among_the_reports_and_how_many_go_on()
    {
        IReadOnlyList<RungReport> atRung = [R("a", 1, 3.0), R("b", 1, 1.0), R("c", 1, 2.0), R("d", 1, 4.0), R("e", 1, 0.5), R("f", 1, 2.5)];

        Assert.Equal(new AshaVerdict(false, 1, 6, 2), Asha.Judge("e", atRung, SweepMode.Min, eta: 3));
        Assert.Equal(new AshaVerdict(false, 2, 6, 2), Asha.Judge("b", atRung, SweepMode.Min, eta: 3));
        Assert.Equal(new AshaVerdict(true, 3, 6, 2), Asha.Judge("c", atRung, SweepMode.Min, eta: 3));
        Assert.Equal(new AshaVerdict(false, 1, 6, 2), Asha.Judge("d", atRung, SweepMode.Max, eta: 3));
    }

    [Fact]
    public void A_missing_metric_ranks_last_and_ties_go_to_the_earlier_arrival()
    {
        IReadOnlyList<RungReport> atRung = [R("a", 1, double.NaN), R("b", 1, 1.0), R("c", 1, 1.0)];

        Assert.Equal(3, Asha.Judge("a", atRung, SweepMode.Max, eta: 2).Rank);
        Assert.False(Asha.Judge("b", atRung, SweepMode.Min, eta: 2).Stop);
        Assert.True(Asha.Judge("c", atRung, SweepMode.Min, eta: 2).Stop);
    }

    [Fact]
    public void Eta_below_two_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Asha.Judge("a", [R("a", 1, 1.0)], SweepMode.Min, eta: 1));
    }
}
