using System.Globalization;
using System.Text.RegularExpressions;
using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary>
/// A stop signal during <c>gancluster train</c> (Ctrl-C's SIGINT, or SIGTERM as here): the round in progress finishes
/// and is checkpointed, and --resume goes on from it. SIGTERM because a test host started in the background inherits
/// SIGINT as ignored (as a shell's background jobs do), and .NET leaves an ignored SIGINT ignored.
/// </summary>
public sealed partial class TrainInterruptTests : IDisposable
{
    private const int SigTerm = 15;
    // The longest the training may print nothing (each line restarts the wait); the exit wait below is a total.
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _temp = TempDirectory.Create("cli-interrupt");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_interrupted_run_writes_the_checkpoint_of_its_last_round_and_resumes_from_it()
    {
        var run = _temp.Combine("run");
        // No periodic checkpoints: whatever is on disk after the interrupt was written because of it.
        string[] train = ["train", "--local", "ring8", "--rounds", "1000000", "--checkpoint-interval", "0", "--log-every", "10", "--out", run, "--eval-samples", "0"];
        await using (var child = Gancluster.Start("train", train))
        {
            await child.WaitForLineAsync(l => RoundLine().IsMatch(l) && int.Parse(RoundLine().Match(l).Groups[1].Value, CultureInfo.InvariantCulture) >= 100, Silence);
            Assert.True(child.Signal(SigTerm), "the training process was gone before the interrupt");

            // The run logs rounds forever otherwise: first see that the signal was taken, then wait for the exit.
            await child.WaitForLineAsync(l => l.Contains("stopping after the round in progress", StringComparison.Ordinal), Silence);
            var code = await child.WaitForExitAsync(Silence);

            Assert.True(code == 130, $"exit code {code}:\n{child.Tail()}");
        }

        var checkpoint = Assert.Single(Directory.GetFiles(Path.Combine(run, "checkpoints"), "round-*.ckpt"));
        var round = int.Parse(Path.GetFileNameWithoutExtension(checkpoint)["round-".Length..], CultureInfo.InvariantCulture);
        Assert.True(round >= 100, $"checkpoint of round {round}, before the interrupt was sent");

        var resumed = await Gancluster.RunAsync(_temp.Path, [.. train[..4], (round + 5).ToString(CultureInfo.InvariantCulture), .. train[5..], "--resume"]);

        resumed.AssertExitCode(0);
        Assert.Contains(resumed.Lines, l => l.Text.Contains($"rounds {round + 1}..{round + 5}", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", $"round-{round + 5:D6}.ckpt")), resumed.AllOutput);
        resumed.AssertNoStackTrace();
    }

    [GeneratedRegex(@"Round (\d+)/")]
    private static partial Regex RoundLine();
}
