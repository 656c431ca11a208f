using System.Runtime.InteropServices;

namespace GanCluster.Training.Runtime;

/// <summary>What <see cref="NativeHeap.Configure"/> did.</summary>
public enum NativeHeapSetting
{
    /// <summary>glibc's trim and mmap thresholds were set (the process keeps freed tensor memory for reuse).</summary>
    Applied,

    /// <summary>Not Linux, or a libc without a working mallopt (musl): nothing to do.</summary>
    NotGlibc,

    /// <summary>GLIBC_TUNABLES already sets malloc parameters, or GANCLUSTER_MALLOC_TUNING=0: the user's choice stands.</summary>
    LeftToUser,
}

/// <summary>
/// libtorch's CPU tensors come from glibc's malloc. With glibc's defaults a block above the (dynamic) mmap threshold is
/// mapped and unmapped on every allocation, and freed memory at the top of the heap is returned to the kernel as soon as
/// it passes the trim threshold, so a training step that frees and reallocates its activations touches fresh pages every
/// time. Measured by scripts/malloc-bench.sh (200 rounds, one torch thread, CPU seconds user + system, glibc's defaults
/// against these thresholds): infogan-mnist 135.5 s / 5.3 million minor page faults against 71.5 s / 0.47 million,
/// catgan-mnist 41.0 s / 1.24 million against 27.7 s / 0.10 million, mlp-mnist 31.7 s / 1.08 million against 20.4 s /
/// 0.17 million. Every GanCluster process sets them once, before libtorch loads: blocks up to 32 MiB come from the heap
/// and up to 1 GiB of freed memory stays mapped for reuse (resident memory can stay that much higher).
/// </summary>
public static class NativeHeap
{
    /// <summary>glibc's M_TRIM_THRESHOLD: free memory at the heap's top kept before it is returned to the kernel.</summary>
    public const int TrimThreshold = 1 << 30;

    /// <summary>glibc's M_MMAP_THRESHOLD: larger blocks are mapped on their own (32 MiB, glibc's largest allowed).</summary>
    public const int MmapThreshold = 32 << 20;

    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    private static readonly Lazy<NativeHeapSetting> Result = new(Apply);

    /// <summary>Sets the thresholds once per process (later calls return the first call's result).</summary>
    public static NativeHeapSetting Configure() => Result.Value;

    /// <summary>
    /// Whether the user has chosen the malloc settings: GLIBC_TUNABLES names a glibc.malloc parameter (glibc read it at
    /// start-up), or GANCLUSTER_MALLOC_TUNING is 0 (glibc's defaults, e.g. to measure against them).
    /// </summary>
    public static bool LeftToUser(string? glibcTunables, string? tuning) =>
        tuning?.Trim() == "0" || (glibcTunables?.Contains("glibc.malloc.", StringComparison.Ordinal) ?? false);

    private static NativeHeapSetting Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return NativeHeapSetting.NotGlibc;
        }

        if (LeftToUser(Environment.GetEnvironmentVariable("GLIBC_TUNABLES"), Environment.GetEnvironmentVariable("GANCLUSTER_MALLOC_TUNING")))
        {
            return NativeHeapSetting.LeftToUser;
        }

        try
        {
            // glibc's mallopt returns 1 when it accepts a value; musl's mallopt ignores every call and returns 0.
            return mallopt(MTrimThreshold, TrimThreshold) == 1 && mallopt(MMmapThreshold, MmapThreshold) == 1
                ? NativeHeapSetting.Applied
                : NativeHeapSetting.NotGlibc;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return NativeHeapSetting.NotGlibc;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
