using GanCluster.Training.Runtime;

namespace GanCluster.Training.Tests.Runtime;

public sealed class NativeHeapTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("glibc.pthread.rseq=0", null, false)]
    [InlineData("glibc.malloc.trim_threshold=131072", null, true)]
    [InlineData("glibc.pthread.rseq=0:glibc.malloc.arena_max=2", null, true)]
    [InlineData(null, "0", true)]
    [InlineData(null, " 0 ", true)]
    [InlineData(null, "1", false)]
    public void The_users_malloc_settings_stand(string? glibcTunables, string? tuning, bool leftToUser) =>
        Assert.Equal(leftToUser, NativeHeap.LeftToUser(glibcTunables, tuning));

    [Fact]
    public void On_linux_with_glibc_the_thresholds_are_set_unless_the_user_chose_them()
    {
        Assert.True(OperatingSystem.IsLinux(), "this suite runs on Linux (Debian 12, glibc)");
        var expected = NativeHeap.LeftToUser(Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.GetEnvironmentVariable("GANCLUSTER_MALLOC_TUNING"))
            ? NativeHeapSetting.LeftToUser
            : NativeHeapSetting.Applied;

        // mallopt through P/Invoke: Applied only when glibc accepted both values (it refuses an mmap threshold above 32 MiB).
        Assert.Equal(expected, NativeHeap.Configure());
        Assert.Equal(expected, NativeHeap.Configure());
    }
}
