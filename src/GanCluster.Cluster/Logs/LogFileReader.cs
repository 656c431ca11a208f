using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Logs;

/// <summary>The lines one read took and where the next read goes on.</summary>
public sealed record LogRead(IReadOnlyList<string> Lines, string File, long Offset, bool More);

/// <summary>
/// Reads one node's own compact-JSON log files (gancluster-&lt;node&gt;-&lt;yyyyMMdd&gt;[_NNN].json, as the node's
/// Serilog file sink rolls them; several nodes may share a folder) for the lines of one experiment: every event whose
/// JSON holds the experiment id as a string value, at or after a time, from a cursor on, up to a byte budget. Only
/// complete lines are taken, so a line the sink is still writing is read next time.
/// </summary>
public static partial class LogFileReader
{
    private const int BufferSize = 64 * 1024;

    /// <summary>The node's log files, oldest first (the daily name sorts by date, then the size rolls by number).</summary>
    public static IReadOnlyList<string> Files(string directory, string nodeName)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var pattern = new Regex($"^gancluster-{Regex.Escape(nodeName)}-\\d{{8}}(_\\d+)?\\.json$", RegexOptions.CultureInvariant);
        return Directory.EnumerateFiles(directory, "gancluster-*.json")
            .Select(Path.GetFileName)
            .Where(name => pattern.IsMatch(name!))
            .Order(StringComparer.Ordinal)
            .ToList()!;
    }

    /// <summary>
    /// The lines mentioning <paramref name="id"/> from <paramref name="fromFile"/> at byte <paramref name="fromOffset"/>
    /// on (null: from the oldest file), at or after <paramref name="since"/>, until about <paramref name="maxBytes"/> of
    /// lines are taken (at least one line, so a long line cannot stall a reader).
    /// </summary>
    public static LogRead Read(string directory, string nodeName, ExperimentId id, DateTimeOffset? since, string? fromFile, long fromOffset, int maxBytes)
    {
        var needle = Encoding.UTF8.GetBytes($"\"{id.Value}\"");
        var lines = new List<string>();
        var taken = 0;
        var (file, offset) = (fromFile ?? "", fromFile is null ? 0 : fromOffset);
        foreach (var name in Files(directory, nodeName).Where(f => fromFile is null || string.CompareOrdinal(f, fromFile) >= 0))
        {
            var start = name == fromFile ? fromOffset : 0;
            using var stream = new FileStream(Path.Combine(directory, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (start > stream.Length)
            {
                start = 0; // the file was replaced since the cursor was taken
            }

            stream.Position = start;
            (file, offset) = (name, start);
            foreach (var (line, end) in CompleteLines(stream, start))
            {
                offset = end;
                if (line.AsSpan().IndexOf(needle) < 0)
                {
                    continue;
                }

                var text = Encoding.UTF8.GetString(line).TrimEnd('\r');
                if (since is { } from && !(TimeOf(text) >= from))
                {
                    continue;
                }

                lines.Add(text);
                taken += line.Length;
                if (taken >= maxBytes)
                {
                    return new LogRead(lines, file, offset, More: true);
                }
            }
        }

        return new LogRead(lines, file, offset, More: false);
    }

    /// <summary>The event's time (the compact format's "@t"), or null when the line is not such an event.</summary>
    public static DateTimeOffset? TimeOf(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("@t", out var t) && t.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Each complete line (without its '\n') and the offset just after it.</summary>
    private static IEnumerable<(byte[] Line, long End)> CompleteLines(Stream stream, long start)
    {
        var buffer = new byte[BufferSize];
        var pending = new MemoryStream();
        var position = start;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var from = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                pending.Write(buffer, from, i - from);
                position += pending.Length + 1;
                yield return (pending.ToArray(), position);
                pending.SetLength(0);
                from = i + 1;
            }

            pending.Write(buffer, from, read - from);
        }
    }
}
