using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GanCluster.Cluster.Logs;
using GanCluster.Protocol;

namespace GanCluster.Cli;

/// <summary>One event of a node's compact-JSON log, as <c>gancluster logs</c> shows it.</summary>
/// <param name="Time">The event's time ("@t"); null for a line that is not such an event (shown as it is, last).</param>
public sealed record LogEntry(DateTimeOffset? Time, string Node, string Json);

/// <summary>
/// The pure parts of <c>gancluster logs</c>: renders Serilog's compact JSON events (@t, @mt, @l, @x and the properties)
/// as one readable line each, merges the lines of several nodes by time, and reads --since and --node.
/// </summary>
public static partial class LogLineView
{
    /// <summary>Every node's lines in one list ordered by time (stable: a node's own order is kept for equal times).</summary>
    public static IReadOnlyList<LogEntry> Merge(IEnumerable<NodeLogLines> nodes) =>
        nodes.SelectMany(n => n.Lines.Select(line => new LogEntry(LogFileReader.TimeOf(line), n.Node, line)))
            .OrderBy(e => e.Time ?? DateTimeOffset.MaxValue)
            .ToList();

    /// <summary>"2026-12-02 03:44:22.455 INF [node] message", plus the exception's first line when the event has one.</summary>
    public static string Render(LogEntry entry)
    {
        try
        {
            using var json = JsonDocument.Parse(entry.Json);
            var root = json.RootElement;
            var level = root.TryGetProperty("@l", out var l) ? l.GetString() : "Information";
            var text = root.TryGetProperty("@mt", out var mt) ? Fill(mt.GetString() ?? "", root) : root.TryGetProperty("@m", out var m) ? m.GetString() ?? "" : entry.Json;
            var exception = root.TryGetProperty("@x", out var x) ? $" | {x.GetString()?.Split('\n')[0].Trim()}" : "";
            var time = entry.Time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-";
            return $"{time} {Abbreviate(level)} [{entry.Node}] {text}{exception}";
        }
        catch (JsonException)
        {
            return $"- --- [{entry.Node}] {entry.Json}";
        }
    }

    /// <summary>The message template with each {property} (positional, named, with a format or @/$ hint) replaced by its value.</summary>
    public static string Fill(string template, JsonElement properties) => Hole().Replace(template, hole =>
    {
        var name = hole.Groups["name"].Value;
        if (!properties.TryGetProperty(name, out var value))
        {
            return hole.Value;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            _ => value.GetRawText(),
        };
    }).Replace("{{", "{").Replace("}}", "}");

    /// <summary>Whether a node's lines are shown under --node: every node without it, else the nodes of that role or that name.</summary>
    public static bool Selected(NodeLogLines node, string? filter) =>
        string.IsNullOrWhiteSpace(filter)
        || node.Roles.Split('+').Contains(filter.Trim(), StringComparer.OrdinalIgnoreCase)
        || string.Equals(node.Node, filter.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>An ISO 8601 time, or an age before <paramref name="now"/> (90s, 10m, 2h, 1d); null with the reason otherwise.</summary>
    public static DateTimeOffset? ParseSince(string text, DateTimeOffset now, out string error)
    {
        error = "";
        var value = text.Trim();
        if (value.Length >= 2 && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            TimeSpan? age = char.ToLowerInvariant(value[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (age is { } span)
            {
                return now - span;
            }
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        error = $"'{text}' is neither a time (2026-12-02T03:40:00Z) nor an age (90s, 10m, 2h, 1d)";
        return null;
    }

    private static string Abbreviate(string? level) => level switch
    {
        "Verbose" => "VRB",
        "Debug" => "DBG",
        "Warning" => "WRN",
        "Error" => "ERR",
        "Fatal" => "FTL",
        _ => "INF",
    };

    [GeneratedRegex(@"(?<!\{)\{[@$]?(?<name>[A-Za-z0-9_]+)(,[^:}]*)?(:[^}]*)?\}(?!\})")]
    private static partial Regex Hole();
}
