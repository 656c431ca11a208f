using GanCluster.Training.Loop;

namespace GanCluster.Training.Tests.Loop;

public sealed class ReplayCacheTests
{
    [Fact]
    public void Answers_of_the_current_and_previous_round_are_kept_and_older_ones_pruned()
    {
        var cache = new ReplayCache<string>();
        cache.Remember(new ScheduleSlot(1, 0), "r1");
        cache.Remember(new ScheduleSlot(2, 0), "r2");
        cache.Remember(new ScheduleSlot(3, 0), "r3");

        Assert.Null(cache.Find(new ScheduleSlot(1, 0)));
        Assert.Equal("r2", cache.Find(new ScheduleSlot(2, 0)));
        Assert.Equal("r3", cache.Find(new ScheduleSlot(3, 0)));
    }

    [Fact]
    public void Clearing_forgets_everything()
    {
        var cache = new ReplayCache<string>();
        cache.Remember(new ScheduleSlot(1, 0), "r1");
        cache.Clear();

        Assert.Equal(0, cache.Count);
        Assert.Null(cache.Find(new ScheduleSlot(1, 0)));
    }
}
