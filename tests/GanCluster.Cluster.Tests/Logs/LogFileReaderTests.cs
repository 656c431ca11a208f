using GanCluster.Cluster.Logs;
using GanCluster.Protocol;
using GanCluster.TestSupport;

namespace GanCluster.Cluster.Tests.Logs;

/// <summary>Reading a node's own compact-JSON log files for one experiment, on real files.</summary>
public sealed class LogFileReaderTests : IDisposable
{
    private static readonly ExperimentId Id = new("exp-0000aaaa");
    private readonly TempDirectory _temp = TempDirectory.Create("logs");

    private static string Event(string time, string message, string? id = null) =>
        $"{{\"@t\":\"{time}\",\"@mt\":\"{message}\"{(id is null ? "" : $",\"0\":\"{id}\"")},\"Node\":\"generator-pid7\"}}";

    private void Write(string file, params string[] lines) => File.AppendAllText(Path.Combine(_temp.Path, file), string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public void Only_this_nodes_files_are_read_oldest_first_and_only_the_experiments_lines()
    {
        Write("gancluster-generator-pid7-20261202_001.json", Event("2026-12-02T05:00:00Z", "Experiment {0}: c", Id.Value));
        Write("gancluster-generator-pid7-20261201.json", Event("2026-12-01T10:00:00Z", "Experiment {0}: a", Id.Value), Event("2026-12-01T10:00:01Z", "Experiment {0}: other", "exp-0000bbbb"));
        Write("gancluster-generator-pid7-20261202.json", Event("2026-12-02T04:00:00Z", "Experiment {0}: b", Id.Value), Event("2026-12-02T04:00:01Z", "Remoting started"));
        Write("gancluster-generator-pid70-20261202.json", Event("2026-12-02T04:00:00Z", "Experiment {0}: another node", Id.Value));
        Write("gancluster-generator-pid7-20261202.json.bak", Event("2026-12-02T04:00:00Z", "Experiment {0}: not a log file", Id.Value));

        var read = LogFileReader.Read(_temp.Path, "generator-pid7", Id, since: null, fromFile: null, fromOffset: 0, maxBytes: 1 << 20);

        Assert.Equal(["a", "b", "c"], read.Lines.Select(l => l.Split("Experiment {0}: ")[1][..1]));
        Assert.False(read.More);
        Assert.Equal("gancluster-generator-pid7-20261202_001.json", read.File);
        Assert.Equal(new FileInfo(Path.Combine(_temp.Path, read.File)).Length, read.Offset);
    }

    [Fact]
    public void A_cursor_continues_where_the_last_read_stopped_and_a_line_still_being_written_waits()
    {
        const string file = "gancluster-generator-pid7-20261202.json";
        Write(file, Event("2026-12-02T04:00:00Z", "Experiment {0}: first", Id.Value));
        File.AppendAllText(Path.Combine(_temp.Path, file), Event("2026-12-02T04:00:01Z", "Experiment {0}: second", Id.Value)[..30]); // no newline yet

        var first = LogFileReader.Read(_temp.Path, "generator-pid7", Id, null, null, 0, 1 << 20);
        Assert.Single(first.Lines);

        File.AppendAllText(Path.Combine(_temp.Path, file), Event("2026-12-02T04:00:01Z", "Experiment {0}: second", Id.Value)[30..] + "\n");
        var second = LogFileReader.Read(_temp.Path, "generator-pid7", Id, null, first.File, first.Offset, 1 << 20);

        Assert.Contains("Experiment {0}: second", Assert.Single(second.Lines));
        Assert.Empty(LogFileReader.Read(_temp.Path, "generator-pid7", Id, null, second.File, second.Offset, 1 << 20).Lines);
    }

    [Fact]
    public void Since_drops_older_lines_and_the_byte_budget_splits_a_read_into_parts()
    {
        Write("gancluster-generator-pid7-20261202.json", Enumerable.Range(0, 10).Select(i => Event($"2026-12-02T04:00:0{i}Z", $"Experiment {{0}}: {i}", Id.Value)).ToArray());

        var recent = LogFileReader.Read(_temp.Path, "generator-pid7", Id, new DateTimeOffset(2026, 12, 2, 4, 0, 7, TimeSpan.Zero), null, 0, 1 << 20);
        Assert.Equal(3, recent.Lines.Count);

        var lineBytes = Event("2026-12-02T04:00:00Z", "Experiment {0}: 0", Id.Value).Length;
        var parts = new List<LogRead>();
        LogRead? read = null;
        do
        {
            read = LogFileReader.Read(_temp.Path, "generator-pid7", Id, null, read?.File, read?.Offset ?? 0, (4 * lineBytes) - 1);
            parts.Add(read);
        }
        while (read.More);

        Assert.Equal([4, 4, 2], parts.Select(p => p.Lines.Count));
        Assert.Equal(10, parts.SelectMany(p => p.Lines).Distinct().Count());
    }

    [Fact]
    public void A_missing_folder_reads_as_no_lines()
    {
        var read = LogFileReader.Read(Path.Combine(_temp.Path, "absent"), "generator-pid7", Id, null, null, 0, 1024);

        Assert.Empty(read.Lines);
        Assert.False(read.More);
    }

    public void Dispose() => _temp.Dispose();
}
