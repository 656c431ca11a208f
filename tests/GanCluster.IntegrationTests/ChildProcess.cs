using System.Collections.Concurrent;
using System.Diagnostics;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A real child process (the gancluster executable) whose output lines are captured, with waits on
/// conditions instead of sleeps, and that is killed with its tree on dispose.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<(DateTime At, string Text)> _lines = new();
    private readonly object _gate = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Lines => _lines.Select(l => l.Text).ToArray();

    public string Output => string.Join("\n", Lines);

    /// <summary>Starts the gancluster executable that sits beside the test assembly.</summary>
    public static ChildProcess StartGancluster(string name, params string[] arguments) => StartGancluster(name, null, arguments);

    /// <summary>Starts the gancluster executable with extra environment variables.</summary>
    public static ChildProcess StartGancluster(string name, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gancluster.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start gancluster"), name);
    }

    /// <summary>Runs a gancluster command to completion and returns its exit code and output.</summary>
    public static (int ExitCode, string StdOut, string All) RunGancluster(TimeSpan timeout, params string[] arguments) =>
        RunGancluster(timeout, null, arguments);

    /// <summary>Runs a gancluster command with extra environment variables.</summary>
    public static (int ExitCode, string StdOut, string All) RunGancluster(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gancluster.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gancluster {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stdout.Result + stderr.Result);
    }

    /// <summary>Waits until a line matches, or fails with the captured output.</summary>
    public string WaitForLine(Func<string, bool> predicate, TimeSpan timeout, string what) => WaitForTimedLine(predicate, timeout, what).Text;

    /// <summary>Waits until a line read at or after <paramref name="since"/> (UTC) matches; returns it with the time it was read.</summary>
    public (DateTime At, string Text) WaitForTimedLine(Func<string, bool> predicate, TimeSpan timeout, string what, DateTime since = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var line in _lines)
            {
                if (line.At >= since && predicate(line.Text))
                {
                    return line;
                }
            }

            if (_process.HasExited)
            {
                break;
            }

            lock (_gate)
            {
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(200));
            }
        }

        throw new TimeoutException($"{Name}: no line for '{what}' within {timeout} (exited: {_process.HasExited}). Output:\n{Tail()}");
    }

    public void Signal(bool kill)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (kill)
        {
            _process.Kill(entireProcessTree: true);
        }
        else
        {
            using var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            term.WaitForExit();
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public string Tail(int lines = 60) => string.Join("\n", Lines.TakeLast(lines));

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue((DateTime.UtcNow, line));
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
