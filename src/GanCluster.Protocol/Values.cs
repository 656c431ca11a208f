namespace GanCluster.Protocol;

/// <summary>An experiment's identifier: lower-case letters, digits and dashes, at most 64 characters.</summary>
public readonly record struct ExperimentId
{
    /// <summary>The longest identifier accepted.</summary>
    public const int MaximumLength = 64;

    public ExperimentId(string value)
    {
        if (!IsValid(value))
        {
            throw new ArgumentException(
                $"experiment id '{value}' is invalid: use 1 to {MaximumLength} lower-case letters, digits or dashes (as printed by 'gancluster submit')",
                nameof(value));
        }

        Value = value;
    }

    public string Value { get; }

    /// <summary>A fresh identifier: "exp-" and 8 hexadecimal digits of a new GUID.</summary>
    public static ExperimentId New() => new($"exp-{Guid.NewGuid():N}"[..12]);

    /// <summary>True when <paramref name="value"/> is a well-formed identifier.</summary>
    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaximumLength && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    public override string ToString() => Value;
}

/// <summary>Identifies a sweep: "swp-" and 8 hexadecimal digits; its children are "&lt;sweep id&gt;-&lt;n&gt;".</summary>
public readonly record struct SweepId
{
    public SweepId(string value)
    {
        if (!ExperimentId.IsValid(value) || value.Length > ExperimentId.MaximumLength - 5)
        {
            throw new ArgumentException($"sweep id '{value}' is invalid: use the id printed by 'gancluster sweep' (lower-case letters, digits or dashes)", nameof(value));
        }

        Value = value;
    }

    public string Value { get; }

    public static SweepId New() => new($"swp-{Guid.NewGuid():N}"[..12]);

    /// <summary>The id of the sweep's child number <paramref name="index"/> (1-based).</summary>
    public ExperimentId Child(int index) => new($"{Value}-{index:00}");

    public override string ToString() => Value;
}

/// <summary>
/// Idempotency keys of submit, cancel and resume: a client makes one per request (or a script passes its own with
/// <c>--key</c>) and sends it again on a retry; the coordinator answers a key it has seen with its first answer.
/// </summary>
public static class RequestKey
{
    /// <summary>The longest key accepted.</summary>
    public const int MaximumLength = 64;

    /// <summary>A fresh key: 24 hexadecimal digits of a new GUID (96 random bits).</summary>
    public static string New() => Guid.NewGuid().ToString("N")[..24];

    /// <summary>Why <paramref name="value"/> is not a key (null when it is one).</summary>
    public static string? Problem(string value) =>
        value.Length is 0 or > MaximumLength || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? $"'{value}' is not a request key: use 1 to {MaximumLength} ASCII letters, digits, '-', '_', '.' or ':'"
            : null;
}

/// <summary>The half of a GAN a worker holds.</summary>
public enum WorkerRole : byte
{
    Generator = 1,
    Discriminator = 2,
}

/// <summary>Where an experiment is in its life cycle.</summary>
public enum ExperimentState : byte
{
    Queued = 1,
    Running = 2,
    Paused = 3,
    Completed = 4,
    Failed = 5,
    Cancelled = 6,
    Diverged = 7,
}

/// <summary>The two phases of a round: k discriminator steps, then one generator step.</summary>
public enum Phase : byte
{
    Discriminator = 1,
    Generator = 2,
}

/// <summary>
/// What every node and client of one cluster must agree on. Exchanged at registration and submission so a
/// mismatch is a clear error instead of silently dropped oversized messages.
/// </summary>
public sealed record WireSettings(int ProtocolVersion, long MaximumFrameSize)
{
    /// <summary>
    /// The protocol version of this build; bump it whenever a manifest's binary layout changes. 2: the exchange
    /// messages and round metrics carry named terms (DSD, GFB, RND, STR). 3: submit, cancel and resume carry an
    /// idempotency key (SUB, CAN, RSM); a cancel's answer says when the experiment had already ended (CNA).
    /// </summary>
    public const int ProtocolVersionCurrent = 3;
}

/// <summary>Element types a <see cref="TensorPayload"/> can carry; the byte values are part of the wire format.</summary>
public enum TensorDType : byte
{
    Float32 = 1,
    Float16 = 2,
    BFloat16 = 3,
    Int64 = 4,
}

/// <summary>
/// A tensor on the wire: dtype, shape and raw little-endian bytes (C order). Pure bytes: conversion to and
/// from TorchSharp tensors happens in the worker project. The arrays are held, not copied.
/// </summary>
public sealed record TensorPayload
{
    /// <summary>Creates a payload; throws <see cref="ArgumentException"/> unless Data holds exactly product(Shape) elements.</summary>
    public TensorPayload(TensorDType dType, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        var expected = ByteLength(dType, shape);
        if (expected != data.LongLength)
        {
            throw new ArgumentException(
                $"tensor payload of {dType} [{string.Join(",", shape)}] needs {expected} bytes ({expected / ElementSize(dType)} elements of {ElementSize(dType)} bytes); got {data.LongLength}",
                nameof(data));
        }

        DType = dType;
        Shape = shape;
        Data = data;
    }

    public TensorDType DType { get; }

    public long[] Shape { get; }

    public byte[] Data { get; }

    /// <summary>The number of elements: the product of the shape (1 for a scalar).</summary>
    public long ElementCount => Data.LongLength / ElementSize(DType);

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(TensorDType dtype) => dtype switch
    {
        TensorDType.Float32 => 4,
        TensorDType.Float16 or TensorDType.BFloat16 => 2,
        TensorDType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown tensor dtype"),
    };

    /// <summary>The number of bytes a tensor of this dtype and shape occupies; rejects negative and overflowing shapes.</summary>
    public static long ByteLength(TensorDType dtype, IReadOnlyList<long> shape)
    {
        var elementSize = ElementSize(dtype);
        long elements = 1;
        for (var i = 0; i < shape.Count; i++)
        {
            if (shape[i] < 0)
            {
                throw new ArgumentException($"tensor shape [{string.Join(",", shape)}] has a negative dimension at {i}", nameof(shape));
            }

            try
            {
                elements = checked(elements * shape[i]);
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"tensor shape [{string.Join(",", shape)}] has more elements than fit in 64 bits", nameof(shape));
            }
        }

        return elements > long.MaxValue / elementSize
            ? throw new ArgumentException($"tensor shape [{string.Join(",", shape)}] of {dtype} is larger than 2^63 bytes", nameof(shape))
            : elements * elementSize;
    }

    public bool Equals(TensorPayload? other) =>
        other is not null && DType == other.DType && Shape.AsSpan().SequenceEqual(other.Shape) && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(DType, Shape.Length, Data.Length);

    public override string ToString() => $"TensorPayload {{ {DType} [{string.Join(",", Shape)}], {Data.Length} bytes }}";
}

/// <summary>Named terms (metric name -> value) as messages carry them: equality by content and order-insensitive.</summary>
public static class NamedTerms
{
    /// <summary>No terms.</summary>
    public static readonly IReadOnlyDictionary<string, double> Empty = new Dictionary<string, double>();

    /// <summary>True when both hold the same names with equal values (NaN equals NaN, as in record equality).</summary>
    public static bool AreEqual(IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && kv.Value.Equals(v));
    }
}
