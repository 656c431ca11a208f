using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>Copies of a module's parameters, and exact comparison of two modules' parameters (the weight-average tests).</summary>
internal static class ModuleWeights
{
    public static List<Tensor> Snapshot(nn.Module module) => module.parameters().Select(p => p.detach().clone()).ToList();

    public static void AssertSame(nn.Module expected, nn.Module actual)
    {
        var e = expected.parameters().ToList();
        var a = actual.parameters().ToList();
        Assert.Equal(e.Count, a.Count);
        for (var i = 0; i < e.Count; i++)
        {
            Assert.True(e[i].allclose(a[i], rtol: 0, atol: 0), $"parameter {i} differs");
        }
    }
}
