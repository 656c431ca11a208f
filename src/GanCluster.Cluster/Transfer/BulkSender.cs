using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;
using GanCluster.Protocol.Serialization;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace GanCluster.Cluster.Transfer;

/// <summary>Asks the node's <see cref="BulkSender"/> to deliver a message of any size to <paramref name="Destination"/>.</summary>
/// <param name="Destination">The receiving actor; it must pass <see cref="MessageChunk"/>s to a <see cref="ChunkReceiver"/>.</param>
/// <param name="Message">Any message the actor system can serialize.</param>
/// <param name="NotifyCompletion">Reply <see cref="BulkSendCompleted"/> to the requester once the destination acknowledged everything.</param>
public sealed record BulkSend(IActorRef Destination, object Message, bool NotifyCompletion = false) : INoSerializationVerificationNeeded;

/// <summary>The destination acknowledged the whole message (for an unchunked message: it was told).</summary>
public sealed record BulkSendCompleted(long TransferId) : INoSerializationVerificationNeeded;

/// <summary>A transfer was abandoned: the message could not be serialized, the destination terminated, or acknowledgements stopped.</summary>
public sealed record BulkSendFailed(long TransferId, string Reason) : INoSerializationVerificationNeeded;

/// <summary>Tuning of a <see cref="BulkSender"/>.</summary>
/// <param name="ChunkSize">Largest chunk payload in bytes; a message whose serialized form fits is told unchunked.</param>
/// <param name="Window">Unacknowledged chunks in flight per destination node.</param>
/// <param name="StallTimeout">A transfer with chunks in flight and no acknowledgement for this long is abandoned.</param>
public sealed record BulkSenderSettings(int ChunkSize, int Window, TimeSpan StallTimeout)
{
    /// <summary>Room left in a frame for the chunk's envelope (manifest, ids, remoting headers, the sender's path).</summary>
    public const int FrameHeadroom = 64 * 1024;

    /// <summary>1 MiB chunks, a window of 4 (4 MiB in flight per node pair, one 4 MiB frame's worth), 60 s stall timeout.</summary>
    public static readonly BulkSenderSettings Default = new(1 << 20, 4, TimeSpan.FromSeconds(60));

    /// <summary>Throws unless every value is usable and a chunk with its envelope fits in <paramref name="maximumFrameSize"/>.</summary>
    public BulkSenderSettings Validate(long maximumFrameSize)
    {
        if (ChunkSize <= 0 || Window <= 0 || StallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"bulk sender settings must be positive: chunk size {ChunkSize}, window {Window}, stall timeout {StallTimeout}");
        }

        if ((long)ChunkSize + FrameHeadroom > maximumFrameSize)
        {
            throw new ArgumentException(
                $"chunk size {ChunkSize} bytes plus {FrameHeadroom} bytes of envelope exceeds maximum-frame-size {maximumFrameSize}: lower the chunk size or raise the frame size on every node");
        }

        return this;
    }
}

/// <summary>
/// Delivers messages larger than one remoting frame: serializes them with the system's serialization, splits
/// them into <see cref="MessageChunk"/>s and keeps at most <see cref="BulkSenderSettings.Window"/> unacknowledged
/// chunks in flight per destination node, so cluster heartbeats sharing that node pair's TCP connection never
/// queue behind megabytes of weights. Messages that fit in one chunk are told as they are, with the
/// requester as sender.
/// </summary>
/// <remarks>
/// One sender per node serves every actor on it. The window is per destination node (address), not per
/// transfer or per actor, because the resource it protects is the one TCP connection between two nodes:
/// two transfers to two actors on the same node share the window, and transfers to one node run in FIFO
/// order (the next starts as the previous one's last chunks are acknowledged). Chunks are sliced from the
/// serialized message only when sent, so a transfer holds one copy of the message, not two.
/// Receivers see the <see cref="BulkSender"/> as the sender of chunked messages (not the requester): replies
/// to a chunked message must go to an actor reference carried in the message itself.
/// </remarks>
public sealed class BulkSender : ReceiveActor, IWithTimers
{
    private sealed class CheckStalls : INoSerializationVerificationNeeded
    {
        public static readonly CheckStalls Instance = new();
    }

