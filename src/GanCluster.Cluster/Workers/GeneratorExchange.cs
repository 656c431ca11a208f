using Akka.Actor;
using GanCluster.Cluster.Exchange;
using GanCluster.Protocol;
using GanCluster.Training.Loop;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// The generator's route to its discriminator: the exchange channel when <see cref="ExchangeLink"/> opened one, else
/// remoting; and the round's batches as sent until they are answered, for a channel that closes mid-round may have lost
/// some (they are sent again over remoting, and the discriminator answers a repeated batch from its cache).
/// </summary>
internal sealed class GeneratorExchange
{
    private readonly List<(ScheduleSlot Slot, FakeBatch Batch)> _sent = [];
    private IActorRef? _link;

    /// <summary>The open exchange channel; null keeps the exchange on remoting.</summary>
    public IActorRef? Channel { get; private set; }

    /// <summary>Asks for the channel (a child link); its answer comes as ExchangeLink.Ready or Unavailable.</summary>
    public void Open(IActorContext context, ExperimentId id, IActorRef peer, ExchangeChannelSettings settings) =>
        _link = context.ActorOf(ExchangeLink.Props(id, peer, settings));

    /// <summary>True when a message comes from the current link (not from one of an earlier assignment).</summary>
    public bool IsLink(IActorRef sender) => sender.Equals(_link);

    /// <summary>The link's answer: the channel, or null for remoting.</summary>
    public void Answered(IActorRef? channel)
    {
        Channel = channel;
        _link = channel is null ? null : _link;
    }

    /// <summary>Bytes of tensors a batch carries.</summary>
    public static long PayloadBytes(FakeBatch batch) =>
        batch.Samples.Data.LongLength + (batch.Labels?.Data.LongLength ?? 0) + batch.SideInputs.Values.Sum(t => t.Data.LongLength);

    public void NewRound() => _sent.Clear();

    public void Sent(ScheduleSlot slot, FakeBatch batch) => _sent.Add((slot, batch));

    /// <summary>The open channel ended: the exchange goes on over remoting; returns the sent batches still unanswered.</summary>
    public IReadOnlyList<FakeBatch> Lost(Func<ScheduleSlot, bool> isUnanswered)
    {
        _link = null;
        Channel = null;
        return _sent.Where(s => isUnanswered(s.Slot)).Select(s => s.Batch).ToList();
    }

    /// <summary>Closes the channel (stopping the link closes its connection) and forgets what was sent.</summary>
    public void Close(IActorContext context)
    {
        if (_link is not null)
        {
            context.Stop(_link);
        }

        _link = null;
        Channel = null;
        _sent.Clear();
    }
}
