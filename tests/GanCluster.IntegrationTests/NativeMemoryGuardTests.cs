namespace GanCluster.IntegrationTests;

/// <summary>
/// The source guard of the native crash (an implicit TorchSharp scalar freed while libtorch reads it; see
/// GanCluster.Training.Tests' NativeMemoryGuardTests) over the code outside GanCluster.Training that calls TorchSharp:
/// the workers' tensor wire and torch thread, the coordinator's quality actor, the CLI's commands, and these tests' own
/// references. This project's output holds every product assembly, so each project compiles against them here.
/// </summary>
public sealed class NativeMemoryGuardTests
{
    [Theory]
    [InlineData("src/GanCluster.Protocol")]
    [InlineData("src/GanCluster.Cluster")]
    [InlineData("src/GanCluster.Node")]
    [InlineData("src/GanCluster.Cli")]
    [InlineData("tests/GanCluster.IntegrationTests")]
    public void Code_converts_no_value_to_a_torch_scalar_implicitly(string project) => TorchScalarScan.AssertNone(project);
}
