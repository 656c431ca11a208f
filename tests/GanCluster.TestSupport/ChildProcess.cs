using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace GanCluster.TestSupport;

/// <summary>How to start a <see cref="ChildProcess"/>.</summary>
public sealed record ChildProcessOptions
{
    /// <summary>Name used in messages and failures (default: the file name).</summary>
    public string? Name { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes the variable) on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Lines kept in memory; older ones are dropped (a chatty process must not exhaust the test's memory).</summary>
    public int MaxLines { get; init; } = 100_000;
}

/// <summary>One line a child process wrote, with the stream it came from.</summary>
public sealed record ChildProcessLine(string Text, bool IsStandardError, DateTimeOffset At)
{
    public override string ToString() => IsStandardError ? $"[stderr] {Text}" : Text;
}

/// <summary>The outcome of <see cref="ChildProcess.RunAsync"/>.</summary>
public sealed record ChildProcessResult(int ExitCode, IReadOnlyList<ChildProcessLine> Lines)
{
    /// <summary>Standard output alone, one line per line.</summary>
    public string StandardOutput => string.Join('\n', Lines.Where(l => !l.IsStandardError).Select(l => l.Text));

    /// <summary>Every line, for failure messages.</summary>
    public string AllOutput => string.Join('\n', Lines);

    /// <summary><c>var (code, stdout, all) = ...</c>: the exit code, standard output alone, and every line.</summary>
    public void Deconstruct(out int exitCode, out string standardOutput, out string allOutput) =>
        (exitCode, standardOutput, allOutput) = (ExitCode, StandardOutput, AllOutput);
}

/// <summary>
/// A child process whose stdout and stderr lines are captured as they come. Tests wait for a line (a node printing
/// that it joined, a server that is ready) with a timeout, never with sleeps. Disposing kills the whole process tree,
/// and so does the test host's exit, so a failing test leaves no stray node or server behind.
/// </summary>
public sealed class ChildProcess : IDisposable, IAsyncDisposable
{
    private static readonly ConcurrentDictionary<ChildProcess, byte> Live = new();

    private readonly Process _process;
    private readonly int _maxLines;
    private readonly object _gate = new();
    private readonly Queue<ChildProcessLine> _lines = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lineCount;
    private bool _disposed;

    static ChildProcess()
    {
        // A test run that ends (or is cancelled) with processes still running must not leave them behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Live.Keys)
            {
                child.Kill();
            }
        };
    }

    private ChildProcess(Process process, string name, int maxLines)
    {
        _process = process;
        Name = name;
        _maxLines = maxLines;
    }

    /// <summary>Name used in messages.</summary>
    public string Name { get; }

    /// <summary>The operating system's process id.</summary>
    public int Id => _process.Id;

