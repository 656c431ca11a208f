using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaSerialization = Akka.Serialization.Serialization;
using StreamTcp = Akka.Streams.Dsl.Tcp;

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
/// The exchange channel: a TCP connection made with Akka.Streams (Akka.IO underneath) between the paired workers,
/// apart from the remoting connection that carries cluster heartbeats and coordinator traffic. Remoting (DotNetty)
/// costs 4-8x the raw transfer time per tensor and shares its connection with heartbeats; on this stream a message
/// is one length-prefixed frame of the actor system's own serialization (<see cref="ExchangeFraming"/>), so the
/// wire format and the message types are those of remoting, without chunking. A connection is an actor reference:
/// messages told to it are sent in order; what arrives is told to the recipient as <see cref="ExchangeInbound"/>,
/// and the end of the connection as <see cref="ExchangeClosed"/>. Membership, failure detection and the schedule
/// stay with the cluster: when a connection fails, the workers fall back to remoting.
/// </summary>
public static class ExchangeChannel
{
    // Messages queued per connection before the stream fails; the schedule keeps at most k + 1 tensors in flight.
    private const int OutboundBuffer = 256;

    /// <summary>Binds a listener; every accepted connection's messages go to <paramref name="recipient"/>.</summary>
    public static Task<ExchangeBinding> Listen(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, IActorRef recipient) =>
        settings.Certificate is null
            ? ListenPlain(system, materializer, settings, recipient)
            : Task.FromResult(ExchangeTls.Listen(settings, settings.Certificate, stream => Serve(system, materializer, settings, stream, recipient)));

