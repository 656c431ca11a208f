using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using SkiaSharp;
using Tensorboard;

namespace GanCluster.Training.Monitoring;

/// <summary>
/// Writes one TensorBoard event file as TensorBoard's own writer does: TFRecord framing (the length, its masked
/// CRC-32C, the <c>tensorboard.Event</c> protobuf, its masked CRC-32C), wall times in seconds since the Unix epoch (the
/// file-version event included), and images labelled with the colour space of their PNG (grayscale grids as 1, plots
/// with alpha as 4). The protobuf types are TorchSharp's; its SummaryWriter is not used because it stamps the
/// file-version event in .NET ticks and labels every PNG as RGBA.
/// </summary>
public sealed class TensorBoardWriter
{
    private static int _files;
    private readonly object _gate = new();

    /// <param name="folder">The log directory (created when missing); each writer adds a file of its own.</param>
    public TensorBoardWriter(string folder, DateTimeOffset? at = null)
    {
        Directory.CreateDirectory(folder);
        var now = at ?? DateTimeOffset.UtcNow;
        FilePath = Path.Combine(folder,
            $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Environment.MachineName.ToLowerInvariant()}.{Environment.ProcessId}.{Interlocked.Increment(ref _files)}");
        Write(new Event { WallTime = Seconds(now), FileVersion = "brain.Event:2" });
    }

    /// <summary>The event file.</summary>
    public string FilePath { get; }

    /// <summary>One scalar event per value, all stamped <paramref name="at"/>, appended with one file write.</summary>
    public void Scalars(IEnumerable<KeyValuePair<string, double>> values, long step, DateTimeOffset at)
    {
        var records = new MemoryStream();
        foreach (var (tag, value) in values)
        {
            var summary = new Summary();
            summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
            Frame(new Event { WallTime = Seconds(at), Step = step, Summary = summary }, records);
        }

        Append(records);
    }

    /// <summary>Adds a PNG file as an image of <paramref name="step"/>, with its size and colour space read from the file.</summary>
    public void Image(string tag, string pngPath, long step, DateTimeOffset at)
    {
        var png = File.ReadAllBytes(pngPath);
        using var codec = SKCodec.Create(new MemoryStream(png)) ?? throw new InvalidDataException($"{pngPath} is not an image SkiaSharp can read");
        var summary = new Summary();
        summary.Value.Add(new Summary.Types.Value
        {
            Tag = tag,
            Image = new Summary.Types.Image
            {
                Width = codec.Info.Width,
                Height = codec.Info.Height,
                Colorspace = Colorspace(codec.Info),
                EncodedImageString = ByteString.CopyFrom(png),
            },
        });
        Write(new Event { WallTime = Seconds(at), Step = step, Summary = summary });
    }

    /// <summary>TensorBoard's image colour space: 1 grayscale, 3 RGB, 4 RGBA.</summary>
    public static int Colorspace(SKImageInfo info) => info.ColorType switch
    {
        SKColorType.Gray8 or SKColorType.Alpha8 => 1,
        _ when info.AlphaType == SKAlphaType.Opaque => 3,
        _ => 4,
    };

    /// <summary>TFRecord's checksum: CRC-32C rotated right by 15 bits plus 0xa282ead8.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static double Seconds(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).TotalSeconds;

    private void Write(Event e)
    {
        var record = new MemoryStream();
        Frame(e, record);
        Append(record);
    }

    /// <summary>TFRecord framing: the length, its masked CRC, the event, its masked CRC.</summary>
    private static void Frame(Event e, Stream to)
    {
        var data = e.ToByteArray();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        to.Write(header);
        to.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        to.Write(footer);
    }

    private void Append(MemoryStream records)
    {
        lock (_gate)
        {
            using var file = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            records.WriteTo(file);
        }
    }
}
