using System.Text.Json;
using GanCluster.Protocol;

namespace GanCluster.Cli.Tests;

/// <summary>The pure parts of <c>gancluster logs</c>: rendering an event, merging nodes by time, --since and --node.</summary>
public sealed class LogLineViewTests
{
    private static NodeLogLines Node(string name, string roles, params string[] lines) =>
        new($"akka.tcp://gancluster@127.0.0.1:{name.Length}", name, roles, lines, new LogCursor("a", "", 0), false);

    [Fact]
    public void An_event_renders_as_time_level_node_and_its_filled_template()
    {
        const string json = "{\"@t\":\"2026-12-02T03:44:22.4555720Z\",\"@mt\":\"Experiment {0} ({1}) submitted: {2} rounds, priority {Priority:D2} {{literal}}\","
            + "\"0\":\"exp-d022e537\",\"1\":\"ring8\",\"2\":6,\"Priority\":0,\"@l\":\"Warning\",\"@x\":\"System.IO.IOException: disk full\\n   at X.Y()\"}";

        var line = LogLineView.Render(new LogEntry(DateTimeOffset.Parse("2026-12-02T03:44:22.4555720Z", System.Globalization.CultureInfo.InvariantCulture), "coordinator-4053", json));

        Assert.Equal("2026-12-02 03:44:22.455 WRN [coordinator-4053] Experiment exp-d022e537 (ring8) submitted: 6 rounds, priority 0 {literal} | System.IO.IOException: disk full", line);
    }

    [Fact]
    public void A_line_that_is_not_an_event_is_shown_as_it_is()
    {
        Assert.Equal("- --- [generator-pid7] (could not read the log folder)", LogLineView.Render(new LogEntry(null, "generator-pid7", "(could not read the log folder)")));
        Assert.Equal("{2} stays", LogLineView.Fill("{2} stays", JsonDocument.Parse("{}").RootElement));
    }

    [Fact]
    public void Nodes_are_merged_by_time_keeping_each_nodes_order_for_equal_times()
    {
        var merged = LogLineView.Merge([
            Node("generator-pid7", "generator", "{\"@t\":\"2026-12-02T04:00:02Z\",\"@mt\":\"g2\"}", "{\"@t\":\"2026-12-02T04:00:02Z\",\"@mt\":\"g3\"}"),
            Node("coordinator-4053", "coordinator", "{\"@t\":\"2026-12-02T04:00:01Z\",\"@mt\":\"c1\"}", "{\"@t\":\"2026-12-02T04:00:03Z\",\"@mt\":\"c4\"}"),
        ]);

        Assert.Equal(["c1", "g2", "g3", "c4"], merged.Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("@mt").GetString()));
        Assert.Equal(["coordinator-4053", "generator-pid7", "generator-pid7", "coordinator-4053"], merged.Select(e => e.Node));
    }

    [Theory]
    [InlineData("90s", "2026-12-02T03:58:30Z")]
    [InlineData("10m", "2026-12-02T03:50:00Z")]
    [InlineData("1.5h", "2026-12-02T02:30:00Z")]
    [InlineData("1d", "2026-12-01T04:00:00Z")]
    [InlineData("2026-12-02T03:40:00Z", "2026-12-02T03:40:00Z")]
    [InlineData("2026-12-02 03:40", "2026-12-02T03:40:00Z")]
    public void Since_is_a_time_or_an_age(string text, string expected)
    {
        var now = new DateTimeOffset(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), LogLineView.ParseSince(text, now, out _));
    }

    [Fact]
    public void A_since_that_is_neither_names_both_forms()
    {
        Assert.Null(LogLineView.ParseSince("yesterday", DateTimeOffset.UtcNow, out var error));
        Assert.Contains("'yesterday' is neither a time", error);
        Assert.Contains("10m", error);
    }

    [Fact]
    public void Node_selects_by_role_or_by_name()
    {
        var both = Node("generator+discriminator-pid9", "generator+discriminator");

        Assert.True(LogLineView.Selected(both, null));
        Assert.True(LogLineView.Selected(both, "Discriminator"));
        Assert.False(LogLineView.Selected(both, "coordinator"));
        Assert.True(LogLineView.Selected(Node("coordinator-4053", "coordinator"), "coordinator-4053"));
    }
}
