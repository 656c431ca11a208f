using System.Text.Json.Nodes;
using GanCluster.Cluster;
using GanCluster.Protocol;

namespace GanCluster.Node.Dashboard;

/// <summary>What the collector learned in one pass: the coordinator's answers to the CLI's own queries, and the workers'.</summary>
public sealed record DashboardInputs(
    IReadOnlyList<ExperimentSummary> Experiments,
    IReadOnlyList<ExperimentAlarm> Alarms,
    IReadOnlyList<ExperimentQuality> Quality,
    IReadOnlyList<WorkerStatus> Workers,
    IReadOnlyDictionary<string, LossSeries> Curves,
    DateTimeOffset At,
    string? Problem);

/// <summary>
/// The dashboard's JSON (<c>/api/dashboard</c>), pure: each experiment as <c>list --json</c> writes it
/// (<see cref="ExperimentJson"/>: state, rounds, latest losses, quality, alarms) plus its loss curve, and the worker
/// pairs: a generator and a discriminator serving the same experiment, then the idle workers. The page only renders it.
/// </summary>
public static class DashboardModel
{
    public static JsonObject Build(DashboardInputs inputs)
    {
        var quality = inputs.Quality.ToDictionary(q => q.Id.Value);
        var experiments = new JsonArray();
        foreach (var summary in inputs.Experiments.OrderByDescending(s => s.SubmittedAt))
        {
            var node = (JsonObject)JsonNode.Parse(ExperimentJson.Summary(summary, quality.GetValueOrDefault(summary.Id.Value), inputs.Alarms))!;
            node["curve"] = inputs.Curves.TryGetValue(summary.Id.Value, out var series) ? Curve(series) : new JsonArray();
            experiments.Add(node);
        }

        return new JsonObject
        {
            ["at"] = inputs.At,
            ["problem"] = inputs.Problem,
            ["experiments"] = experiments,
            ["pairs"] = Pairs(inputs.Workers, inputs.Experiments),
            ["idleWorkers"] = new JsonArray([.. inputs.Workers.Where(w => w.Experiment is null).OrderBy(w => w.Role).ThenBy(w => w.NodeAddress).Select(Worker)]),
        };
    }

    /// <summary>A pair per experiment some worker serves: its generator and discriminator (null when none answered).</summary>
    private static JsonArray Pairs(IReadOnlyList<WorkerStatus> workers, IReadOnlyList<ExperimentSummary> experiments)
    {
        var names = experiments.ToDictionary(e => e.Id.Value, e => e.Name);
        return new JsonArray([.. workers.Where(w => w.Experiment is not null)
            .GroupBy(w => w.Experiment!.Value.Value)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new JsonObject
            {
                ["experiment"] = g.Key,
                ["name"] = names.GetValueOrDefault(g.Key),
                ["generator"] = g.FirstOrDefault(w => w.Role == WorkerRole.Generator) is { } gen ? Worker(gen) : null,
                ["discriminator"] = g.FirstOrDefault(w => w.Role == WorkerRole.Discriminator) is { } dis ? Worker(dis) : null,
            })]);
    }

    private static JsonObject Worker(WorkerStatus w) => new()
    {
        ["role"] = w.Role.ToString().ToLowerInvariant(),
        ["node"] = w.NodeAddress,
        ["experiment"] = w.Experiment?.Value,
        ["round"] = w.Round,
        ["state"] = w.State,
        ["device"] = w.Device,
    };

    // Non-finite losses (a diverged run) are left out of the curve: JSON has no NaN and a curve cannot draw one.
    private static JsonArray Curve(LossSeries series) => new([.. series.Points
        .Where(p => double.IsFinite(p.DLoss) && double.IsFinite(p.GLoss))
        .Select(p => new JsonArray(p.Round, Finite(p.DLoss), Finite(p.GLoss), Finite(p.DReal), Finite(p.DFake)))]);

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 5)) : null;
}
