using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>A bad search space or sweep option: <see cref="Field"/> names it, <see cref="Exception.Message"/> says how to fix it.</summary>
public sealed class SweepSpaceException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;

    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>How a sweep chooses its configurations.</summary>
public enum SweepAlgorithm
{
    /// <summary>Every combination of the parameters' values.</summary>
    Grid,

    /// <summary><c>--budget</c> configurations drawn with the space's seed.</summary>
    Random,

    /// <summary>Like random (or grid without a budget), then asynchronous successive halving at the rungs.</summary>
    Asha,

    /// <summary>Population-based training: the population is the grid (or <c>--population</c> random draws); generations exploit and explore.</summary>
    Pbt,
}

/// <summary>Whether a higher or a lower metric is better.</summary>
public enum SweepMode
{
    Max,
    Min,
}

/// <summary>
/// One searched experiment field: a dotted path into the experiment JSON (<c>generatorOptimizer.learningRate</c>) and its
/// values: a list, a range (<c>{"min","max","step"}</c>; without a step only random draws) or a log-uniform interval
/// (<c>{"logUniform": [min, max], "count": n}</c>; the count gives the grid's points).
/// </summary>
public sealed record SpaceParameter(string Path, IReadOnlyList<JsonNode?>? Values, double? Min, double? Max, double? Step, bool LogUniform, int? Count)
{
    /// <summary>The grid's values, or null when the parameter is continuous (a range without a step, log-uniform without a count).</summary>
    public IReadOnlyList<JsonNode?>? GridValues()
    {
        if (Values is not null)
        {
            return Values;
        }

        if (LogUniform)
        {
            return Count is not { } n ? null : Enumerable.Range(0, n)
                .Select(i => (JsonNode?)JsonValue.Create(n == 1 ? Min!.Value : Math.Exp(Math.Log(Min!.Value) + i * (Math.Log(Max!.Value) - Math.Log(Min.Value)) / (n - 1))))
                .ToList();
        }

        if (Step is not { } step)
        {
            return null;
        }

        var points = (int)Math.Floor((Max!.Value - Min!.Value) / step + 1e-9) + 1;
        return Enumerable.Range(0, points).Select(i => Number(Min.Value + i * step)).ToList();
    }

    /// <summary>One value drawn with <paramref name="random"/>: a list element, a grid point of a stepped range, or a continuous draw.</summary>
    public JsonNode? Draw(Random random)
    {
        if (Values is not null)
        {
            return Values[random.Next(Values.Count)]?.DeepClone();
        }

        if (LogUniform)
        {
            return JsonValue.Create(Math.Exp(Math.Log(Min!.Value) + random.NextDouble() * (Math.Log(Max!.Value) - Math.Log(Min.Value))));
        }

        return Step is { } && GridValues() is { } grid ? grid[random.Next(grid.Count)]?.DeepClone() : JsonValue.Create(Min!.Value + random.NextDouble() * (Max!.Value - Min.Value));
    }

    // Whole numbers stay integers so that integer fields (k, batchSize) accept them.
    private static JsonNode Number(double value) =>
        Math.Abs(value - Math.Round(value)) < 1e-9 && Math.Abs(value) < 1e15 ? JsonValue.Create((long)Math.Round(value)) : JsonValue.Create(value);
}

/// <summary>The parsed search space: its parameters in file order and the seed of random draws.</summary>
public sealed record SearchSpace(IReadOnlyList<SpaceParameter> Parameters, int Seed)
{
    /// <summary>
    /// Parses a space file: <c>{"seed": 1, "parameters": {"k": [1, 2], "generatorOptimizer.learningRate": {"logUniform": [1e-4, 1e-2], "count": 3}}}</c>.
    /// Throws <see cref="SweepSpaceException"/> naming the field.
    /// </summary>
    public static SearchSpace Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SweepSpaceException("space", $"is not valid JSON ({e.Message}); see README, Sweeps, for the format");
        }

        if (root is not JsonObject obj)
        {
            throw new SweepSpaceException("space", "must be a JSON object {\"parameters\": {...}, \"seed\": n}");
        }

        foreach (var (key, _) in obj)
        {
            if (key is not ("parameters" or "seed"))
            {
                throw new SweepSpaceException($"space.{key}", "is not a space field; use \"parameters\" (the searched fields) and \"seed\" (of random draws)");
            }
        }

        var seed = obj["seed"] switch
        {
            null => 1,
            JsonValue v when v.TryGetValue<int>(out var s) => s,
            _ => throw new SweepSpaceException("space.seed", "must be an integer"),
        };
        if (obj["parameters"] is not JsonObject parameters || parameters.Count == 0)
        {
            throw new SweepSpaceException("space.parameters", "must be an object with at least one field, e.g. {\"k\": [1, 2]}");
        }

        return new SearchSpace(parameters.Select(kv => Parameter(kv.Key, kv.Value)).ToList(), seed);
    }

    private static SpaceParameter Parameter(string path, JsonNode? node)
    {
        var field = $"space.parameters.{path}";
        if (path is "name" or "seed")
        {
            throw new SweepSpaceException(field, $"the sweep sets '{path}' of each child itself; use --seeds for several seeds");
        }

        switch (node)
        {
            case JsonArray { Count: 0 }:
                throw new SweepSpaceException(field, "the list of values is empty; give at least one value");
            case JsonArray list:
                return new SpaceParameter(path, list.Select(v => v?.DeepClone()).ToList(), null, null, null, false, null);
            case JsonObject o when o["logUniform"] is JsonArray { Count: 2 } bounds:
                var (low, high) = (NumberOf(bounds[0], field), NumberOf(bounds[1], field));
                if (low <= 0 || high <= low)
                {
                    throw new SweepSpaceException(field, $"logUniform needs 0 < min < max; got [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}]");
                }

                int? count = o["count"] is null ? null : (int)NumberOf(o["count"], field);
                if (count is < 1)
                {
                    throw new SweepSpaceException(field, "count must be at least 1");
                }

                return new SpaceParameter(path, null, low, high, null, true, count);
            case JsonObject o when o.ContainsKey("min") && o.ContainsKey("max"):
                var (min, max) = (NumberOf(o["min"], field), NumberOf(o["max"], field));
                double? step = o["step"] is null ? null : NumberOf(o["step"], field);
                if (max < min || step is <= 0)
                {
                    throw new SweepSpaceException(field, "a range needs min <= max and a positive step");
                }

                return new SpaceParameter(path, null, min, max, step, false, null);
            default:
                throw new SweepSpaceException(field,
                    "give a list of values [a, b], a range {\"min\": a, \"max\": b, \"step\": s} or a log-uniform interval {\"logUniform\": [a, b], \"count\": n}");
        }
    }

    private static double NumberOf(JsonNode? node, string field) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) ? d : throw new SweepSpaceException(field, $"'{node?.ToJsonString()}' is not a finite number");
}
