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
    /// <summary>Every complete event in the node's files (gancluster-&lt;logName&gt;-&lt;date&gt;[_NNN].json), oldest file first.</summary>
    public static IReadOnlyList<NodeEvent> Read(string folder, string logName)
    {
        var events = new List<NodeEvent>();
        if (!Directory.Exists(folder))
        {
            return events;
        }

        foreach (var file in Directory.GetFiles(folder, $"gancluster-{logName}-*.json").Order(StringComparer.Ordinal))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            // The last line may still be being written: only lines ended by a newline are complete.
            foreach (var line in text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var json = JsonDocument.Parse(line).RootElement;
                events.Add(new NodeEvent(DateTimeOffset.Parse(json.GetProperty("@t").GetString()!, CultureInfo.InvariantCulture), json.GetProperty("@mt").GetString()!, json));
            }
        }

        return events;
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
