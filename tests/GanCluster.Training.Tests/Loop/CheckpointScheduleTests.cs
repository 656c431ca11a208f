using GanCluster.Training.Loop;

namespace GanCluster.Training.Tests.Loop;

public sealed class CheckpointScheduleTests
{
    [Fact]
    public void Checkpoints_fall_on_every_interval_and_on_the_last_round()
    {
        var schedule = new CheckpointSchedule(CheckpointInterval: 4, SampleInterval: 0, Rounds: 10);

        Assert.Equal([4, 8, 10], Enumerable.Range(0, 11).Where(schedule.IsCheckpoint));
    }

    [Fact]
    public void Without_an_interval_only_the_last_round_checkpoints()
    {
        var schedule = new CheckpointSchedule(0, 0, 10);

        Assert.Equal([10], Enumerable.Range(0, 11).Where(schedule.IsCheckpoint));
        Assert.Equal(10, schedule.NextCheckpoint(1));
    }

    [Fact]
    public void Samples_render_at_every_checkpoint_and_every_sample_interval()
    {
        var schedule = new CheckpointSchedule(CheckpointInterval: 4, SampleInterval: 3, Rounds: 10);

        Assert.Equal([3, 4, 6, 8, 9, 10], Enumerable.Range(0, 11).Where(schedule.RendersSamples));
        Assert.Equal([3, 6, 9], Enumerable.Range(0, 11).Where(schedule.RendersSamplesOnly));
    }

    [Fact]
    public void A_run_may_go_up_to_the_next_checkpoint_or_the_last_round()
    {
        var schedule = new CheckpointSchedule(4, 0, 10);

        Assert.Equal(4, schedule.NextCheckpoint(1));
        Assert.Equal(4, schedule.NextCheckpoint(4));
        Assert.Equal(8, schedule.NextCheckpoint(5));
        Assert.Equal(10, schedule.NextCheckpoint(9));
    }
}
