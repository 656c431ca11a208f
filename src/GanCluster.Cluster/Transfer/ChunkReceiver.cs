using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Transfer;

/// <summary>
/// Held by an actor that receives chunked messages: acknowledges every chunk to its sender (which opens the
/// sender's window) and deserializes the message once complete, so the actor handles it as if it had
/// arrived in one piece. Broken transfers are logged and dropped.
/// </summary>
public sealed class ChunkReceiver(ActorSystem system)
{
    private readonly Dictionary<(IActorRef Sender, long TransferId), Reassembler> _transfers = [];
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, typeof(ChunkReceiver));

    public int InProgress => _transfers.Count;

    public bool TryAccept(MessageChunk chunk, IActorRef sender, out object? message)
    {
        message = null;
        var key = (sender, chunk.TransferId);
        try
        {
            if (!_transfers.TryGetValue(key, out var transfer))
            {
                transfer = new Reassembler(chunk);
                _transfers[key] = transfer;
            }

            transfer.Add(chunk);
            sender.Tell(new MessageChunkAck(chunk.TransferId, chunk.Index), ActorRefs.NoSender);
            if (!transfer.IsComplete)
            {
                return false;
            }

            _transfers.Remove(key);
            message = system.Serialization.Deserialize(transfer.Assemble(), transfer.SerializerId, transfer.Manifest);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or System.Runtime.Serialization.SerializationException or ArgumentException)
        {
            _transfers.Remove(key);
            _log.Warning("Dropped transfer {0} from {1}: {2}", chunk.TransferId, sender.Path, e.Message);
            return false;
        }
    }
}
