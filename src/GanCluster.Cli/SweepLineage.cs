using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GanCluster.Protocol;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster sweep lineage &lt;id&gt; [--json]</c>: every member of a PBT sweep, generation by generation: its metric at
/// the ready round, whose checkpoint it continued from (its own, or the member it exploited) and its learning rates.
/// </summary>
internal static class SweepLineage
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The id of a PBT sweep." };
        var json = new Option<bool>("--json") { Description = "Print the lineage as one JSON object." };
        var command = new Command("lineage", "Show each member of a PBT sweep generation by generation: whose checkpoint it copied at which round, and its hyperparameters.")
        {
            id, json, ClientCommands.Contact, ClientCommands.Timeout,
        };
        command.SetAction((parse, _) => ClientCommands.Run(parse, async client =>
        {
            var sweep = new SweepId(parse.GetValue(id)!.Trim());
            var reply = await client().AskAsync(new GetSweepLineage(sweep), ClientCommands.TimeoutOf(parse)).ConfigureAwait(false);
            switch (reply)
            {
                case SweepLineageReply lineage:
                    Console.WriteLine(parse.GetValue(json) ? ToJson(lineage) : string.Join(Environment.NewLine, ToText(lineage)));
                    return 0;
                default:
                    return ClientCommands.Refusal(reply, "no lineage");
            }
        }));
        return command;
    }

    /// <summary>The lineage as one JSON object (scripts and tests read it).</summary>
    public static string ToJson(SweepLineageReply lineage) => JsonSerializer.Serialize(new
    {
        id = lineage.Id.Value,
        metric = lineage.Metric,
        mode = lineage.Mode,
        ready = lineage.Ready,
        members = lineage.Members.Select(m => new
        {
            id = m.Id.Value,
            name = m.Name,
            generations = m.Generations.Select(g => new
            {
                generation = g.Generation,
                round = g.Round,
                metric = g.Metric,
                copiedFrom = g.CopiedFrom?.Value,
                hyperparameters = g.Hyperparameters,
            }),
        }),
    }, Json);

    /// <summary>The lineage as text: one block per member, one line per generation.</summary>
    public static IEnumerable<string> ToText(SweepLineageReply lineage)
    {
        yield return $"sweep {lineage.Id.Value}: pbt, {lineage.Mode} {lineage.Metric}, ready every {lineage.Ready} rounds, {lineage.Members.Count} members";
        foreach (var member in lineage.Members)
        {
            yield return $"{member.Id.Value} ({member.Name})";
            foreach (var g in member.Generations)
            {
                var metric = g.Metric is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "-";
                yield return g.Generation == 0
                    ? $"  start                     {g.Hyperparameters}"
                    : $"  gen {g.Generation,-3} round {g.Round,-6} {lineage.Metric} {metric,-10} {(g.CopiedFrom is { } from ? $"copied {from.Value}" : "kept its own"),-28} {g.Hyperparameters}";
            }
        }
    }
}
