using GanCluster.TestSupport;

namespace GanCluster.Node.Tests;

public sealed class ChildProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Whether the process exists and is not a zombie waiting to be reaped.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Run_returns_the_exit_code_and_the_lines_of_both_streams()
    {
        var result = await ChildProcess.RunAsync("sh", ["-c", "echo out; echo err >&2; exit 3"], Timeout);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out", result.StandardOutput);
        Assert.Contains(result.Lines, l => l.IsStandardError && l.Text == "err");
    }

    [Fact]
    public async Task A_process_that_overruns_its_timeout_is_killed_and_reported()
    {
        await Assert.ThrowsAsync<TimeoutException>(() => ChildProcess.RunAsync("sleep", ["60"], TimeSpan.FromMilliseconds(300)));

        await using var child = ChildProcess.Start("sh", ["-c", "echo started; exec sleep 60"]);
        await child.WaitForLineAsync(l => l == "started", Timeout);
        var e = await Assert.ThrowsAsync<TimeoutException>(() => child.WaitForExitAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Contains("started", e.Message, StringComparison.Ordinal);
        Assert.True(child.HasExited);
    }

    [Fact]
    public async Task Waiting_for_a_line_returns_it_once_printed()
    {
        await using var child = ChildProcess.Start("sh", ["-c", "echo one; read -t 1 x; echo 'ready on port 4053'; exec sleep 60"]);

        var line = await child.WaitForLineAsync(l => l.StartsWith("ready", StringComparison.Ordinal), Timeout);

        Assert.Equal("ready on port 4053", line);
        Assert.False(child.HasExited);
    }

    [Fact]
    public async Task Waiting_for_a_line_fails_fast_when_the_process_exits_without_it()
    {
        await using var child = ChildProcess.Start("sh", ["-c", "echo boom >&2; exit 1"]);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => child.WaitForLineAsync(l => l == "never", Timeout));

        Assert.Contains("exited with code 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("boom", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_a_line_times_out_with_the_output_so_far()
    {
        await using var child = ChildProcess.Start("sh", ["-c", "echo waiting; exec sleep 60"]);
        await child.WaitForLineAsync(l => l == "waiting", Timeout);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => child.WaitForLineAsync(l => l == "never", TimeSpan.FromMilliseconds(300)));

        Assert.Contains("waiting", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_a_line_allows_any_total_time_while_the_process_keeps_printing()
    {
        // 30 lines 0.1 s apart, then the expected one: about 3 s in all, against an allowed silence of 2 s. A deadline on
        // the total would fail here; the wait only gives up when the process goes quiet.
        await using var child = ChildProcess.Start("sh", ["-c", "i=0; while [ $i -lt 30 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done; echo done"]);
        var started = DateTime.UtcNow;

        Assert.Equal("done", await child.WaitForLineAsync(l => l == "done", TimeSpan.FromSeconds(2)));
        Assert.True(DateTime.UtcNow - started > TimeSpan.FromSeconds(2), "the process printed its lines faster than the test needs");
    }

    [Fact]
    public async Task Disposing_kills_the_whole_process_tree()
    {
        int grandchild;
        await using (var child = ChildProcess.Start("sh", ["-c", "sleep 60 & echo $!; wait"]))
        {
            grandchild = int.Parse(await child.WaitForLineAsync(l => l.All(char.IsDigit), Timeout), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(IsRunning(grandchild));
        }

        // The kill signal is delivered at once, but the kernel may take a moment to tear the process down.
        var deadline = DateTime.UtcNow + Timeout;
        while (IsRunning(grandchild) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.False(IsRunning(grandchild), $"process {grandchild} survived its parent's disposal");
    }
}
