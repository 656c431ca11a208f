using GanCluster.Training.Core;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// RngStream swaps torch's global generator state around every piece of a half's work. TorchSharp's
/// get_rng_state/set_rng_state go through a temporary wrapper of the global generator that a garbage collection on
/// another thread could finalize (free) while libtorch read it: a SIGSEGV in at::Generator::get_state that killed long
/// runs at random. With collections and finalizers running nonstop beside it, the swaps must survive.
/// </summary>
public sealed class RngStreamGcTests
{
    [Fact]
    public void Swapping_streams_survives_constant_garbage_collection_and_keeps_each_stream_its_own()
    {
        using var a = new RngStream(1);
        using var b = new RngStream(2);
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();
        var drawsA = new List<float>();
        try
        {
            for (var i = 0; i < 400_000; i++)
            {
                // Garbage for the collector to find beside the swaps, as a training step makes.
                _ = new byte[1024];
                var x = a.Run(() => rand(1).item<float>());
                if (i < 5)
                {
                    drawsA.Add(x);
                }

                b.Run(() => rand(1).item<float>());
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }

        // Stream a's first draws do not depend on b's draws in between.
        using var alone = new RngStream(1);
        Assert.Equal(drawsA, Enumerable.Range(0, 5).Select(_ => alone.Run(() => rand(1).item<float>())).ToList());
    }
}
