using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>A run's schedule without actors: readiness, grants to each checkpoint boundary, rounds in order.</summary>
public sealed class RunProgressTests
{
    private static RoundMetrics Metrics(int round, double dLoss = 1.2) => new(round, dLoss, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);

    [Fact]
    public void Rounds_are_granted_up_to_the_next_boundary_once_both_halves_are_ready_for_the_expected_round()
    {
        var progress = new RunProgress("exp-a", RoundsTotal: 5, CheckpointInterval: 2).Start(3);

        var (afterStale, stale) = progress.Ready(WorkerRole.Generator, 1);
        Assert.Null(stale);
        var (afterGenerator, none) = afterStale.Ready(WorkerRole.Generator, 3);
        Assert.Null(none);
        var (_, grant) = afterGenerator.Ready(WorkerRole.Discriminator, 3);
        Assert.Equal((3, 4), grant);
    }

    [Fact]
    public void Rounds_are_accepted_in_order_only_and_the_last_granted_one_is_a_boundary()
    {
        var progress = new RunProgress("exp-a", 5, 2).Start(1).GrantNext().Progress;

        (progress, var first) = progress.Round(Metrics(1));
        (progress, var repeated) = progress.Round(Metrics(1));
        (progress, var skipped) = progress.Round(Metrics(3));
        (progress, var boundary) = progress.Round(Metrics(2));

        Assert.Equal([RoundOutcome.Accepted, RoundOutcome.Ignored, RoundOutcome.Ignored, RoundOutcome.Boundary], new[] { first, repeated, skipped, boundary });
        Assert.True(progress.Continues(2));
        Assert.Equal((3, 4), progress.GrantNext().Grant);
        Assert.Equal((5, 5), progress.Start(5).GrantNext().Grant);
    }

    [Fact]
    public void A_non_finite_round_diverges()
    {
        var progress = new RunProgress("exp-a", 5, 2).Start(1).GrantNext().Progress;
        (progress, var first) = progress.Round(Metrics(1));
        (progress, var outcome) = progress.Round(Metrics(2, double.NaN));

        Assert.Equal(RoundOutcome.Accepted, first);
        Assert.Equal(RoundOutcome.Diverged, outcome);
    }

    [Fact]
    public void Nothing_is_accepted_before_the_run_started()
    {
        var progress = new RunProgress("exp-a", 5, 2);

        Assert.Equal(RoundOutcome.Ignored, progress.Round(Metrics(1)).Outcome);
        Assert.Null(progress.Ready(WorkerRole.Generator, 0).Grant);
    }
}

/// <summary>The rounds a run accepted and the journal does not hold yet, without actors.</summary>
public sealed class PendingRoundsTests
{
    private static RoundMetrics Metrics(int round, double dLoss = 1.2) => new(round, dLoss, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000);

    [Fact]
    public void A_diverged_round_is_left_out_of_the_journaled_rounds()
    {
        var pending = new PendingRounds("exp-a").Add(Metrics(1)).Add(Metrics(2, double.NaN));

        var (flushed, rounds) = pending.Flush();

        Assert.Equal([1], rounds.Select(r => r.Round));
        Assert.Empty(flushed.Rounds);
    }

    [Fact]
    public void Pending_rounds_are_journaled_once_enough_are_pending_and_at_every_boundary()
    {
        var pending = new PendingRounds("exp-a").Add(Metrics(1));
        Assert.False(pending.RecordsNow(RoundOutcome.Accepted, recordEvery: 2));
        pending = pending.Add(Metrics(2));
        Assert.True(pending.RecordsNow(RoundOutcome.Accepted, recordEvery: 2));

        (pending, var recorded) = pending.Record();
        Assert.Equal("exp-a", recorded!.Id);
        Assert.Equal([1, 2], recorded.Rounds.Select(r => r.Round));
        Assert.Null(pending.Record().Recorded);

        pending = pending.Add(Metrics(3));
        Assert.True(pending.RecordsNow(RoundOutcome.Boundary, recordEvery: 50));
        Assert.False(pending.RecordsNow(RoundOutcome.Diverged, recordEvery: 1));
    }
}

/// <summary>Stored checkpoints the journal never recorded, without a store.</summary>
public sealed class CheckpointOrphansTests
{
    [Fact]
    public void Only_unrecorded_rounds_below_the_newest_recorded_one_are_leftovers()
    {
        Assert.Equal([2, 5], CheckpointOrphans.Below([2, 4, 5, 6, 8, 9, 5], [4, 6, 8]));
        Assert.Empty(CheckpointOrphans.Below([3, 7], []));
    }
}
