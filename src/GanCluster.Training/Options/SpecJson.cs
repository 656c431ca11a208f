using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

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

    /// <summary>
    /// Deepest nesting accepted (the serializer's default limit). An experiment itself nests two levels
    /// (generatorOptimizer.learningRate); the limit only stops runaway documents with a clear message.
    /// </summary>
    public const int MaxDepth = 64;

    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];

    /// <summary>Parses and validates; throws <see cref="SpecValidationException"/> naming the field on any problem.</summary>
    public static ExperimentSpec Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Parses and validates the bytes of an experiment file. Invalid UTF-8 is rejected with its byte offset instead
    /// of being replaced, a duplicate key is rejected instead of the last value winning, and a document that is not
    /// an object or nests past <see cref="MaxDepth"/> is reported as such, not as malformed JSON.
    /// </summary>
    public static ExperimentSpec Parse(ReadOnlySpan<byte> utf8)
    {
        var skipped = 0;
        if (utf8.StartsWith(Utf8ByteOrderMark))
        {
            skipped = Utf8ByteOrderMark.Length;
            utf8 = utf8[skipped..];
        }

        CheckEncoding(utf8, skipped);
        CheckStructure(utf8);
        ExperimentSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ExperimentSpec>(utf8, Options);
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

    private static void CheckEncoding(ReadOnlySpan<byte> utf8, int skipped)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || utf8.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            throw new SpecValidationException([new SpecError("(document)", "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8")]);
        }

        if (Utf8.IsValid(utf8))
        {
            return;
        }

        var offset = 0;
        while (offset < utf8.Length && Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        var line = utf8[..offset].Count((byte)'\n') + 1;
        throw new SpecValidationException([new SpecError("(document)",
            $"invalid UTF-8 at byte offset {offset + skipped} (line {line}, byte 0x{utf8[offset]:X2}); save the file as UTF-8")]);
    }

    /// <summary>One pass of the reader: the root is an object, no object repeats a key, nothing nests past <see cref="MaxDepth"/>.</summary>
    private static void CheckStructure(ReadOnlySpan<byte> utf8)
    {
        // One past the limit, so that this check, not the reader, reports the depth.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = MaxDepth + 1 });
        var frames = new Stack<Frame>();
        try
        {
            if (!reader.Read())
            {
                throw new SpecValidationException([new SpecError("(document)", "the experiment is empty; expected a JSON object such as {\"model\": \"mlp\", \"dataset\": \"mnist\"}")]);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SpecValidationException([new SpecError("(document)",
                    $"the document is {DescribeToken(reader.TokenType)}; an experiment is a JSON object such as {{\"model\": \"mlp\", \"dataset\": \"mnist\"}}")]);
            }

            frames.Push(new Frame(string.Empty, isObject: true));
            while (reader.Read())
            {
                var top = frames.Peek();
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var key = reader.GetString()!;
                        top.Property = key;
                        if (!top.Keys.Add(key))
                        {
                            throw new SpecValidationException([new SpecError(Join(top.Path, key),
                                "duplicate key: it appears more than once in the same object; keep one (JSON parsers disagree on which value wins)")]);
                        }

                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var path = top.IsObject ? Join(top.Path, top.Property ?? string.Empty) : $"{top.Path}[{top.Index++}]";
                        if (reader.CurrentDepth >= MaxDepth)
                        {
                            throw new SpecValidationException([new SpecError(FieldName(path),
                                $"nested deeper than {MaxDepth} levels (line {CurrentLine(utf8, reader)}); an experiment nests at most two levels (for example generatorOptimizer.learningRate): check the brackets")]);
                        }

                        frames.Push(new Frame(path, reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    default:
                        if (!top.IsObject)
                        {
                            top.Index++;
                        }

                        break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new SpecValidationException([new SpecError("(document)", $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): fix the syntax")]);
        }
    }

    private static long CurrentLine(ReadOnlySpan<byte> utf8, Utf8JsonReader reader) => utf8[..(int)reader.TokenStartIndex].Count((byte)'\n') + 1;

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string DescribeToken(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>An open object or array while <see cref="CheckStructure"/> reads.</summary>
    private sealed class Frame(string path, bool isObject)
    {
        public string Path { get; } = path;

        public bool IsObject { get; } = isObject;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public string? Property { get; set; }

        public int Index { get; set; }
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
            "ssgan.discriminator" => Allowed<SsganNetwork>(),
            "catgan.discriminator" => Allowed<CatGanNetwork>(),
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
