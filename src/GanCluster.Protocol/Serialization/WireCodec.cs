using System.Text;
using Akka.Actor;

namespace GanCluster.Protocol.Serialization;

/// <summary>Writes the primitives of the wire format (little-endian, length-prefixed, presence bytes for nullables).</summary>
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

    public void ActorRef(IActorRef actor) => _writer.Write(Akka.Serialization.Serialization.SerializedActorPath(actor));

    public void Wire(WireSettings wire)
    {
        _writer.Write(wire.ProtocolVersion);
        _writer.Write(wire.MaximumFrameSize);
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
        Long(s.SubmittedAt.UtcTicks);
        Optional(s.GeneratorNode, String);
        Optional(s.DiscriminatorNode, String);
        Optional(s.LastCheckpointRound, Int);
        Int(s.Priority);
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

/// <summary>Reads what <see cref="WireWriter"/> writes; resolves actor references through the actor system.</summary>
internal sealed class WireReader(byte[] bytes, ExtendedActorSystem system) : IDisposable
{
    private readonly BinaryReader _reader = new(new MemoryStream(bytes, writable: false), Encoding.UTF8);

    public int Int() => _reader.ReadInt32();

    public long Long() => _reader.ReadInt64();

    public double Double() => _reader.ReadDouble();

    public bool Bool() => _reader.ReadBoolean();

    public byte Byte() => _reader.ReadByte();

    public string String() => _reader.ReadString();

    public ExperimentId Id() => new(_reader.ReadString());

    public byte[] Bytes()
    {
        var length = _reader.ReadInt32();
        var data = _reader.ReadBytes(length);
        if (data.Length != length)
        {
            throw new EndOfStreamException($"a byte field promises {length} bytes but {data.Length} remain");
        }

        return data;
    }

    public T? Optional<T>(Func<T> read) where T : class => _reader.ReadBoolean() ? read() : null;

    public T? OptionalValue<T>(Func<T> read) where T : struct => _reader.ReadBoolean() ? read() : null;

    public IActorRef ActorRef() => system.Provider.ResolveActorRef(_reader.ReadString());

    public WireSettings Wire() => new(_reader.ReadInt32(), _reader.ReadInt64());

    public TensorPayload Tensor()
    {
        var dtype = (TensorDType)_reader.ReadByte();
        var rank = _reader.ReadInt32();
        var shape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = _reader.ReadInt64();
        }

        return new TensorPayload(dtype, shape, Bytes());
    }

    public RoundMetrics Metrics() => new(Int(), Double(), Double(), Double(), Double(), Double(), Double(), Double(), Double(), Double(), Long());

    public ExperimentSummary Summary() => new(
        Id(), String(), (ExperimentState)Byte(), Int(), Int(), Optional(String), OptionalValue(Double), OptionalValue(Double), OptionalValue(Double),
        OptionalValue(Double), OptionalValue(Double), new DateTimeOffset(Long(), TimeSpan.Zero), Optional(String), Optional(String), OptionalValue(Int), Int());

    public IReadOnlyList<T> List<T>(Func<T> read)
    {
        var count = Int();
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(read());
        }

        return list;
    }

    public void Dispose() => _reader.Dispose();
}
