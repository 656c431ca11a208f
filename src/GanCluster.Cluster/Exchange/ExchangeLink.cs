using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Exchange;

/// <summary>
/// The generator's end of the exchange channel of one experiment, a child of the generator worker: it asks the
/// discriminator for the channel over remoting, connects, presents the listener's token and waits for the
/// discriminator to echo it. Then it reports <see cref="Ready"/> with the connection (the worker tells its
/// messages to it) and passes what arrives on the channel to its parent as plain messages; if the channel cannot be
/// had it reports <see cref="Unavailable"/>, and if an open channel ends, <see cref="Lost"/>. Stopping the link
/// closes the connection (its streams belong to the link).
/// </summary>
public sealed class ExchangeLink : ReceiveActor, IWithTimers
{
    /// <summary>The channel is open: tell the schedule's messages to <paramref name="Connection"/>.</summary>
    public sealed record Ready(ExperimentId Id, IActorRef Connection) : INoSerializationVerificationNeeded;

    /// <summary>No channel for this experiment; the exchange uses remoting.</summary>
    public sealed record Unavailable(ExperimentId Id, string Reason) : INoSerializationVerificationNeeded;

    /// <summary>The open channel ended; what was in flight on it may be lost.</summary>
    public sealed record Lost(ExperimentId Id, string Reason) : INoSerializationVerificationNeeded;

    private sealed class TimedOut
    {
        public static readonly TimedOut Instance = new();
    }

    private readonly ExperimentId _id;
    private readonly IActorRef _peer;
    private readonly ExchangeChannelSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _connection;
    private bool _ready;

    public ExchangeLink(ExperimentId id, IActorRef peer, ExchangeChannelSettings settings)
    {
        _id = id;
        _peer = peer;
        _settings = settings;
        Receive<ExchangeChannelOffer>(OnOffer);
        Receive<ExchangeInbound>(OnInbound);
        Receive<ExchangeClosed>(closed =>
        {
            if (closed.Connection.Equals(_connection))
            {
                Finish(_ready ? new Lost(_id, closed.Reason) : new Unavailable(_id, closed.Reason));
            }
        });
        Receive<TimedOut>(_ => Finish(new Unavailable(_id, $"the discriminator did not open it within {_settings.ConnectTimeout.TotalSeconds:0} s")));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ExperimentId id, IActorRef peer, ExchangeChannelSettings settings) =>
        Akka.Actor.Props.Create(() => new ExchangeLink(id, peer, settings));

    protected override void PreStart()
    {
        _peer.Tell(new OpenExchangeChannel(_id), Self);
        Timers.StartSingleTimer("connect", TimedOut.Instance, _settings.ConnectTimeout);
    }

    private void OnOffer(ExchangeChannelOffer offer)
    {
        if (offer.Id != _id || _connection is not null)
        {
            return;
        }

        if (offer.Port == 0)
        {
            Finish(new Unavailable(_id, "the discriminator node has no exchange listener"));
            return;
        }

        (_connection, _) = ExchangeChannel.Connect(Context.System, Context.Materializer(), _settings, offer.Host, offer.Port, Self);
        // The discriminator echoes the hello once it accepted the token: only then does the channel carry rounds.
        _connection.Tell(new ExchangeChannelHello(_id, offer.Token), ActorRefs.NoSender);
        _log.Info("Experiment {0}: connecting the exchange channel to {1}:{2}", _id.Value, offer.Host, offer.Port);
    }

    private void OnInbound(ExchangeInbound inbound)
    {
        if (!inbound.Connection.Equals(_connection))
        {
            return;
        }

        if (_ready)
        {
            Context.Parent.Tell(inbound.Message, Self);
        }
        else if (inbound.Message is ExchangeChannelHello hello && hello.Id == _id)
        {
            _ready = true;
            Timers.Cancel("connect");
            Context.Parent.Tell(new Ready(_id, _connection!), Self);
        }
    }

    private void Finish(object outcome)
    {
        Context.Parent.Tell(outcome, Self);
        Context.Stop(Self);
    }
}
