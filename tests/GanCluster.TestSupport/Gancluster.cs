using Xunit;

namespace GanCluster.TestSupport;

/// <summary>
/// The real gancluster executable (copied beside every test assembly that references the CLI project) as a
/// <see cref="ChildProcess"/>: one way to start it for the CLI tests and the multi-process integration tests.
/// </summary>
public static class Gancluster
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    // The tests name every address themselves; a developer's environment must not redirect them.
    private static readonly string[] ClearedVariables =
        ["GANCLUSTER_CONTACT", "GANCLUSTER_PORT", "GANCLUSTER_SEEDS", "GANCLUSTER_ROLES", "GANCLUSTER_DATA", "GANCLUSTER_LOGS"];

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "gancluster.dll");

    /// <summary>Starts a long-running gancluster process (a node) named <paramref name="name"/> in messages.</summary>
    public static ChildProcess Start(string name, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        ChildProcess.Start("dotnet", [Dll, .. arguments], Options(name, AppContext.BaseDirectory, environment));

    public static ChildProcess Start(string name, params string[] arguments) => Start(name, null, arguments);

    /// <summary>Runs a gancluster command to completion (blocking), killing it after <paramref name="timeout"/>.</summary>
    public static ChildProcessResult Run(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [Dll, .. arguments], timeout, Options($"gancluster {string.Join(' ', arguments.Take(1))}", AppContext.BaseDirectory, environment))
            .GetAwaiter().GetResult();

    public static ChildProcessResult Run(TimeSpan timeout, params string[] arguments) => Run(timeout, null, arguments);

    /// <summary>Runs <paramref name="arguments"/> in <paramref name="workingDirectory"/> to completion.</summary>
    public static Task<ChildProcessResult> RunAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(workingDirectory, DefaultTimeout, arguments);

    public static Task<ChildProcessResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [Dll, .. arguments], timeout, Options($"gancluster {string.Join(' ', arguments.Take(1))}", workingDirectory, null));

    private static ChildProcessOptions Options(string name, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        var variables = ClearedVariables.ToDictionary(v => v, string? (_) => null);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return new ChildProcessOptions { Name = name, WorkingDirectory = workingDirectory, Environment = variables };
    }

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
