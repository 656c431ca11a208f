using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary>
/// <c>gancluster checkpoint</c> without a cluster: bad arguments are refused before any connection, with one line and
/// exit code 2; an unreachable cluster is exit code 3. (Downloads from a real cluster: IntegrationTests.CheckpointCommandTests.)
/// </summary>
public sealed class CheckpointCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-checkpoint");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_round_below_one_is_refused_before_contacting_the_cluster()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "checkpoint", "exp-0a1b2c3d", "--round", "0", "--out", _temp.Combine("x.ckpt"), "--contact", $"127.0.0.1:{FreePort.Next()}");

        result.AssertExitCode(2);
        Assert.Equal("gancluster checkpoint: --round must be a round number >= 1 (got 0)", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task An_id_that_is_not_an_experiment_id_or_a_missing_output_folder_is_refused()
    {
        var contact = $"127.0.0.1:{FreePort.Next()}";

        var badId = await Gancluster.RunAsync(_temp.Path, "checkpoint", "Not_An_Id", "--out", _temp.Combine("x.ckpt"), "--contact", contact);
        var badOut = await Gancluster.RunAsync(_temp.Path, "checkpoint", "exp-0a1b2c3d", "--out", _temp.Combine("missing", "x.ckpt"), "--contact", contact);

        badId.AssertExitCode(2);
        Assert.Contains("'Not_An_Id' is not an experiment id", badId.FirstLine());
        badOut.AssertExitCode(2);
        Assert.Contains("does not exist", badOut.FirstLine());
        badId.AssertNoStackTrace();
        badOut.AssertNoStackTrace();
    }

    [Fact]
    public async Task An_unreachable_cluster_is_one_line_and_exit_code_3()
    {
        var contact = $"127.0.0.1:{FreePort.Next()}";

        var result = await Gancluster.RunAsync(_temp.Path, "checkpoint", "exp-0a1b2c3d", "--out", _temp.Combine("x.ckpt"), "--contact", contact);

        result.AssertExitCode(3);
        Assert.Contains(contact, result.FirstLine());
        result.AssertNoStackTrace();
    }
}
