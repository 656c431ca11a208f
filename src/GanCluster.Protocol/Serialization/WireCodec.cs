using System.Text;
using Akka.Actor;

namespace GanCluster.Protocol.Serialization;

/// <summary>
/// Writes the primitives of the wire format: little-endian numbers, strings with a 7-bit encoded UTF-8 length
/// prefix, byte arrays with an int32 length prefix, a presence byte before every nullable field.
/// </summary>
internal sealed class WireWriter(Stream stream) : IDisposable
{
    private readonly BinaryWriter _writer = new(stream, Encoding.UTF8, leaveOpen: true);

    public void Int(int v) => _writer.Write(v);

    public void Long(long v) => _writer.Write(v);

    public void Double(double v) => _writer.Write(v);

    public void Bool(bool v) => _writer.Write(v);

    public void Byte(byte v) => _writer.Write(v);

    public void String(string v) => _writer.Write(v);

    public void Id(ExperimentId id) => _writer.Write(id.Value);

    public void Bytes(byte[] v)
    {
        _writer.Write(v.Length);
        _writer.Write(v);
    }

    public void Optional<T>(T? value, Action<T> write) where T : class
    {
        _writer.Write(value is not null);
        if (value is not null)
        {
            write(value);
        }
    }

    public void Optional<T>(T? value, Action<T> write) where T : struct
    {
        _writer.Write(value.HasValue);
        if (value.HasValue)
        {
            write(value.Value);
        }
    }

    // The path carries the address of the node that owns the actor (Akka adds the local node's address for
    // local actors), so the reader's system resolves it to a remote reference when it is elsewhere.
    public void ActorRef(IActorRef actor) => _writer.Write(Akka.Serialization.Serialization.SerializedActorPath(actor));

    public void Wire(WireSettings wire)
    {
        _writer.Write(wire.ProtocolVersion);
        _writer.Write(wire.MaximumFrameSize);
    }

    public void Timestamp(DateTimeOffset t)
    {
        _writer.Write(t.UtcTicks);
        _writer.Write((short)t.Offset.TotalMinutes);
    }

    public void Tensor(TensorPayload payload)
    {
        _writer.Write((byte)payload.DType);
        _writer.Write(payload.Shape.Length);
        foreach (var d in payload.Shape)
        {
            _writer.Write(d);
        }

        Bytes(payload.Data);
    }

    public void Metrics(RoundMetrics m)
    {
        Int(m.Round);
        Double(m.DLoss);
        Double(m.GLoss);
        Double(m.DReal);
        Double(m.DFake);
        Double(m.GeneratorForwardMs);
        Double(m.DiscriminatorStepMs);
        Double(m.FeedbackMs);
        Double(m.GeneratorUpdateMs);
        Double(m.RoundMs);
        Long(m.ExchangeBytes);
        Terms(m.Terms);
    }

    /// <summary>Named tensors (side inputs): an int32 count, then name (string) and tensor pairs in the dictionary's order.</summary>
    public void NamedTensors(IReadOnlyDictionary<string, TensorPayload> tensors)
    {
        Int(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            String(name);
            Tensor(tensor);
        }
    }

    /// <summary>Named terms: an int32 count, then name (string) and value (double) pairs in the dictionary's order.</summary>
    public void Terms(IReadOnlyDictionary<string, double> terms)
    {
        Int(terms.Count);
        foreach (var (name, value) in terms)
        {
            String(name);
            Double(value);
        }
    }

    public void Summary(ExperimentSummary s)
    {
        Id(s.Id);
        String(s.Name);
        Byte((byte)s.State);
        Int(s.RoundsDone);
        Int(s.RoundsTotal);
        Optional(s.Reason, String);
        Optional(s.LastDLoss, Double);
        Optional(s.LastGLoss, Double);
        Optional(s.LastDReal, Double);
        Optional(s.LastDFake, Double);
        Optional(s.StepsPerSecond, Double);
        Timestamp(s.SubmittedAt);
        Optional(s.GeneratorNode, String);
        Optional(s.DiscriminatorNode, String);
        Optional(s.LastCheckpointRound, Int);
        Int(s.Priority);
        Optional(s.GeneratorDevice, String);
        Optional(s.DiscriminatorDevice, String);
    }

