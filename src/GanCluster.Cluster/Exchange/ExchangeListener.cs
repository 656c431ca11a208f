using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Exchange;

/// <summary>
/// The discriminator's end of the exchange channel, a child of the discriminator worker: it binds the node's listener,
/// answers <see cref="OpenExchangeChannel"/> requests with the address and this node's token (once the listener is bound;
/// with port 0 if it could not be), and accepts a connection only when its first frame presents that token. It tells its
/// parent <see cref="Opened"/> for an accepted connection, passes what arrives on it to the parent as plain messages, and
/// tells <see cref="Closed"/> when it ends. Stopping the listener unbinds it and closes its connections.
/// </summary>
public sealed class ExchangeListener : ReceiveActor
{
    /// <summary>A generator opened the channel of experiment <paramref name="Id"/>: answer it on <paramref name="Connection"/>.</summary>
    public sealed record Opened(ExperimentId Id, IActorRef Connection) : INoSerializationVerificationNeeded;

    /// <summary>An accepted connection ended.</summary>
    public sealed record Closed(IActorRef Connection, string Reason) : INoSerializationVerificationNeeded;

    private sealed record Bound(ExchangeBinding Binding) : INoSerializationVerificationNeeded;

    private sealed record BindFailed(Exception Error) : INoSerializationVerificationNeeded;

    private readonly ExchangeChannelSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    private readonly HashSet<IActorRef> _accepted = [];
    private readonly List<(IActorRef Requester, ExperimentId Id)> _waiting = [];
    private ExchangeBinding? _binding;
    // The listener is bound (or could not be): requests are answered at once from then on.
    private bool _started;

    public ExchangeListener(ExchangeChannelSettings settings)
    {
        _settings = settings;
        Receive<Bound>(b =>
        {
            _binding = b.Binding;
            _log.Info("Exchange channel listening on {0}", b.Binding.LocalAddress);
            AnswerWaiting();
        });
        Receive<BindFailed>(f =>
        {
            _log.Warning("The exchange channel listener did not start ({0}); exchanges use remoting", f.Error.Message);
            AnswerWaiting();
        });
        Receive<OpenExchangeChannel>(open =>
        {
            // A generator may ask before the listener is bound (both nodes just started): answer once it is.
            _waiting.Add((Sender, open.Id));
            if (_started)
            {
                AnswerWaiting();
            }
        });
        Receive<ExchangeInbound>(OnInbound);
        Receive<ExchangeClosed>(closed =>
        {
            if (_accepted.Remove(closed.Connection))
            {
                Context.Parent.Tell(new Closed(closed.Connection, closed.Reason), Self);
            }
        });
    }

    public static Props Props(ExchangeChannelSettings settings) => Akka.Actor.Props.Create(() => new ExchangeListener(settings));

    protected override void PreStart() =>
        ExchangeChannel.Listen(Context.System, Context.Materializer(), _settings, Self)
            .PipeTo(Self, success: b => new Bound(b), failure: e => new BindFailed(e));

    protected override void PostStop() => _binding?.Unbind();

    private void AnswerWaiting()
    {
        _started = true;
        var port = _binding?.LocalAddress is IPEndPoint endpoint ? endpoint.Port : 0;
        foreach (var (requester, id) in _waiting)
        {
            requester.Tell(new ExchangeChannelOffer(id, _settings.PublicHost, port, port == 0 ? string.Empty : _token), Context.Parent);
        }

        _waiting.Clear();
    }

    private void OnInbound(ExchangeInbound inbound)
    {
        if (inbound.Message is ExchangeChannelHello hello)
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(hello.Token), Encoding.UTF8.GetBytes(_token)))
            {
                _log.Warning("Refused an exchange connection for experiment {0}: wrong token", hello.Id.Value);
                ExchangeChannel.Close(inbound.Connection);
                return;
            }

            _accepted.Add(inbound.Connection);
            Context.Parent.Tell(new Opened(hello.Id, inbound.Connection), Self);
            inbound.Connection.Tell(hello, ActorRefs.NoSender);
        }
        else if (_accepted.Contains(inbound.Connection))
        {
            Context.Parent.Tell(inbound.Message, Self);
        }
    }
}
