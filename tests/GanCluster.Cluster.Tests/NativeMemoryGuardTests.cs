using GanCluster.TestSupport;

namespace GanCluster.Cluster.Tests;

/// <summary>
/// The source guard of the native crash (an implicit TorchSharp scalar freed while libtorch reads it; see
/// GanCluster.Training.Tests' NativeMemoryGuardTests) over these specs, whose workers and references call TorchSharp
/// beside the actor system's threads. Compiled here because this project's output holds Akka's test kit.
/// </summary>
public sealed class NativeMemoryGuardTests
{
    [Fact]
    public void Cluster_specs_convert_no_value_to_a_torch_scalar_implicitly()
    {
        var found = TorchScalarScan.ImplicitScalars(Path.Combine(RepositoryRoot.Path, "tests", "GanCluster.Cluster.Tests"),
            "GanCluster.Node", "GanCluster.Cluster", "GanCluster.Protocol", "GanCluster.Training", "GanCluster.TestSupport");

        Assert.True(found.Count == 0, $"implicit TorchSharp scalars (use KeptScalars or hold a ToScalar() with using):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }
}
