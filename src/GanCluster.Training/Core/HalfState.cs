using TorchSharp;

namespace GanCluster.Training.Core;

/// <summary>
/// The serialized state of one half (network weights and buffers, optimizer state, random generator
/// state, data position): everything needed to resume it exactly. The bytes are what checkpoints store
/// and what the cluster moves; <see cref="Sha256"/> guards them.
/// </summary>
public sealed record HalfState(byte[] Data)
{
    public string Sha256 => Hashing.Sha256Hex(Data);

    internal const int FormatVersion = 1;

    internal static HalfState Write(string magic, Action<BinaryWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(magic);
            writer.Write(FormatVersion);
            body(writer);
        }

        return new HalfState(stream.ToArray());
    }

    internal void Read(string magic, Action<BinaryReader> body)
    {
        using var reader = new BinaryReader(new MemoryStream(Data, writable: false));
        var found = reader.ReadString();
        if (found != magic)
        {
            throw new InvalidDataException($"half state is a '{found}' state; expected '{magic}'");
        }

        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"half state format {version} is not supported (this build reads {FormatVersion})");
        }

        body(reader);
    }

    internal static void WriteBlock(BinaryWriter writer, Action<BinaryWriter> block)
    {
        using var inner = new MemoryStream();
        using (var innerWriter = new BinaryWriter(inner, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            block(innerWriter);
        }

        writer.Write(inner.Length);
        writer.Write(inner.GetBuffer(), 0, (int)inner.Length);
    }

    internal static BinaryReader ReadBlock(BinaryReader reader)
    {
        var length = reader.ReadInt64();
        return new BinaryReader(new MemoryStream(reader.ReadBytes(checked((int)length)), writable: false));
    }

    internal static void WriteModule(BinaryWriter writer, torch.nn.Module module) => WriteBlock(writer, w => module.save(w));

    internal static void ReadModule(BinaryReader reader, torch.nn.Module module)
    {
        using var block = ReadBlock(reader);
        module.load(block);
    }

    internal static void WriteOptimizer(BinaryWriter writer, torch.optim.Optimizer optimizer) =>
        WriteBlock(writer, w => ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(w));

    internal static void ReadOptimizer(BinaryReader reader, torch.optim.Optimizer optimizer)
    {
        using var block = ReadBlock(reader);
        ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(block);
    }
}
