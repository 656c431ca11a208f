using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using GanCluster.Protocol;
using GanCluster.Protocol.Serialization;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace GanCluster.Cluster.Exchange;

/// <summary>Settings of the exchange channel, the dedicated stream between a generator and its discriminator.</summary>
/// <param name="BindHost">Address the discriminator's listener binds (the node's bind address).</param>
/// <param name="PublicHost">Address the generator connects to (the node's advertised address).</param>
/// <param name="Port">Listener port; 0 picks a free one (the generator learns it over remoting).</param>
/// <param name="MaximumFrameSize">Largest message on the channel; it carries whole tensors, unchunked.</param>
/// <param name="ConnectTimeout">How long a generator waits for the channel before it falls back to remoting.</param>
/// <param name="Certificate">
/// The cluster's certificate when remoting uses TLS: the channel then runs TLS too, mutually authenticated and
/// pinned to this very certificate like remoting (<c>RemotingTls</c>); null for plain TCP.
/// </param>
public sealed record ExchangeChannelSettings(string BindHost, string PublicHost, int Port, int MaximumFrameSize, TimeSpan ConnectTimeout, X509Certificate2? Certificate = null)
{
    /// <summary>Reads <c>gancluster.exchange</c>; null when the channel is switched off.</summary>
    public static ExchangeChannelSettings? FromConfig(Config config, string bindHost, string publicHost, X509Certificate2? certificate)
    {
        if (!config.GetBoolean("gancluster.exchange.channel", true))
        {
            return null;
        }

        return new ExchangeChannelSettings(
            bindHost,
            publicHost,
            config.GetInt("gancluster.exchange.port", 0),
            (int)(config.GetByteSize("gancluster.exchange.maximum-frame-size") ?? (256L << 20)),
            config.GetTimeSpan("gancluster.exchange.connect-timeout", TimeSpan.FromSeconds(10)),
            certificate);
    }
}

/// <summary>A bound exchange listener: its address, and how to stop accepting.</summary>
public sealed class ExchangeBinding(EndPoint localAddress, Func<Task> unbind)
{
    public EndPoint LocalAddress { get; } = localAddress;

    public Task Unbind() => unbind();
}

/// <summary>A message that arrived on an exchange connection; replies go to <paramref name="Connection"/>.</summary>
public sealed record ExchangeInbound(IActorRef Connection, object Message) : INoSerializationVerificationNeeded;

/// <summary>An exchange connection ended (closed by either side, or failed).</summary>
public sealed record ExchangeClosed(IActorRef Connection, string Reason) : INoSerializationVerificationNeeded;

/// <summary>
/// The exchange channel: a TCP connection (in <see cref="SslStream"/> when the cluster has a certificate) between the
/// paired workers, apart from the remoting connection that carries cluster heartbeats and coordinator traffic.
/// Remoting (DotNetty) costs 4-8x the raw transfer time per tensor and shares its connection with heartbeats; on this
/// connection a message is one length-prefixed frame of the actor system's own serialization
/// (<see cref="ExchangeFraming"/>), so the wire format and the message types are those of remoting, without chunking.
/// A connection is an actor reference (an Akka.Streams queue): messages told to it are written in order by one writer,
/// a tensor's bytes straight from its message into the socket; a reader turns frames back into messages and tells them
/// to the recipient as <see cref="ExchangeInbound"/>, and the end of the connection as <see cref="ExchangeClosed"/>.
/// Membership, failure detection and the schedule stay with the cluster: when a connection fails, the workers fall
/// back to remoting.
/// </summary>
public static class ExchangeChannel
{
    // Messages queued per connection before the stream fails; the schedule keeps at most k + 1 tensors in flight.
    private const int OutboundBuffer = 256;

