using Google.Protobuf;
using Tensorboard;

namespace GanCluster.Training.Tests.Monitoring;

/// <summary>
/// Reads a TensorBoard event file the way TensorBoard does, independently of the writer: TFRecord framing
/// (uint64 length, masked CRC-32C of the length, the Event protobuf, masked CRC-32C of the data), each
/// checksum verified, each record parsed as a tensorboard.Event.
/// </summary>
internal static class EventFile
{
    private static readonly uint[] Table = BuildTable();

    public static IReadOnlyList<Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            Assert.True(bytes.Length - offset >= 12, $"truncated record header at byte {offset}");
            var lengthBytes = bytes.AsSpan(offset, 8);
            var length = BitConverter.ToUInt64(lengthBytes);
            Assert.Equal(MaskedCrc(lengthBytes), BitConverter.ToUInt32(bytes, offset + 8));
            offset += 12;
            Assert.True((ulong)(bytes.Length - offset) >= length + 4, $"truncated record of {length} bytes at byte {offset}");
            var data = bytes.AsSpan(offset, (int)length);
            Assert.Equal(MaskedCrc(data), BitConverter.ToUInt32(bytes, offset + (int)length));
            events.Add(Event.Parser.ParseFrom(data.ToArray()));
            offset += (int)length + 4;
        }

        return events;
    }

    /// <summary>TFRecord's mask: rotate the CRC-32C right by 15 bits and add 0xa282ead8.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
