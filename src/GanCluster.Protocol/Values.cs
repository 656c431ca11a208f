namespace GanCluster.Protocol;

/// <summary>An experiment's identifier: lower-case letters, digits and dashes, at most 64 characters.</summary>
public readonly record struct ExperimentId
{
    public ExperimentId(string value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64 || !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"experiment id '{value}' is invalid: use 1 to 64 lower-case letters, digits or dashes (as printed by 'gancluster submit')");
        }

        Value = value;
    }

    public string Value { get; }

    public static ExperimentId New() => new($"exp-{Guid.NewGuid():N}"[..12]);

    public override string ToString() => Value;
}

public enum WorkerRole : byte
{
    Generator = 1,
    Discriminator = 2,
}

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
    public const int ProtocolVersionCurrent = 1;
}

public enum TensorDType : byte
{
    Float32 = 1,
    Float16 = 2,
    BFloat16 = 3,
    Int64 = 4,
}

/// <summary>A tensor on the wire: dtype, shape and raw little-endian bytes (C order).</summary>
public sealed record TensorPayload
{
    public TensorPayload(TensorDType dType, long[] shape, byte[] data)
    {
        var elements = shape.Aggregate(1L, (a, b) => a * b);
        if (shape.Any(d => d < 0) || elements * ElementSize(dType) != data.LongLength)
        {
            throw new ArgumentException($"tensor payload of {dType} [{string.Join(",", shape)}] needs {elements * ElementSize(dType)} bytes; got {data.LongLength}");
        }

        DType = dType;
        Shape = shape;
        Data = data;
    }

    public TensorDType DType { get; }

    public long[] Shape { get; }

    public byte[] Data { get; }

    public static int ElementSize(TensorDType dtype) => dtype switch
    {
        TensorDType.Float32 => 4,
        TensorDType.Float16 or TensorDType.BFloat16 => 2,
        TensorDType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown tensor dtype"),
    };

    public bool Equals(TensorPayload? other) =>
        other is not null && DType == other.DType && Shape.SequenceEqual(other.Shape) && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(DType, Shape.Length, Data.Length);
}
