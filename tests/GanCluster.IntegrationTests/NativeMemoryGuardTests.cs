namespace GanCluster.IntegrationTests;

/// <summary>
/// The source guard of the native crash (an implicit TorchSharp scalar freed while libtorch reads it; see
/// GanCluster.Training.Tests' NativeMemoryGuardTests) over the code outside GanCluster.Training that calls TorchSharp:
/// the workers' tensor wire and torch thread, the coordinator's quality actor, the CLI's commands, and these tests' own
/// references. This project's output holds every product assembly, so each project compiles against its references here.
/// </summary>
public sealed class NativeMemoryGuardTests
{
    [Theory]
    [InlineData("src/GanCluster.Protocol")]
    [InlineData("src/GanCluster.Cluster", "GanCluster.Protocol", "GanCluster.Training")]
    [InlineData("src/GanCluster.Node", "GanCluster.Cluster", "GanCluster.Protocol", "GanCluster.Training")]
    [InlineData("src/GanCluster.Cli", "GanCluster.Node", "GanCluster.Cluster", "GanCluster.Protocol", "GanCluster.Training")]
    [InlineData("tests/GanCluster.IntegrationTests", "gancluster", "GanCluster.Node", "GanCluster.Cluster", "GanCluster.Protocol", "GanCluster.Training", "GanCluster.TestSupport")]
    public void Code_converts_no_value_to_a_torch_scalar_implicitly(string project, params string[] references)
    {
        var found = TorchScalarScan.ImplicitScalars(Path.Combine(RepositoryRoot.Path, project), references);

        Assert.True(found.Count == 0, $"implicit TorchSharp scalars in {project} (use KeptScalars or hold a ToScalar() with using):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }
}