    /// <summary>Binds a listener; every accepted connection's messages go to <paramref name="recipient"/>.</summary>
    public static Task<ExchangeBinding> Listen(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, IActorRef recipient)
    {
        try
        {
            return Task.FromResult(ExchangeSockets.Listen(settings, stream =>
            {
                var (connection, outbound) = Outbound(materializer);
                NotifyClosed(Run(system, materializer, settings, stream, outbound, connection, recipient), connection, recipient);
            }));
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return Task.FromException<ExchangeBinding>(e);
        }
    }

    /// <summary>
    /// Connects to a listener. Returns the connection at once (messages told to it wait for the connection) and a
    /// task that completes when the connection is up (TCP connected, and TLS authenticated when on) or fails when it cannot be.
    /// </summary>
    public static (IActorRef Connection, Task Connected) Connect(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, string host, int port, IActorRef recipient)
    {
        var (connection, outbound) = Outbound(materializer);
        var connected = ExchangeSockets.ConnectAsync(host, port, settings.Certificate, settings.ConnectTimeout);
        connected.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    NotifyClosed(Run(system, materializer, settings, t.Result, outbound, connection, recipient), connection, recipient);
                }
                else
                {
                    Close(connection);
                    recipient.Tell(new ExchangeClosed(connection, t.Exception?.GetBaseException().Message ?? "cancelled"), ActorRefs.NoSender);
                }
            },
            TaskContinuationOptions.ExecuteSynchronously);
        return (connection, connected);
    }

    /// <summary>Closes a connection after the messages already told to it are sent.</summary>
    public static void Close(IActorRef connection) => connection.Tell(new Status.Success(NotUsed.Instance), ActorRefs.NoSender);

    /// <summary>
    /// Runs a connection over an established stream: the writer takes the queued messages one at a time (on the thread
    /// pool: a socket write may block), the reader delivers frames until the peer closes. The first of the two to end
    /// ends the connection: the stream is closed (which ends the other) and the reason is the one that ended first,
    /// "closed" for a clean end of either side.
    /// </summary>
    private static async Task<string> Run(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, Stream stream, Source<object, NotUsed> outbound, IActorRef connection, IActorRef recipient)
    {
        var serialization = system.Serialization;
        var writer = new BufferedStream(stream, ExchangeFraming.BufferSize);
        var written = outbound.RunWith(
            Sink.ForEachAsync<object>(1, message => Task.Run(() => ExchangeFraming.Write(writer, serialization, message, settings.MaximumFrameSize))),
            materializer);
        var read = ExchangeFraming.ReadAll(stream, serialization, settings.MaximumFrameSize, message => recipient.Tell(new ExchangeInbound(connection, message), ActorRefs.NoSender));
        var first = await Task.WhenAny(written, read).ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
        if (first == read)
        {
            // The queue may be idle: complete it so its actor stops (a write already under way fails on the closed stream).
            Close(connection);
        }

        _ = written.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        _ = read.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        return first.IsFaulted ? first.Exception!.GetBaseException().Message : "closed";
    }

    private static (IActorRef Connection, Source<object, NotUsed> Outbound) Outbound(IMaterializer materializer) =>
        Source.ActorRef<object>(OutboundBuffer, OverflowStrategy.Fail).PreMaterialize(materializer);

    private static void NotifyClosed(Task<string> closed, IActorRef connection, IActorRef recipient) =>
        closed.ContinueWith(
            t => recipient.Tell(new ExchangeClosed(connection, t.IsFaulted ? t.Exception!.GetBaseException().Message : t.Result), ActorRefs.NoSender),
            TaskContinuationOptions.ExecuteSynchronously);
}

/// <summary>
/// One message per frame: a 4-byte big-endian length (Akka's simple framing protocol), then the serializer id
/// (int32, little-endian), the manifest (uint16 length + UTF-8) and the serialized message. The actor system's
/// serialization is used, so every message is bound to an explicit serializer exactly as on remoting; GanCluster's own
/// messages are written straight into the stream (<see cref="GanClusterSerializer.WriteTo"/>), without an array of
/// the message in between.
/// </summary>
public static class ExchangeFraming
{
    /// <summary>Buffer of the writer and the reader: small fields coalesce, a tensor's bytes pass through it.</summary>
    public const int BufferSize = 64 << 10;

