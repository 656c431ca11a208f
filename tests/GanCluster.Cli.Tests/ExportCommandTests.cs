using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary><c>gancluster export</c> with a path that is not a checkpoint file.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-export");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Export_of_a_directory_says_to_pass_a_checkpoint_file()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "export", _temp.Path, "--out", _temp.Combine("x.npy"));

        result.AssertExitCode(2);
        Assert.Contains("is a directory", result.FirstLine());
        Assert.Contains("checkpoints/round-", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Export_of_a_missing_file_says_where_checkpoints_are()
    {
        var missing = _temp.Combine("runs", "x", "checkpoints", "round-000100.ckpt");

        var result = await Gancluster.RunAsync(_temp.Path, "export", missing, "--out", _temp.Combine("x.npy"));

        result.AssertExitCode(2);
        Assert.Contains("does not exist", result.FirstLine());
        Assert.Contains("checkpoints/round-", result.FirstLine());
        Assert.Contains("cluster", result.FirstLine());
        result.AssertNoStackTrace();
    }
}
