using System.Runtime.InteropServices;

namespace GanCluster.Training.Runtime;

/// <summary>
/// libtorch's CPU allocator fills every new tensor block with zeros (its own flag,
/// <c>FLAGS_caffe2_cpu_allocator_do_zero_fill</c> in libc10), set by <see cref="TorchRuntime.EnsureLoaded"/> once
/// libtorch is loaded (the CLI's commands and every <see cref="Models.GanNetwork"/>'s constructor call it). Why: oneDNN keeps tensors whose channel count is not a multiple of its block (16 on AVX-512) in
/// blocked layouts padded to the block, and its convolutions read the padded lanes, which nothing writes. The weights
/// there are zero, so stale bytes are harmless unless they happen to be a NaN or an infinity (a float whose 8 exponent
/// bits are all ones: 1 in 256 arbitrary words), and then 0 x NaN turns whole outputs non-finite. With NaN left in
/// freed memory before each call (<c>scripts/onednn-padding-probe.sh</c>), a 22-channel convolution (a conditional
/// DCGAN D with packing 2) came back non-finite in 100 calls of 100 and the input gradient of a one-output convolution
/// (<see cref="Models.OneOutputConv2d"/>'s reason) changed in 100 of 100; with the zero fill 0 of 100 each. GanCluster's
/// malloc thresholds (<see cref="NativeHeap"/>) keep freed tensors in the heap, where they come back as the next block,
/// so without the fill the fault came and went with what the process had freed. Cost: one memset per tensor block.
/// </summary>
public static class TorchZeroFill
{
    /// <summary>libc10's exported flag (a C++ bool) that its CPU allocator reads on every allocation.</summary>
    public const string FlagSymbol = "FLAGS_caffe2_cpu_allocator_do_zero_fill";

    private static readonly string[] C10Names = ["libc10.so", "libc10.dylib", "c10.dll", "c10"];

    /// <summary>Whether new CPU tensor blocks are zero-filled now (false when the flag cannot be found).</summary>
    public static bool Enabled => FlagAddress() is { } flag && Marshal.ReadByte(flag) != 0;

    /// <summary>
    /// Sets the flag (true: the product's setting; false only to measure the fault and the cost). Returns false when
    /// the loaded libtorch exports no such flag. Call after libtorch has loaded (any torch call loads it), so the
    /// library found by name is the one TorchSharp uses.
    /// </summary>
    public static bool Set(bool enabled)
    {
        if (FlagAddress() is not { } flag)
        {
            return false;
        }

        Marshal.WriteByte(flag, enabled ? (byte)1 : (byte)0);
        return true;
    }

    private static IntPtr _flag; // found once; not cached while libtorch is not loaded yet

    private static IntPtr? FlagAddress()
    {
        if (_flag != IntPtr.Zero)
        {
            return _flag;
        }

        // By name: the dynamic loader hands back the libc10 already loaded by TorchSharp (matched by its soname).
        foreach (var name in C10Names)
        {
            if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, FlagSymbol, out var flag))
            {
                return _flag = flag;
            }
        }

        return null;
    }
}