    private const int HeaderSize = 6;

    /// <summary>Writes one frame holding <paramref name="message"/> and flushes it.</summary>
    public static void Write(Stream stream, AkkaSerialization serialization, object message, int maximumFrameSize)
    {
        var serializer = serialization.FindSerializerFor(message);
        var manifest = Encoding.UTF8.GetBytes(AkkaSerialization.ManifestFor(serializer, message));
        var direct = serializer is GanClusterSerializer;
        var body = direct ? null : serializer.ToBinary(message);
        var frameLength = HeaderSize + manifest.Length + (direct ? GanClusterSerializer.SerializedSize(message) : body!.Length);
        if (frameLength > maximumFrameSize)
        {
            throw new InvalidDataException(
                $"{message.GetType().Name} of {frameLength} bytes is larger than the exchange channel's frame limit ({maximumFrameSize} bytes, gancluster.exchange.maximum-frame-size)");
        }

        var header = new byte[4 + HeaderSize + manifest.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, (int)frameLength);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), serializer.Identifier);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), checked((ushort)manifest.Length));
        manifest.CopyTo(header, 4 + HeaderSize);
        stream.Write(header);
        if (direct)
        {
            GanClusterSerializer.WriteTo(stream, message);
        }
        else
        {
            stream.Write(body);
        }

        stream.Flush();
    }

    /// <summary>
    /// Reads frames from <paramref name="stream"/> on a thread of its own (blocking reads: a connection's reader waits
    /// for its peer most of the time) and hands each message to <paramref name="deliver"/>, in order, until the peer
    /// closes the stream between two frames. A GanCluster message is read straight into its payload's array. A frame
    /// over the limit, or shorter than its header, fails the read.
    /// </summary>
    public static Task ReadAll(Stream stream, AkkaSerialization serialization, int maximumFrameSize, Action<object> deliver) =>
        Task.Factory.StartNew(() => ReadFrames(stream, serialization, maximumFrameSize, deliver), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void ReadFrames(Stream stream, AkkaSerialization serialization, int maximumFrameSize, Action<object> deliver)
    {
        var reader = new BufferedStream(stream, BufferSize);
        var prefix = new byte[4 + HeaderSize];
        var direct = serialization.FindSerializerForType(typeof(FakeBatch)) as GanClusterSerializer;
        while (true)
        {
            var got = reader.ReadAtLeast(prefix.AsSpan(0, 4), 4, throwOnEndOfStream: false);
            if (got == 0)
            {
                return;
            }

            if (got < 4)
            {
                throw new EndOfStreamException("the exchange connection ended inside a frame's length");
            }

            var frameLength = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (frameLength > maximumFrameSize || frameLength < 0)
            {
                throw new InvalidDataException($"exchange frame of {frameLength} bytes is over the limit of {maximumFrameSize} bytes (gancluster.exchange.maximum-frame-size)");
            }

            if (frameLength < HeaderSize)
            {
                throw new InvalidDataException($"exchange frame of {frameLength} bytes is shorter than its header");
            }

            reader.ReadExactly(prefix.AsSpan(4, HeaderSize));
            var serializerId = BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(4));
            var manifestLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8));
            if (frameLength < HeaderSize + manifestLength)
            {
                throw new InvalidDataException($"exchange frame of {frameLength} bytes is shorter than its manifest ({manifestLength} bytes)");
            }

            var manifestBytes = new byte[manifestLength];
            reader.ReadExactly(manifestBytes);
            var manifest = Encoding.UTF8.GetString(manifestBytes);
            var bodyLength = frameLength - HeaderSize - manifestLength;
            if (direct is not null && serializerId == direct.Identifier)
            {
                deliver(direct.ReadFrom(reader, bodyLength, manifest));
            }
            else
            {
                var body = new byte[bodyLength];
                reader.ReadExactly(body);
                deliver(serialization.Deserialize(body, serializerId, manifest));
            }
        }
    }
}
