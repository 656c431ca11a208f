using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary>The cluster client commands without a cluster: they fail fast, with one line saying what to do.</summary>
public sealed class ClientCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-client");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Submit_with_no_cluster_fails_as_soon_as_the_connection_is_refused()
    {
        // Nothing listens on a port just handed out as free. With a --timeout of an hour, only the refusal itself can
        // end the command (the test's child process is stopped if it goes silent, and the test then fails).
        var contact = $"127.0.0.1:{FreePort.Next()}";

        var result = await Gancluster.RunAsync(_temp.Path, "submit", "ring8", "--contact", contact, "--timeout", "3600");

        result.AssertExitCode(3);
        Assert.Contains(contact, result.FirstLine());
        Assert.Contains("refused", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Samples_to_a_missing_directory_fails_before_contacting_the_cluster()
    {
        var output = _temp.Combine("missing", "dir", "x.png");
        var contact = $"127.0.0.1:{FreePort.Next()}";

        var result = await Gancluster.RunAsync(_temp.Path, "samples", "exp-1", "--out", output, "--contact", contact);

        result.AssertExitCode(2);
        Assert.Contains("--out", result.FirstLine());
        Assert.Contains(_temp.Combine("missing", "dir"), result.FirstLine());
        Assert.Contains("does not exist", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("submit", "ring8")]
    [InlineData("cancel", "exp-1")]
    [InlineData("resume", "exp-1")]
    public async Task A_malformed_key_is_refused_before_contacting_the_cluster(string command, string target)
    {
        var result = await Gancluster.RunAsync(_temp.Path, command, target, "--key", "has space", "--contact", $"127.0.0.1:{FreePort.Next()}");

        result.AssertExitCode(2);
        Assert.Contains("--key", result.FirstLine());
        Assert.Contains("'has space' is not a request key", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task A_submission_left_without_an_answer_names_its_key_for_a_safe_retry()
    {
        // Something accepts connections on the contact port but never answers as a cluster would.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var contact = $"127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";

            var result = await Gancluster.RunAsync(_temp.Path, "submit", "ring8", "--contact", contact, "--timeout", "2", "--key", "nightly-ring8.1");

            result.AssertExitCode(3);
            Assert.Contains("no coordinator answered", result.FirstLine());
            Assert.Contains("repeat the same command with --key nightly-ring8.1", result.FirstLine());
            result.AssertNoStackTrace();
        }
        finally
        {
            listener.Stop();
        }
    }
}