    private sealed class Outgoing(long id, IActorRef destination, IActorRef requester, bool notify, int serializerId, string manifest, byte[] bytes, int chunkSize)
    {
        public long Id { get; } = id;

        public IActorRef Destination { get; } = destination;

        public IActorRef Requester { get; } = requester;

        public bool Notify { get; } = notify;

        public int SerializerId { get; } = serializerId;

        public string Manifest { get; } = manifest;

        public byte[] Bytes { get; } = bytes;

        public int ChunkCount { get; } = Chunker.CountFor(bytes.Length, chunkSize);

        public int NextToSend { get; set; }

        public HashSet<int> Unacked { get; } = [];

        public int Acked { get; set; }

        public long LastProgress { get; set; } = Stopwatch.GetTimestamp();
    }

    /// <summary>Transfers to one node, oldest first, sharing one window.</summary>
    private sealed class Lane
    {
        public List<Outgoing> Transfers { get; } = [];

        public int InFlight { get; set; }
    }

    private readonly BulkSenderSettings _settings;
    private readonly Dictionary<long, Outgoing> _transfers = [];
    private readonly Dictionary<Address, Lane> _lanes = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Starts from the clock so a restarted sender does not reuse the ids of transfers its receivers may still hold.
    private long _nextId = DateTime.UtcNow.Ticks;

