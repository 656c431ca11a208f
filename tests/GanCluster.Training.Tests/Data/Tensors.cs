using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

internal static class Tensors
{
    /// <summary>Same shape and the same values, element by element.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
        {
            return false;
        }

        using var scope = NewDisposeScope();
        return a.eq(b).all().item<bool>();
    }
}
