namespace GanCluster.Training.Runtime;

/// <summary>
/// A diagnostic mode for the native-memory races of TorchSharp: with <c>GANCLUSTER_GC_STRESS=1</c> in the environment a
/// background thread allocates and collects garbage (and runs finalizers) continuously, the way the Akka dispatcher
/// threads of a busy worker node do. TorchSharp frees a native <c>c10::Scalar</c> or tensor handle in its finalizer,
/// so any managed wrapper that becomes unreachable while libtorch still reads it is freed under libtorch's feet within
/// seconds in this mode, instead of once a day in production. The crash tests run every process with it on.
/// </summary>
public static class GcStress
{
    /// <summary>The environment variable that turns the mode on (any value but empty or "0").</summary>
    public const string Variable = "GANCLUSTER_GC_STRESS";

    private static int _started;
    private static bool _harsh;

    /// <summary>True when the environment asks for the mode.</summary>
    public static bool Requested => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value && value != "0";

    /// <summary>Starts the collecting thread once per process when <see cref="Requested"/>.</summary>
    public static void StartIfRequested()
    {
        if (!Requested || Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        // "2" also waits for the finalizers after every collection: harsher than any real process.
        _harsh = Environment.GetEnvironmentVariable(Variable) == "2";
        var thread = new Thread(Churn) { IsBackground = true, Name = "gc-stress", Priority = ThreadPriority.BelowNormal };
        thread.Start();
    }

    private static void Churn()
    {
        var keep = new List<byte[]>();
        while (true)
        {
            // Large arrays (the size of a fake batch) go to the large object heap, as tensor messages do.
            keep.Add(new byte[100_000]);
            if (keep.Count > 32)
            {
                keep.Clear();
            }

            GC.Collect(0);
            if (_harsh)
            {
                GC.WaitForPendingFinalizers();
            }
        }
    }
}
