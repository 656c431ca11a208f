using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary>Runs the real gancluster executable (copied beside this test assembly) as a child process.</summary>
internal static class Gancluster
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Runs <paramref name="arguments"/> in <paramref name="workingDirectory"/> to completion.</summary>
    public static Task<ChildProcessResult> RunAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(workingDirectory, DefaultTimeout, arguments);

    public static Task<ChildProcessResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "gancluster.dll"), .. arguments], timeout, new ChildProcessOptions
        {
            Name = $"gancluster {string.Join(' ', arguments.Take(1))}",
            WorkingDirectory = workingDirectory,
            // The tests name every address themselves; a developer's environment must not redirect them.
            Environment = new Dictionary<string, string?>
            {
                ["GANCLUSTER_CONTACT"] = null,
                ["GANCLUSTER_PORT"] = null,
                ["GANCLUSTER_SEEDS"] = null,
                ["GANCLUSTER_ROLES"] = null,
                ["GANCLUSTER_DATA"] = null,
                ["GANCLUSTER_LOGS"] = null,
            },
        });

    /// <summary>The first line the process wrote on either stream (what a user reads first).</summary>
    public static string FirstLine(this ChildProcessResult result) => result.Lines.FirstOrDefault()?.Text ?? string.Empty;

    /// <summary>Fails with the whole output when a .NET stack trace was printed.</summary>
    public static void AssertNoStackTrace(this ChildProcessResult result) =>
        Assert.False(result.Lines.Any(l => l.Text.TrimStart().StartsWith("at ", StringComparison.Ordinal) && l.Text.Contains('(')),
            $"a stack trace was printed:\n{result.AllOutput}");

    /// <summary>Asserts the exit code, showing the output when it differs.</summary>
    public static void AssertExitCode(this ChildProcessResult result, int expected) =>
        Assert.True(result.ExitCode == expected, $"exit code {result.ExitCode}, expected {expected}. Output:\n{result.AllOutput}");

    /// <summary>A small 2-D experiment that trains in a moment.</summary>
    public static string TinyExperiment(string name = "tiny", string extra = "") => $$"""
        {
          "name": "{{name}}",
          "model": "toy",
          "dataset": "ring8",
          "batchSize": 16,
          "latentSize": 2,
          "rounds": 2,
          "checkpointInterval": 0{{extra}}
        }
        """;
}
