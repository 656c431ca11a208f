using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Transfer;

/// <summary>Asks the node's <see cref="BulkSender"/> to deliver a message of any size.</summary>
public sealed record BulkSend(IActorRef Destination, object Message, bool NotifyCompletion = false) : INoSerializationVerificationNeeded;

/// <summary>The last chunk of a transfer was acknowledged.</summary>
public sealed record BulkSendCompleted(long TransferId) : INoSerializationVerificationNeeded;

/// <summary>A transfer was abandoned (destination gone or no progress).</summary>
public sealed record BulkSendFailed(long TransferId, string Reason) : INoSerializationVerificationNeeded;

/// <summary>
/// Delivers messages larger than one remoting frame: serializes them with the system's serializer, splits
/// them into chunks, and keeps at most <see cref="Window"/> unacknowledged chunks of each transfer in
/// flight, so cluster heartbeats sharing the TCP connection never queue behind megabytes of weights.
/// Messages that fit in one chunk are told as they are. One sender per node serves every actor on it.
/// </summary>
public sealed class BulkSender : ReceiveActor, IWithTimers
{
    /// <summary>Unacknowledged chunks per transfer.</summary>
    public const int Window = 4;

    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    private sealed class CheckStalls : INoSerializationVerificationNeeded
    {
        public static readonly CheckStalls Instance = new();
    }

    private sealed class Outgoing(long id, IActorRef destination, IActorRef requester, bool notify, int serializerId, string manifest, IReadOnlyList<byte[]> chunks)
    {
        public long Id { get; } = id;

        public IActorRef Destination { get; } = destination;

        public IActorRef Requester { get; } = requester;

        public bool Notify { get; } = notify;

        public int SerializerId { get; } = serializerId;

        public string Manifest { get; } = manifest;

        public IReadOnlyList<byte[]> Chunks { get; } = chunks;

        public int NextToSend { get; set; }

        public HashSet<int> Unacked { get; } = [];

        public int Acked { get; set; }

        public DateTime LastProgress { get; set; } = DateTime.UtcNow;
    }

    private readonly int _chunkSize;
    private readonly Dictionary<long, Outgoing> _transfers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextId = DateTime.UtcNow.Ticks;

    public BulkSender(int chunkSize)
    {
        _chunkSize = chunkSize;
        Receive<BulkSend>(OnSend);
        Receive<MessageChunkAck>(OnAck);
        Receive<Terminated>(t => Fail(_transfers.Values.Where(x => x.Destination.Equals(t.ActorRef)).ToList(), "the destination terminated"));
        Receive<CheckStalls>(_ => Fail(_transfers.Values.Where(x => DateTime.UtcNow - x.LastProgress > StallTimeout).ToList(), $"no acknowledgement for {StallTimeout.TotalSeconds:F0} s"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(int chunkSize) => Akka.Actor.Props.Create(() => new BulkSender(chunkSize));

    protected override void PreStart() => Timers.StartPeriodicTimer("stalls", CheckStalls.Instance, TimeSpan.FromSeconds(10));

    private void OnSend(BulkSend send)
    {
        var serialization = Context.System.Serialization;
        var serializer = serialization.FindSerializerFor(send.Message);
        var bytes = serializer.ToBinary(send.Message);
        var id = ++_nextId;
        if (bytes.Length <= _chunkSize)
        {
            send.Destination.Tell(send.Message, Sender);
            if (send.NotifyCompletion)
            {
                Sender.Tell(new BulkSendCompleted(id));
            }

            return;
        }

        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, send.Message);
        var transfer = new Outgoing(id, send.Destination, Sender, send.NotifyCompletion, serializer.Identifier, manifest, Chunker.Split(bytes, _chunkSize));
        _transfers[id] = transfer;
        Context.Watch(send.Destination);
        _log.Debug("Transfer {0}: {1} of {2} bytes to {3} in {4} chunks", id, send.Message.GetType().Name, bytes.Length, send.Destination.Path, transfer.Chunks.Count);
        Pump(transfer);
    }

    private void OnAck(MessageChunkAck ack)
    {
        if (!_transfers.TryGetValue(ack.TransferId, out var transfer) || !transfer.Unacked.Remove(ack.Index))
        {
            return;
        }

        transfer.Acked++;
        transfer.LastProgress = DateTime.UtcNow;
        if (transfer.Acked == transfer.Chunks.Count)
        {
            _transfers.Remove(transfer.Id);
            UnwatchIfIdle(transfer.Destination);
            if (transfer.Notify)
            {
                transfer.Requester.Tell(new BulkSendCompleted(transfer.Id));
            }

            return;
        }

        Pump(transfer);
    }

    private void Pump(Outgoing transfer)
    {
        while (transfer.Unacked.Count < Window && transfer.NextToSend < transfer.Chunks.Count)
        {
            var index = transfer.NextToSend++;
            transfer.Unacked.Add(index);
            transfer.Destination.Tell(new MessageChunk(transfer.Id, index, transfer.Chunks.Count, transfer.SerializerId, transfer.Manifest, transfer.Chunks[index]), Self);
        }
    }

    private void Fail(IReadOnlyList<Outgoing> transfers, string reason)
    {
        foreach (var transfer in transfers)
        {
            _transfers.Remove(transfer.Id);
            UnwatchIfIdle(transfer.Destination);
            _log.Warning("Transfer {0} to {1} abandoned: {2}", transfer.Id, transfer.Destination.Path, reason);
            transfer.Requester.Tell(new BulkSendFailed(transfer.Id, reason));
        }
    }

    private void UnwatchIfIdle(IActorRef destination)
    {
        if (!_transfers.Values.Any(t => t.Destination.Equals(destination)))
        {
            Context.Unwatch(destination);
        }
    }
}
