using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Models;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Runtime;

/// <summary>
/// libtorch's CPU allocator zero-fills new blocks once libtorch is loaded (TorchZeroFill). Each test first leaves NaN
/// in freed memory: with glibc's heap (NativeHeap keeps freed blocks there) the next block of that size is handed out
/// again, so without the fill the stale NaN shows.
/// </summary>
public sealed class TorchZeroFillTests
{
    [Fact]
    public void Loading_libtorch_turns_the_zero_fill_on_and_new_blocks_hold_zeros_where_nan_was_freed()
    {
        TorchRuntime.EnsureLoaded();
        Assert.True(TorchZeroFill.Enabled, $"{TorchZeroFill.FlagSymbol} is not set after TorchRuntime.EnsureLoaded");
        const int Floats = 100_000; // 400 kB: a heap block under NativeHeap's 32 MiB mmap threshold, not fresh pages
        for (var i = 0; i < 5; i++)
        {
            full(Floats, KeptScalars.OfSingle(float.NaN)).Dispose();
            using var reused = empty(Floats);
            using var zero = reused.eq(KeptScalars.OfInteger(0)).all();
            Assert.True(zero.item<bool>(), "a new tensor held stale bytes");
        }
    }

    [Fact]
    public void A_convolution_over_padded_channel_blocks_gives_the_same_values_whatever_freed_memory_held()
    {
        // 22 input channels (a conditional DCGAN D with packing 2) sit in oneDNN's 16-channel blocks padded to 32, and
        // the convolution reads the padded lanes: without the zero fill 99-100 calls in 100 came back non-finite here.
        TorchRuntime.EnsureLoaded();
        manual_seed(1);
        using var x = randn(2, 22, 28, 28);
        using var w = randn(64, 22, 4, 4) * 0.02;
        using var reference = F.conv2d(x, w, strides: [2, 2], padding: [1, 1]);
        var sizes = new Random(7);
        for (var call = 0; call < 20; call++)
        {
            LeaveNanInFreedMemory(sizes);
            using var output = F.conv2d(x, w, strides: [2, 2], padding: [1, 1]);
            using var same = output.eq(reference).all();
            Assert.True(same.item<bool>(), $"call {call}: the output changed with the contents of freed memory");
        }
    }

    [Fact]
    public void A_conditional_packed_dcgan_discriminator_scores_the_same_whatever_freed_memory_held()
    {
        // The network whose fresh scores came back non-finite now and then in ModelShapeTests (CI, 2026-12-05).
        var spec = ModelSpecs.For(ModelKind.Dcgan, 28, conditional: true, packing: 2);
        manual_seed(1);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        using var images = rand(2, 2, 28, 28) * 2 - 1;
        using var labels = ModelSpecs.Labels(4, spec.Classes).reshape(2, 2);
        using var reference = d.call(images, labels).detach();
        var sizes = new Random(7);
        for (var call = 0; call < 20; call++)
        {
            LeaveNanInFreedMemory(sizes);
            using var scores = d.call(images, labels).detach();
            Assert.True(ModelSpecs.Identical(reference, scores), $"call {call}: D's scores changed with the contents of freed memory");
        }
    }

    private static void LeaveNanInFreedMemory(Random sizes)
    {
        for (var i = 0; i < 40; i++)
        {
            full(sizes.Next(1, 400_000), KeptScalars.OfSingle(float.NaN)).Dispose();
        }
    }
}