    public void List<T>(IReadOnlyList<T> items, Action<T> write)
    {
        Int(items.Count);
        foreach (var item in items)
        {
            write(item);
        }
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>
/// Reads what <see cref="WireWriter"/> writes; resolves actor references through the actor system. Every
/// length and count is checked against the bytes that remain, so a corrupt frame fails with a clear error
/// instead of a huge allocation.
/// </summary>
internal sealed class WireReader : IDisposable
{
    private readonly BinaryReader _reader;
    private readonly ExtendedActorSystem _system;

    /// <param name="stream">The message's bytes: a stream whose Length is the message's length and Position what was read.</param>
    /// <param name="system">Resolves actor references.</param>
    public WireReader(Stream stream, ExtendedActorSystem system)
    {
        _reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        _system = system;
    }

    public long Remaining => _reader.BaseStream.Length - _reader.BaseStream.Position;

    public int Int() => _reader.ReadInt32();

    public long Long() => _reader.ReadInt64();

    public double Double() => _reader.ReadDouble();

    public bool Bool() => _reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new InvalidDataException($"a boolean or presence byte is {b}; expected 0 or 1"),
    };

    public byte Byte() => _reader.ReadByte();

    public string String() => _reader.ReadString();

    public ExperimentId Id() => new(_reader.ReadString());

    public T Enum<T>() where T : struct, Enum
    {
        var value = _reader.ReadByte();
        var result = (T)System.Enum.ToObject(typeof(T), value);
        return System.Enum.IsDefined(result) ? result : throw new InvalidDataException($"{value} is not a {typeof(T).Name}");
    }

    public byte[] Bytes()
    {
        var length = _reader.ReadInt32();
        if (length < 0 || length > Remaining)
        {
            throw new InvalidDataException($"a byte field promises {length} bytes but {Remaining} remain");
        }

        return _reader.ReadBytes(length);
    }

    public T? Optional<T>(Func<T> read) where T : class => Bool() ? read() : null;

    public T? OptionalValue<T>(Func<T> read) where T : struct => Bool() ? read() : null;

    public IActorRef ActorRef() => _system.Provider.ResolveActorRef(_reader.ReadString());

    public WireSettings Wire() => new(_reader.ReadInt32(), _reader.ReadInt64());

    public DateTimeOffset Timestamp()
    {
        var utcTicks = _reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(_reader.ReadInt16());
        return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(offset);
    }

    public TensorPayload Tensor()
    {
        var dtype = Enum<TensorDType>();
        var rank = _reader.ReadInt32();
        if (rank < 0 || rank > Remaining / sizeof(long))
        {
            throw new InvalidDataException($"a tensor claims rank {rank} but {Remaining} bytes remain");
        }

        var shape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = _reader.ReadInt64();
        }

        return new TensorPayload(dtype, shape, Bytes());
    }

    public RoundMetrics Metrics() => new(Int(), Double(), Double(), Double(), Double(), Double(), Double(), Double(), Double(), Double(), Long()) { Terms = Terms() };

    public IReadOnlyDictionary<string, TensorPayload> NamedTensors()
    {
        var tensors = Named(Tensor, "side input");
        return tensors.Count == 0 ? FakeBatch.NoSideInputs : tensors;
    }

    public IReadOnlyDictionary<string, double> Terms() => Named(Double, "term");

    /// <summary>An int32 count, then name and value pairs; a name given twice is damage, not a later value.</summary>
    private Dictionary<string, T> Named<T>(Func<T> read, string what)
    {
        var count = Int();
        if (count < 0 || count > Remaining)
        {
            throw new InvalidDataException($"{what}s claim {count} entries but {Remaining} bytes remain");
        }

        var values = new Dictionary<string, T>(count);
        for (var i = 0; i < count; i++)
        {
            var name = String();
            if (!values.TryAdd(name, read()))
            {
                throw new InvalidDataException($"the {what} '{name}' appears twice");
            }
        }

        return values;
    }

    public ExperimentSummary Summary() => new(
        Id(), String(), Enum<ExperimentState>(), Int(), Int(), Optional(String), OptionalValue(Double), OptionalValue(Double), OptionalValue(Double),
        OptionalValue(Double), OptionalValue(Double), Timestamp(), Optional(String), Optional(String), OptionalValue(Int), Int(), Optional(String), Optional(String));

    public IReadOnlyList<T> List<T>(Func<T> read)
    {
        var count = Int();
        if (count < 0 || count > Remaining)
        {
            throw new InvalidDataException($"a list claims {count} items but {Remaining} bytes remain");
        }

        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(read());
        }

        return list;
    }

    public void Dispose() => _reader.Dispose();
}

/// <summary>
/// The next <c>length</c> bytes of another stream as a read-only stream of that length: a message read straight from a
/// connection (the exchange channel), so a tensor's bytes go from the socket into its payload with no frame array.
/// </summary>
internal sealed class SliceReadStream(Stream inner, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _position);
        if (wanted == 0)
        {
            return 0;
        }

        var got = inner.Read(buffer[..wanted]);
        _position += got;
        return got;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A write-only stream that only counts, for the sizing pass of <see cref="GanClusterSerializer.ToBinary"/>.</summary>
internal sealed class CountingStream : Stream
{
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => _length += count;

    public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

    public override void WriteByte(byte value) => _length++;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
