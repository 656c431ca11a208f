using static TorchSharp.torch;

namespace GanCluster.Training.Runtime;

/// <summary>The map from data pixels in [0, 1] to the symmetric range [-1, 1] that tanh generators and their D read.</summary>
public static class Pixels
{
    /// <summary>
    /// 2x - 1, with kept scalars (a temporary one can be freed while libtorch reads it: see <see cref="KeptScalars"/>); the
    /// doubled intermediate is freed at once rather than left to the dispose scope.
    /// </summary>
    public static Tensor ToSymmetric(this Tensor unit)
    {
        using var doubled = unit.mul(KeptScalars.Two);
        return doubled.sub(KeptScalars.One);
    }
}
