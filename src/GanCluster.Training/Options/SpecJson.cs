using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanCluster.Training.Options;

/// <summary>An invalid experiment: each error names the field and says what is allowed.</summary>
public sealed class SpecValidationException : Exception
{
    public SpecValidationException(IReadOnlyList<SpecError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
    {
        Errors = errors;
    }

    public IReadOnlyList<SpecError> Errors { get; }
}

/// <summary>One problem with an experiment specification.</summary>
/// <param name="Field">The JSON field, for example "generatorOptimizer.learningRate".</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record SpecError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>JSON form of <see cref="ExperimentSpec"/>: camelCase fields, enum names as strings, unknown fields rejected.</summary>
public static class SpecJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Compact form for the wire and the journal.</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize(ExperimentSpec spec, bool indented = true) =>
        JsonSerializer.Serialize(spec, indented ? Options : Compact);

    /// <summary>Parses and validates; throws <see cref="SpecValidationException"/> naming the field on any problem.</summary>
    public static ExperimentSpec Parse(string json)
    {
        ExperimentSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ExperimentSpec>(json, Options);
        }
        catch (JsonException e)
        {
            throw new SpecValidationException([Describe(e)]);
        }

        if (spec is null)
        {
            throw new SpecValidationException([new SpecError("(document)", "the experiment is empty; expected a JSON object such as {\"model\": \"mlp\", \"dataset\": \"mnist\"}")]);
        }

        SpecValidator.ThrowIfInvalid(spec);
        return spec;
    }

    private static SpecError Describe(JsonException e)
    {
        var field = FieldName(e.Path);
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var unknown = message.Split('\'').ElementAtOrDefault(1) ?? field;
            return new SpecError(unknown, "unknown field; check the spelling (fields are camelCase, for example batchSize, latentSize, generatorOptimizer)");
        }

        var allowed = field switch
        {
            "model" => Allowed<ModelKind>(),
            "dataset" => Allowed<DatasetKind>(),
            "loss" => Allowed<LossKind>(),
            var f when f.EndsWith(".type", StringComparison.Ordinal) => Allowed<OptimizerKind>(),
            _ => null,
        };
        if (allowed is not null)
        {
            return new SpecError(field, $"unknown value; allowed: {allowed}");
        }

        return field == "(document)"
            ? new SpecError(field, $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): fix the syntax")
            : new SpecError(field, $"wrong type or malformed value (line {e.LineNumber + 1}); see the example experiments in cluster-config/experiments");
    }

    private static string FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "(document)";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
    }

    /// <summary>The JSON names of an enum's values, comma-separated.</summary>
    public static string Allowed<TEnum>() where TEnum : struct, Enum =>
        string.Join(", ", Enum.GetValues<TEnum>().Select(v => JsonSerializer.Serialize(v, Options).Trim('"')));
}