    /// <summary>
    /// Connects to a listener. Returns the connection at once (messages told to it wait for the connection) and a
    /// task that completes when the connection is up (TCP connected, and TLS authenticated when on) or fails when it cannot be.
    /// </summary>
    public static (IActorRef Connection, Task Connected) Connect(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, string host, int port, IActorRef recipient)
    {
        var (connection, outbound) = Outbound(materializer);
        if (settings.Certificate is { } certificate)
        {
            var connected = ExchangeTls.ConnectAsync(host, port, certificate, settings.ConnectTimeout);
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

        var tcp = system.TcpStream().OutgoingConnection(new DnsEndPoint(host, port), halfClose: false, connectionTimeout: settings.ConnectTimeout);
        var (tcpConnected, closed) = outbound
            .Via(ExchangeFraming.Encoder(system, settings.MaximumFrameSize))
            .ViaMaterialized(tcp, Keep.Right)
            .Via(ExchangeFraming.Decoder(system, settings.MaximumFrameSize))
            .ToMaterialized(Deliver(connection, recipient), Keep.Both)
            .Run(materializer);
        NotifyClosed(closed, connection, recipient);
        return (connection, tcpConnected);
    }

    /// <summary>Closes a connection after the messages already told to it are sent.</summary>
    public static void Close(IActorRef connection) => connection.Tell(new Status.Success(NotUsed.Instance), ActorRefs.NoSender);

    private static async Task<ExchangeBinding> ListenPlain(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, IActorRef recipient)
    {
        var binding = await system.TcpStream()
            .Bind(settings.BindHost, settings.Port)
            .To(Sink.ForEach<StreamTcp.IncomingConnection>(incoming =>
            {
                var (connection, outbound) = Outbound(materializer);
                var inbound = ExchangeFraming.Decoder(system, settings.MaximumFrameSize).ToMaterialized(Deliver(connection, recipient), Keep.Right);
                var flow = Flow.FromSinkAndSource(inbound, outbound.Via(ExchangeFraming.Encoder(system, settings.MaximumFrameSize)), Keep.Left);
                NotifyClosed(incoming.HandleWith(flow, materializer), connection, recipient);
            }))
            .Run(materializer)
            .ConfigureAwait(false);
        return new ExchangeBinding(binding.LocalAddress, binding.Unbind);
    }

    // An accepted, authenticated TLS stream: the same framing and delivery as a plain connection.
    private static void Serve(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, Stream stream, IActorRef recipient)
    {
        var (connection, outbound) = Outbound(materializer);
        NotifyClosed(Run(system, materializer, settings, stream, outbound, connection, recipient), connection, recipient);
    }

    /// <summary>
    /// Runs a connection over an established stream (TLS): outbound messages are framed and written, frames read are
    /// delivered. Ends when either direction ends; the stream is closed then, which ends the other direction too.
    /// </summary>
    private static Task<Done> Run(ActorSystem system, IMaterializer materializer, ExchangeChannelSettings settings, Stream stream, Source<object, NotUsed> outbound, IActorRef connection, IActorRef recipient)
    {
        var written = outbound
            .Via(ExchangeFraming.Encoder(system, settings.MaximumFrameSize))
            .RunWith(StreamConverters.FromOutputStream(() => stream, autoFlush: true), materializer);
        var read = StreamConverters.FromInputStream(() => stream, ExchangeTls.ReadChunkSize)
            .Via(ExchangeFraming.Decoder(system, settings.MaximumFrameSize))
            .RunWith(Deliver(connection, recipient), materializer);
        written.ContinueWith(_ => stream.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
        return read.ContinueWith(
            t =>
            {
                stream.Dispose();
                return t.GetAwaiter().GetResult();
            },
            TaskContinuationOptions.ExecuteSynchronously);
    }

    private static (IActorRef Connection, Source<object, NotUsed> Outbound) Outbound(IMaterializer materializer) =>
        Source.ActorRef<object>(OutboundBuffer, OverflowStrategy.Fail).PreMaterialize(materializer);

    private static Sink<object, Task<Done>> Deliver(IActorRef connection, IActorRef recipient) =>
        Sink.ForEach<object>(message => recipient.Tell(new ExchangeInbound(connection, message), ActorRefs.NoSender));

    private static void NotifyClosed(Task closed, IActorRef connection, IActorRef recipient) =>
        closed.ContinueWith(
            t => recipient.Tell(new ExchangeClosed(connection, t.IsFaulted ? t.Exception!.GetBaseException().Message : "closed"), ActorRefs.NoSender),
            TaskContinuationOptions.ExecuteSynchronously);
}

/// <summary>
/// One message per frame: a 4-byte big-endian length (Akka's simple framing protocol), then the serializer id
/// (int32, little-endian), the manifest (uint16 length + UTF-8) and the serialized message. The actor system's
/// serialization is used, so every message is bound to an explicit serializer exactly as on remoting.
/// </summary>
public static class ExchangeFraming
{
    /// <summary>Serializes a message into a frame body (without the length prefix).</summary>
    public static ByteString Encode(AkkaSerialization serialization, object message)
    {
        var serializer = serialization.FindSerializerFor(message);
        var manifest = Encoding.UTF8.GetBytes(AkkaSerialization.ManifestFor(serializer, message));
        var header = new byte[6 + manifest.Length];
        BinaryPrimitives.WriteInt32LittleEndian(header, serializer.Identifier);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), checked((ushort)manifest.Length));
        manifest.CopyTo(header, 6);
        return ByteString.FromBytes(header).Concat(ByteString.FromBytes(serializer.ToBinary(message)));
    }

    /// <summary>Deserializes a frame body made by <see cref="Encode"/>.</summary>
    public static object Decode(AkkaSerialization serialization, ByteString frame)
    {
        if (frame.Count < 6)
        {
            throw new InvalidDataException($"exchange frame of {frame.Count} bytes is shorter than its header");
        }

        var header = frame.Slice(0, 6).ToArray();
        var serializerId = BinaryPrimitives.ReadInt32LittleEndian(header);
        var manifestLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(4));
        if (frame.Count < 6 + manifestLength)
        {
            throw new InvalidDataException($"exchange frame of {frame.Count} bytes is shorter than its manifest ({manifestLength} bytes)");
        }

        var manifest = Encoding.UTF8.GetString(frame.Slice(6, manifestLength).ToArray());
        return serialization.Deserialize(frame.Slice(6 + manifestLength).ToArray(), serializerId, manifest);
    }

    public static Flow<object, ByteString, NotUsed> Encoder(ActorSystem system, int maximumFrameSize)
    {
        var serialization = system.Serialization;
        return Flow.Create<object>().Select(m => Encode(serialization, m)).Via(Framing.SimpleFramingProtocolEncoder(maximumFrameSize));
    }

    public static Flow<ByteString, object, NotUsed> Decoder(ActorSystem system, int maximumFrameSize)
    {
        var serialization = system.Serialization;
        return Flow.Create<ByteString>().Via(Framing.SimpleFramingProtocolDecoder(maximumFrameSize)).Select(f => Decode(serialization, f));
    }
}
