using System.Globalization;
using System.Text.Json;

namespace GanCluster.IntegrationTests;

/// <summary>
/// One event as a node wrote it to its compact-JSON log file (what <c>gancluster logs --json</c> serves): its time,
/// its message template (a constant of the code that logs it, e.g. <c>CoordinatorLogEvents.Checkpointed</c>) and its
/// properties; positional ones are named "0", "1", ...
/// </summary>
public sealed record NodeEvent(DateTimeOffset At, string Template, JsonElement Json)
{
    public string Text(int position) => Json.TryGetProperty(position.ToString(CultureInfo.InvariantCulture), out var value) ? value.ToString() : string.Empty;

    public int Int(int position) => int.Parse(Text(position), CultureInfo.InvariantCulture);

    public override string ToString() => $"{At:HH:mm:ss.fff} {Cli.LogLineView.Fill(Template, Json)}";
}

/// <summary>Reads the events of one node from a log folder shared by the cluster's nodes, and waits for one by watching the files grow.</summary>
public static class NodeEvents
{
    /// <summary>
    /// Every complete event in the node's files (gancluster-&lt;logName&gt;-&lt;date&gt;[_NNN].json), oldest file first. A line
    /// that does not parse is read again a few times (a test run once failed on one, under heavy load, and the file was
    /// gone by the time anyone looked); if it stays unreadable the error names the file and the line, and a copy of the
    /// file is kept next to the test's temporary folders for a post-mortem.
    /// </summary>
    public static IReadOnlyList<NodeEvent> Read(string folder, string logName)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (TryRead(folder, logName, out var events, out var problem))
            {
                return events;
            }

            if (attempt == 20)
            {
                var copy = Path.Combine(Path.GetTempPath(), $"gancluster-unreadable-log-{Guid.NewGuid():N}.json");
                File.Copy(problem.File, copy);
                throw new InvalidDataException($"{problem.File}, line {problem.Line}: not a JSON event after {attempt} reads ({problem.Error}); a copy is at {copy}. The line: {problem.Text}");
            }

            Thread.Sleep(50);
        }
    }

    private sealed record Unreadable(string File, int Line, string Error, string Text);

    private static bool TryRead(string folder, string logName, out List<NodeEvent> events, out Unreadable problem)
    {
        events = [];
        problem = null!;
        if (!Directory.Exists(folder))
        {
            return true;
        }

        foreach (var file in Directory.GetFiles(folder, $"gancluster-{logName}-*.json").Order(StringComparer.Ordinal))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            // The last line may still be being written: only lines ended by a newline are complete.
            var lines = text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < lines.Length; i++)
            {
                JsonElement json;
                try
                {
                    json = JsonDocument.Parse(lines[i]).RootElement;
                }
                catch (JsonException e)
                {
                    problem = new Unreadable(file, i + 1, e.Message, lines[i].Length > 2000 ? lines[i][..2000] + "..." : lines[i]);
                    return false;
                }

                events.Add(new NodeEvent(DateTimeOffset.Parse(json.GetProperty("@t").GetString()!, CultureInfo.InvariantCulture), json.GetProperty("@mt").GetString()!, json));
            }
        }

        return true;
    }

    /// <summary>
    /// Waits for the first event of <paramref name="template"/> at or after <paramref name="since"/> that matches.
    /// <paramref name="quiet"/> bounds how long the node may log nothing new, not the whole wait; a node process that
    /// exited ends the wait at once.
    /// </summary>
    public static NodeEvent WaitFor(string folder, string logName, string template, Func<NodeEvent, bool> match, string what, DateTimeOffset since, TimeSpan quiet, Func<bool> exited, Func<string> context)
    {
        var deadline = DateTime.UtcNow + quiet;
        var seen = -1;
        while (true)
        {
            var events = Read(folder, logName);
            if (events.FirstOrDefault(e => e.At >= since && e.Template == template && match(e)) is { } found)
            {
                return found;
            }

            if (events.Count != seen)
            {
                seen = events.Count;
                deadline = DateTime.UtcNow + quiet;
            }
            else if (DateTime.UtcNow > deadline || exited())
            {
                throw new TimeoutException($"{what}: no such event from {logName} ({(exited() ? "the node exited" : $"it logged nothing new for {quiet.TotalSeconds:F0} s")}). "
                                           + $"Its last events:\n{string.Join('\n', events.TakeLast(15))}\n{context()}");
            }

            Thread.Sleep(200);
        }
    }
}
