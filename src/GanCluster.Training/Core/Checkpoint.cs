using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GanCluster.Training.Options;

namespace GanCluster.Training.Core;

/// <summary>
/// A checkpoint is damaged: a file with the wrong magic, truncated, or with a SHA-256 mismatch; or a stored blob (a
/// half's state on the coordinator's database) whose bytes do not match the hash recorded with it, in which case the
/// blob's experiment, round, role and both hashes are set. The coordinator answers the latter by falling back to the
/// previous checkpoint.
/// </summary>
public sealed class CorruptCheckpointException : Exception
{
    public CorruptCheckpointException(string message) : base(message)
    {
    }

    public CorruptCheckpointException(string experimentId, int round, string role, string expectedSha256, string actualSha256, long size, string what)
        : base($"{role} checkpoint of experiment '{experimentId}' round {round}: {what}; its SHA-256 is {actualSha256} ({size} bytes) but {expectedSha256} was recorded")
    {
        ExperimentId = experimentId;
        Round = round;
        Role = role;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
        Size = size;
    }

    /// <summary>The stored blob's experiment (null for a damaged file).</summary>
    public string? ExperimentId { get; }

    public int? Round { get; }

    public string? Role { get; }

    /// <summary>The hash recorded with the blob.</summary>
    public string? ExpectedSha256 { get; }

    /// <summary>The hash of the bytes actually found.</summary>
    public string? ActualSha256 { get; }

    public long? Size { get; }
}

/// <summary>The one SHA-256 helper: lowercase hex, the form recorded with checkpoints, blobs and bundled weights.</summary>
public static class Hashing
{
    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>
/// A checkpoint that fully resumes a run: both halves (weights, optimizer state, random generator state,
/// data position), the round counter and the resolved options. The file carries a SHA-256 over its whole
/// content and one per half; <see cref="Load"/> verifies both. Written to a temporary file and renamed,
/// so a process killed while writing never leaves a half-written checkpoint under the final name.
/// </summary>
public sealed record Checkpoint(ExperimentSpec Spec, int Round, HalfState Generator, HalfState Discriminator)
{
    private static readonly byte[] Magic = "GANCKPT1"u8.ToArray();

    private sealed record Header(int Round, string GeneratorSha256, string DiscriminatorSha256, ExperimentSpec Spec, DateTimeOffset CreatedAt);

    public byte[] ToBytes()
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new Header(Round, Generator.Sha256, Discriminator.Sha256, Spec, DateTimeOffset.UtcNow), SpecJson.Options);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(header.Length);
            writer.Write(header);
            writer.Write(Generator.Data.Length);
            writer.Write(Generator.Data);
            writer.Write(Discriminator.Data.Length);
            writer.Write(Discriminator.Data);
        }

        var content = stream.ToArray();
        var hash = SHA256.HashData(content);
        return [.. content, .. hash];
    }

    public static Checkpoint FromBytes(byte[] bytes, string origin = "checkpoint")
    {
        if (bytes.Length < Magic.Length + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CorruptCheckpointException($"{origin}: not a GanCluster checkpoint (bad magic or too short: {bytes.Length} bytes)");
        }

        var content = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
        {
            throw new CorruptCheckpointException($"{origin}: SHA-256 mismatch (the file is truncated or damaged)");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32, writable: false));
            reader.ReadBytes(Magic.Length);
            var header = JsonSerializer.Deserialize<Header>(reader.ReadBytes(reader.ReadInt32()), SpecJson.Options)
                ?? throw new CorruptCheckpointException($"{origin}: empty header");
            var generator = new HalfState(reader.ReadBytes(reader.ReadInt32()));
            var discriminator = new HalfState(reader.ReadBytes(reader.ReadInt32()));
            if (generator.Sha256 != header.GeneratorSha256 || discriminator.Sha256 != header.DiscriminatorSha256)
            {
                throw new CorruptCheckpointException($"{origin}: a half's SHA-256 does not match the header");
            }

            return new Checkpoint(header.Spec, header.Round, generator, discriminator);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException)
        {
            throw new CorruptCheckpointException($"{origin}: unreadable content ({e.Message})");
        }
    }

    /// <summary>Writes atomically: a temporary file in the same folder, flushed, then renamed over the target.</summary>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(ToBytes());
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static Checkpoint Load(string path) => FromBytes(File.ReadAllBytes(path), path);
}