    /// <summary>When this object started the process (UTC, this machine's clock; the child logs with the same).</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only valid once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>A snapshot of the lines captured so far, oldest first.</summary>
    public IReadOnlyList<ChildProcessLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToList();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> (passed as separate arguments, no shell).</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, ChildProcessOptions? options = null)
    {
        options ??= new ChildProcessOptions();
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in options.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, options.Name ?? Path.GetFileName(fileName), options.MaxLines);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, isError: true);
        process.Exited += (_, _) => child.NotifyChanged();
        if (!process.Start())
        {
            throw new InvalidOperationException($"{child.Name}: the process did not start");
        }

        Live.TryAdd(child, 0);
        // No child reads its stdin here; closing it makes a process that tries see end-of-file instead of hanging.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Runs a process to completion and returns its exit code and output. When it prints nothing for
    /// <paramref name="timeout"/> (it stalled: progress lines keep a slow run going) the whole tree is killed and a
    /// <see cref="TimeoutException"/> carries the output so far.
    /// </summary>
    public static async Task<ChildProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, ChildProcessOptions? options = null)
    {
        await using var child = Start(fileName, arguments, options);
        var exitCode = await child.WaitForExitAsync(timeout).ConfigureAwait(false);
        return new ChildProcessResult(exitCode, child.Lines);
    }

    /// <summary>
    /// The first line (already captured or still to come) that matches <paramref name="predicate"/>. Throws
    /// <see cref="TimeoutException"/> when the process prints nothing at all for <paramref name="timeout"/> (each line it
    /// prints restarts the wait, so a process that is slow on a loaded machine but still making progress is not cut
    /// off), or <see cref="InvalidOperationException"/> when the process ends first; both messages include the last lines
    /// of output.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        (await WaitForAsync(line => predicate(line.Text), timeout, cancellationToken).ConfigureAwait(false)).Text;

    private async Task<ChildProcessLine> WaitForAsync(Func<ChildProcessLine, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        long seen = 0;
        while (true)
        {
            Task changed;
            bool finished;
            lock (_gate)
            {
                // Lines dropped by MaxLines are not searched again; the window is large enough for start-up lines.
                var skip = Math.Max(0, _lines.Count - (_lineCount - seen));
                foreach (var line in _lines.Skip((int)skip))
                {
                    if (predicate(line))
                    {
                        return line;
                    }
                }

                if (_lineCount > seen)
                {
                    // Progress: the silence allowed starts again from this line.
                    cts.CancelAfter(timeout);
                }

                seen = _lineCount;
                changed = _changed.Task;
                finished = _outputClosed.Task.IsCompleted && _errorClosed.Task.IsCompleted && _process.HasExited;
            }

            if (finished)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before printing the expected line. Last output:\n{Tail()}");
            }

            try
            {
                await changed.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} printed nothing for {timeout.TotalSeconds:F1} s, and not the expected line. Last output:\n{Tail()}");
            }
        }
    }

    /// <summary>Every captured line as text, one per line (for assertions and failure messages).</summary>
    public string Output => string.Join('\n', Lines.Select(l => l.Text));

    /// <summary>Blocking form of <see cref="WaitForLineAsync"/>; <paramref name="what"/> names the wait in the failure message.</summary>
    public string WaitForLine(Func<string, bool> predicate, TimeSpan timeout, string what) => WaitForTimedLine(predicate, timeout, what).Text;

    /// <summary>
    /// The first line read at or after <paramref name="since"/> (UTC) that matches, with the time it was read: for measuring
    /// how long after an event (a kill) something happened. Fails like <see cref="WaitForLineAsync"/>.
    /// </summary>
    public (DateTime At, string Text) WaitForTimedLine(Func<string, bool> predicate, TimeSpan timeout, string what, DateTime since = default)
    {
        ChildProcessLine? found = null;
        try
        {
            WaitForAsync(line => line.At.UtcDateTime >= since && predicate(line.Text) && (found = line) is not null, timeout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new TimeoutException($"{Name}: no line for '{what}': {e.Message}", e);
        }

        return (found!.At.UtcDateTime, found.Text);
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>
    /// Waits for the process to exit and its output to be read. <paramref name="silence"/> bounds how long it may go
    /// without printing a line, not its whole run: a slow machine stretches a run that makes progress, and only a
    /// process that stalls is killed (with the tree) and reported with <see cref="TimeoutException"/>.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan silence)
    {
        var exited = _process.WaitForExitAsync();
        long seen;
        lock (_gate)
        {
            seen = _lineCount;
        }

        while (await Task.WhenAny(exited, Task.Delay(silence)).ConfigureAwait(false) != exited)
        {
            long now;
            lock (_gate)
            {
                now = _lineCount;
            }

            if (now == seen)
            {
                Kill();
                throw new TimeoutException($"{Name} printed nothing for {silence.TotalSeconds:F0} s and was killed. Last output:\n{Tail()}");
            }

            seen = now;
        }

        await Task.WhenAll(_outputClosed.Task, _errorClosed.Task).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (for a graceful stop, such as SIGINT = 2 or SIGTERM = 15) to the process alone.</summary>
    public bool Signal(int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("signals need a POSIX system");
        }

        return !_process.HasExited && NativeMethods.Kill(_process.Id, signal) == 0;
    }

    /// <summary>Kills the process and every descendant; does nothing when it has exited.</summary>
    public void Kill()
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
            // It exited between the check and the kill.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // A descendant vanished while the tree was walked; the rest was killed.
        }
    }

    /// <summary>The last <paramref name="count"/> lines as text, for failure messages.</summary>
    public string Tail(int count = 40)
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)));
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill();
        Live.TryRemove(this, out _);
        _process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnLine(string? text, bool isError)
    {
        if (text is null)
        {
            (isError ? _errorClosed : _outputClosed).TrySetResult();
            NotifyChanged();
            return;
        }

        lock (_gate)
        {
            _lines.Enqueue(new ChildProcessLine(text, isError, DateTimeOffset.UtcNow));
            _lineCount++;
            if (_lines.Count > _maxLines)
            {
                _lines.Dequeue();
            }
        }

        NotifyChanged();
    }

    /// <summary>Wakes every waiter of <see cref="WaitForLineAsync"/> to look at the lines again.</summary>
    private void NotifyChanged()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        internal static extern int Kill(int pid, int signal);
    }
}