    public BulkSender(BulkSenderSettings settings)
    {
        _settings = settings;
        Receive<BulkSend>(OnSend);
        Receive<MessageChunkAck>(OnAck);
        Receive<Terminated>(t => Fail(_transfers.Values.Where(x => x.Destination.Equals(t.ActorRef)).ToList(), "the destination terminated"));
        Receive<CheckStalls>(_ => Fail(
            _transfers.Values.Where(x => x.Unacked.Count > 0 && Stopwatch.GetElapsedTime(x.LastProgress) > _settings.StallTimeout).ToList(),
            $"no acknowledgement for {_settings.StallTimeout.TotalSeconds:F0} s"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A sender with chunks of <paramref name="chunkSize"/> bytes and the default window and stall timeout.</summary>
    public static Props Props(int chunkSize) => Props(BulkSenderSettings.Default with { ChunkSize = chunkSize });

    public static Props Props(BulkSenderSettings settings) => Akka.Actor.Props.Create(() => new BulkSender(settings));

    protected override void PreStart()
    {
        var checkEvery = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _settings.StallTimeout.Ticks / 4));
        Timers.StartPeriodicTimer("stalls", CheckStalls.Instance, checkEvery);
    }

    private void OnSend(BulkSend send)
    {
        var id = ++_nextId;
        byte[] bytes;
        int serializerId;
        string manifest;
        try
        {
            // WithTransport makes actor references inside the message serialize with this node's address.
            var system = (ExtendedActorSystem)Context.System;
            var serializer = system.Serialization.FindSerializerFor(send.Message);

            // GanCluster messages know their size from a counting pass: a message that fits in one chunk is told
            // as it is without being serialized here first (remoting serializes it anyway), which saved a full
            // copy of every fake batch and gradient (313,600 bytes for the MLP) per hop.
            if (serializer is GanClusterSerializer && AkkaSerialization.WithTransport(system, () => GanClusterSerializer.SerializedSize(send.Message)) <= _settings.ChunkSize)
            {
                TellUnchunked(send, id);
                return;
            }

            bytes = AkkaSerialization.WithTransport(system, () => serializer.ToBinary(send.Message));
            serializerId = serializer.Identifier;
            manifest = AkkaSerialization.ManifestFor(serializer, send.Message);
        }
        catch (Exception e)
        {
            _log.Error(e, "Transfer {0}: cannot serialize {1}", id, send.Message.GetType().Name);
            Sender.Tell(new BulkSendFailed(id, $"cannot serialize {send.Message.GetType().Name}: {e.Message}"));
            return;
        }

        // Small messages travel as they are (remoting serializes them again; for messages under a chunk that
        // costs less than a copy of a large one would).
        if (bytes.Length <= _settings.ChunkSize)
        {
            TellUnchunked(send, id);
            return;
        }

        var transfer = new Outgoing(id, send.Destination, Sender, send.NotifyCompletion, serializerId, manifest, bytes, _settings.ChunkSize);
        _transfers[id] = transfer;
        LaneOf(send.Destination).Transfers.Add(transfer);
        Context.Watch(send.Destination);
        _log.Debug("Transfer {0}: {1} of {2} bytes to {3} in {4} chunks", id, send.Message.GetType().Name, bytes.Length, send.Destination.Path, transfer.ChunkCount);
        Pump(LaneOf(send.Destination));
    }

    private void TellUnchunked(BulkSend send, long id)
    {
        send.Destination.Tell(send.Message, Sender);
        if (send.NotifyCompletion)
        {
            Sender.Tell(new BulkSendCompleted(id));
        }
    }

    private void OnAck(MessageChunkAck ack)
    {
        if (!_transfers.TryGetValue(ack.TransferId, out var transfer) || !transfer.Unacked.Remove(ack.Index))
        {
            return;
        }

        var lane = LaneOf(transfer.Destination);
        lane.InFlight--;
        transfer.Acked++;
        transfer.LastProgress = Stopwatch.GetTimestamp();
        if (transfer.Acked == transfer.ChunkCount)
        {
            Remove(transfer);
            if (transfer.Notify)
            {
                transfer.Requester.Tell(new BulkSendCompleted(transfer.Id));
            }
        }

        Pump(lane);
    }

    private void Pump(Lane lane)
    {
        foreach (var transfer in lane.Transfers)
        {
            while (lane.InFlight < _settings.Window && transfer.NextToSend < transfer.ChunkCount)
            {
                var index = transfer.NextToSend++;
                if (transfer.Unacked.Count == 0)
                {
                    transfer.LastProgress = Stopwatch.GetTimestamp();
                }

                transfer.Unacked.Add(index);
                lane.InFlight++;
                var data = Chunker.Slice(transfer.Bytes, _settings.ChunkSize, index);
                transfer.Destination.Tell(new MessageChunk(transfer.Id, index, transfer.ChunkCount, transfer.SerializerId, transfer.Manifest, data), Self);
            }

            if (lane.InFlight >= _settings.Window)
            {
                return;
            }
        }
    }

    private void Fail(IReadOnlyList<Outgoing> transfers, string reason)
    {
        var lanes = new HashSet<Lane>();
        foreach (var transfer in transfers)
        {
            var lane = LaneOf(transfer.Destination);
            lane.InFlight -= transfer.Unacked.Count;
            lanes.Add(lane);
            Remove(transfer);
            _log.Warning("Transfer {0} to {1} abandoned after {2} of {3} chunks: {4}", transfer.Id, transfer.Destination.Path, transfer.Acked, transfer.ChunkCount, reason);
            transfer.Requester.Tell(new BulkSendFailed(transfer.Id, reason));
        }

        foreach (var lane in lanes)
        {
            Pump(lane);
        }
    }

    private void Remove(Outgoing transfer)
    {
        _transfers.Remove(transfer.Id);
        var address = transfer.Destination.Path.Address;
        var lane = _lanes[address];
        lane.Transfers.Remove(transfer);
        if (lane.Transfers.Count == 0)
        {
            _lanes.Remove(address);
        }

        if (!_transfers.Values.Any(t => t.Destination.Equals(transfer.Destination)))
        {
            Context.Unwatch(transfer.Destination);
        }
    }

    private Lane LaneOf(IActorRef destination)
    {
        var address = destination.Path.Address;
        if (!_lanes.TryGetValue(address, out var lane))
        {
            lane = new Lane();
            _lanes[address] = lane;
        }

        return lane;
    }
}
