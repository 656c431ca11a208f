using Akka.Actor;

namespace GanCluster.Cluster.Transfer;

/// <summary>
/// The one send rule for messages that may be large (halves, fake batches, answers): on the exchange channel when one is
/// open; otherwise told directly when the payload fits one remoting frame with room for its envelope, and handed to the
/// node's <see cref="BulkSender"/> (chunked, windowed) when it does not.
/// </summary>
/// <param name="BulkSender">This node's sender of large messages.</param>
/// <param name="ChunkSize">Largest message told directly, envelope included.</param>
public sealed record Outbox(IActorRef BulkSender, int ChunkSize)
{
    /// <summary>Bytes kept for a message's envelope beside its payload.</summary>
    public const int EnvelopeBytes = 1024;

    /// <summary>Whether a payload of this size is told directly.</summary>
    public bool Fits(long payloadBytes) => payloadBytes + EnvelopeBytes <= ChunkSize;

    /// <summary>Tells <paramref name="message"/> directly or through the bulk sender, as <paramref name="sender"/>.</summary>
    public void Send(IActorRef destination, object message, long payloadBytes, IActorRef sender)
    {
        if (Fits(payloadBytes))
        {
            destination.Tell(message, sender);
        }
        else
        {
            BulkSender.Tell(new BulkSend(destination, message), sender);
        }
    }

    /// <summary>Sends to a peer worker: on its exchange <paramref name="channel"/> when one is open, else as <see cref="Send"/>.</summary>
    public void SendToPeer(IActorRef? channel, IActorRef peer, object message, long payloadBytes, IActorRef sender)
    {
        if (channel is not null)
        {
            channel.Tell(message, ActorRefs.NoSender);
        }
        else
        {
            Send(peer, message, payloadBytes, sender);
        }
    }
}
