using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Transfer;

/// <summary>
/// Held by an actor that receives chunked messages: acknowledges every accepted chunk to its sender (which
/// opens the sender's window) and deserializes the message with the system's serialization once complete,
/// so the actor handles it as if it had arrived in one piece:
/// <code>
/// Receive&lt;MessageChunk&gt;(chunk =&gt;
/// {
///     if (_chunks.TryAccept(chunk, Sender, out var message)) Self.Forward(message);
/// });
/// </code>
/// A transfer with an inconsistent chunk is dropped, logged, and remembered: its later chunks are neither
/// kept nor acknowledged, so the sender stalls and reports <see cref="BulkSendFailed"/> instead of the
/// receiver collecting a message that can never complete. Not thread-safe: use it from one actor.
/// </summary>
public sealed class ChunkReceiver
{
    private const int RememberedFailures = 256;

    private sealed class Incoming(Reassembler reassembler)
    {
        public Reassembler Reassembler { get; } = reassembler;

        public long LastChunk { get; set; } = Stopwatch.GetTimestamp();
    }

    private readonly ActorSystem _system;
    private readonly int _maximumChunks;
    private readonly Dictionary<(IActorRef Sender, long TransferId), Incoming> _transfers = [];
    private readonly HashSet<(IActorRef Sender, long TransferId)> _failed = [];
    private readonly Queue<(IActorRef Sender, long TransferId)> _failedOrder = new();
    private readonly ILoggingAdapter _log;

    public ChunkReceiver(ActorSystem system, int maximumChunks = Reassembler.DefaultMaximumChunks)
    {
        _system = system;
        _maximumChunks = maximumChunks;
        _log = Logging.GetLogger(system, typeof(ChunkReceiver));
    }

    /// <summary>Transfers with some but not all chunks received.</summary>
    public int InProgress => _transfers.Count;

    /// <summary>Why the last transfer was dropped, for logs and specs.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Takes one chunk from <paramref name="sender"/> (the sending <see cref="BulkSender"/>); true, with the
    /// deserialized message, when it completed a transfer.
    /// </summary>
    public bool TryAccept(MessageChunk chunk, IActorRef sender, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out object? message)
    {
        message = null;
        var key = (sender, chunk.TransferId);
        if (_failed.Contains(key))
        {
            return false;
        }

        Reassembler reassembler;
        try
        {
            if (!_transfers.TryGetValue(key, out var incoming))
            {
                incoming = new Incoming(new Reassembler(chunk, _maximumChunks));
                _transfers[key] = incoming;
            }

            incoming.LastChunk = Stopwatch.GetTimestamp();
            reassembler = incoming.Reassembler;
            reassembler.Add(chunk);
        }
        catch (InvalidDataException e)
        {
            Drop(key, e.Message);
            return false;
        }

        sender.Tell(new MessageChunkAck(chunk.TransferId, chunk.Index), ActorRefs.NoSender);
        if (!reassembler.IsComplete)
        {
            return false;
        }

        _transfers.Remove(key);
        try
        {
            message = _system.Serialization.Deserialize(reassembler.Assemble(), reassembler.SerializerId, reassembler.Manifest);
            return true;
        }
        catch (Exception e)
        {
            // Every chunk was acknowledged, so the sender believes the transfer succeeded: this is logged as an error.
            Drop(key, $"complete, but cannot be deserialized (serializer {reassembler.SerializerId}, manifest '{reassembler.Manifest}'): {e.Message}", error: true);
            return false;
        }
    }

    /// <summary>Drops the partial transfers of a sender that is gone; returns how many.</summary>
    public int DropTransfersFrom(IActorRef sender) => DropWhere(k => k.Sender.Equals(sender), "the sender is gone");

    /// <summary>Drops partial transfers that received no chunk for <paramref name="maximumIdle"/>; returns how many.</summary>
    public int DropIdle(TimeSpan maximumIdle) => DropWhere(k => Stopwatch.GetElapsedTime(_transfers[k].LastChunk) > maximumIdle, $"no chunk for {maximumIdle}");

    private int DropWhere(Func<(IActorRef Sender, long TransferId), bool> predicate, string reason)
    {
        var keys = _transfers.Keys.Where(predicate).ToList();
        foreach (var key in keys)
        {
            Drop(key, reason);
        }

        return keys.Count;
    }

    private void Drop((IActorRef Sender, long TransferId) key, string reason, bool error = false)
    {
        _transfers.Remove(key);
        if (_failed.Add(key))
        {
            _failedOrder.Enqueue(key);
            if (_failedOrder.Count > RememberedFailures)
            {
                _failed.Remove(_failedOrder.Dequeue());
            }
        }

        LastError = $"transfer {key.TransferId} from {key.Sender.Path}: {reason}";
        if (error)
        {
            _log.Error("Dropped {0}", LastError);
        }
        else
        {
            _log.Warning("Dropped {0}", LastError);
        }
    }
}
