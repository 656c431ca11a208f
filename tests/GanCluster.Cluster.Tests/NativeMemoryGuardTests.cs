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
    public void Cluster_specs_convert_no_value_to_a_torch_scalar_implicitly() => TorchScalarScan.AssertNone("tests/GanCluster.Cluster.Tests");
}
