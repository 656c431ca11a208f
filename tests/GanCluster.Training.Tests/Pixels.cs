using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests;

/// <summary>Pixel mapping for the tests' one-graph references, with kept scalars (see <see cref="KeptScalars"/>).</summary>
public static class Pixels
{
    /// <summary>
    /// 2x - 1: [0, 1] to [-1, 1], as the halves map data (bit for bit what <c>(x * 2) - 1</c> gives). A temporary scalar
    /// (<c>x * 2</c>) may be finalized by a collection on another thread while libtorch reads it; in a test that showed as
    /// "Unknown scalar type" in LapganFamilyTests' reference, at random, under load.
    /// </summary>
    public static Tensor ToSigned(Tensor x)
    {
        using var doubled = x.mul(KeptScalars.Two);
        return doubled.sub(KeptScalars.One);
    }
}
