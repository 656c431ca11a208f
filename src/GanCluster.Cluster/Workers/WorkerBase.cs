using Akka.Actor;
using GanCluster.Cluster.Exchange;
using Akka.Event;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Cluster.Workers;

/// <summary>Where a worker finds the rest of the cluster.</summary>
/// <param name="Coordinator">The coordinator singleton's proxy on this node.</param>
/// <param name="BulkSender">This node's sender of large messages (chunked, windowed).</param>
/// <param name="Wire">This node's wire settings, checked by the coordinator.</param>
/// <param name="NodeAddress">This node's address, for logs and listings.</param>
/// <param name="ChunkSize">Messages larger than this go through <see cref="BulkSender"/>.</param>
/// <param name="TorchThreads">Threads TorchSharp may use per operation on this worker's torch thread; null keeps libtorch's default.</param>
/// <param name="Exchange">The exchange channel between the paired workers; null keeps the exchange on remoting.</param>
/// <param name="Device">What this node computes on (<see cref="GanCluster.Training.Runtime.ComputeDevices.Describe"/>), reported when it registers.</param>
public sealed record WorkerSettings(IActorRef Coordinator, IActorRef BulkSender, WireSettings Wire, string NodeAddress, int ChunkSize, int? TorchThreads = null, ExchangeChannelSettings? Exchange = null, string Device = "");

/// <summary>
/// What generator and discriminator workers share: registration with the coordinator (repeated until it
/// answers, and again when a new coordinator incarnation appears), status answers, reassembly of chunked
/// messages, the dedicated torch thread, and the rules for dropping stale messages.
/// </summary>
public abstract class WorkerBase : ReceiveActor, IWithTimers
{
    /// <summary>How often a worker re-registers (see <see cref="OnRegistered"/>).</summary>
    public static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(2);

    private sealed class RetryRegistration : INoSerializationVerificationNeeded
    {
        public static readonly RetryRegistration Instance = new();
    }

    /// <summary>The current assignment.</summary>
    protected sealed record Assignment(long Incarnation, ExperimentId Id, ExperimentSpec Spec, IActorRef Peer, Device Device);

    private readonly ChunkReceiver _chunks;

    protected WorkerBase(WorkerRole role, WorkerSettings settings)
    {
        Role = role;
        Settings = settings;
        Torch = new TorchThread($"torch-{role.ToString().ToLowerInvariant()}");
        _chunks = new ChunkReceiver(Context.System);
        Outbox = new Outbox(settings.BulkSender, settings.ChunkSize);
        Log = Context.GetLogger();
        // Set on the torch thread itself: BLAS keeps its thread count per calling thread, and a thread that has not
        // run a parallel ATen loop yet would otherwise multiply matrices with every core.
        var log = Log;
        Torch.Run(() =>
        {
            if (settings.TorchThreads is { } threads)
            {
                TorchSharp.torch.set_num_threads(threads);
            }

            log.Info("The {0} torch thread uses {1} threads per operation", role, TorchSharp.torch.get_num_threads());
            return true;
        });

        Receive<RetryRegistration>(_ => Register());
        Receive<WorkerRegistered>(OnRegistered);
        Receive<WireMismatch>(m =>
        {
            Log.Error("The coordinator refused this node: {0}. Every node and client must use the same GanCluster version and maximum-frame-size.", m.Reason);
            Context.System.Terminate();
        });
        Receive<GetWorkerStatus>(_ => Sender.Tell(new WorkerStatus(Role, Settings.NodeAddress, Current?.Id, CurrentRound, StateName, Settings.Device)));
        Receive<MessageChunk>(chunk =>
        {
            if (_chunks.TryAccept(chunk, Sender, out var message) && message is not null)
            {
                Self.Forward(message);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected WorkerRole Role { get; }

    protected WorkerSettings Settings { get; }

    protected TorchThread Torch { get; }

    protected ILoggingAdapter Log { get; }

    /// <summary>The send rule for halves, batches and answers (exchange channel, direct, or chunked).</summary>
    protected Outbox Outbox { get; }

    /// <summary>The coordinator incarnation this worker obeys; messages of older incarnations are dropped.</summary>
    protected long Incarnation { get; private set; } = -1;

    protected Assignment? Current { get; set; }

    protected abstract int? CurrentRound { get; }

    protected abstract string StateName { get; }

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("register", RetryRegistration.Instance, RegistrationInterval);
    }

    protected override void PostStop()
    {
        Torch.Dispose();
    }

    /// <summary>True when a coordinator command belongs to the current incarnation; logs and drops it otherwise.</summary>
    protected bool FromCurrentCoordinator(long incarnation, object message)
    {
        if (incarnation >= Incarnation)
        {
            Incarnation = incarnation;
            return true;
        }

        Log.Warning("Dropped {0} from coordinator incarnation {1}; current incarnation is {2}", message.GetType().Name, incarnation, Incarnation);
        return false;
    }

    /// <summary>True when a message is about the current experiment; logs and drops it otherwise.</summary>
    protected bool IsCurrent(ExperimentId id, object message)
    {
        if (Current is not null && Current.Id == id)
        {
            return true;
        }

        Log.Warning("Dropped {0} for experiment {1}: this worker runs {2}", message.GetType().Name, id.Value, Current?.Id.Value ?? "nothing");
        return false;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the torch thread and tells its result (or <paramref name="failure"/>'s message)
    /// to this actor from that thread, so results reach the mailbox in the order their work was queued. PipeTo
    /// continuations run on the thread pool and may overtake each other when work items finish close together.
    /// </summary>
    protected void RunInOrder(Func<object> work, Func<Exception, object> failure)
    {
        var self = Self;
        Torch.Run(() =>
        {
            object result;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                result = failure(e);
            }

            self.Tell(result, self);
            return true;
        });
    }

    protected void ReportFailure(ExperimentId id, int round, Exception error, bool diverged = false)
    {
        var reason = error is AggregateException { InnerException: { } inner } ? inner.Message : error.Message;
        Log.Error(error, "Experiment {0} failed on the {1} at round {2}: {3}", id.Value, Role, round, reason);
        Settings.Coordinator.Tell(new WorkerFailure(id, Role, round, reason, diverged), Self);
    }

    /// <summary>
    /// Starts an assignment meant for this role and coordinator incarnation: drops the current half (via
    /// <paramref name="dropCurrent"/>), parses the spec and resolves its device. Reports a failure and returns
    /// false when the assignment cannot be taken.
    /// </summary>
    protected bool TryBeginAssignment(AssignExperiment assign, Action dropCurrent, out Assignment assignment)
    {
        assignment = null!;
        if (assign.Role != Role || !FromCurrentCoordinator(assign.Incarnation, assign))
        {
            return false;
        }

        dropCurrent();
        try
        {
            var spec = SpecJson.Parse(assign.SpecJson);
            assignment = new Assignment(assign.Incarnation, assign.Id, spec, assign.Peer, ResolveDevice(spec));
            Current = assignment;
            return true;
        }
        catch (Exception e)
        {
            ReportFailure(assign.Id, assign.NextRound - 1, e);
            return false;
        }
    }

    /// <summary>
    /// True when a load that <paramref name="requestedBy"/> asked for (null: work on the current half) no longer belongs
    /// to the current assignment: the same experiment assigned again replaces it, and the old load's half or failure
    /// must not be taken for the new one. Logs what is discarded.
    /// </summary>
    protected bool IsReplaced(Assignment? requestedBy, ExperimentId id, string what)
    {
        if (requestedBy is null || ReferenceEquals(Current, requestedBy))
        {
            return false;
        }

        Log.Info("Discarded {0} of experiment {1}: it was loaded for an assignment that has since been replaced", what, id.Value);
        return true;
    }

    /// <summary>The half state an assignment restores, verified against its SHA-256; null for a fresh start.</summary>
    protected static HalfState? VerifiedHalfState(AssignExperiment assign)
    {
        if (assign.HalfState is null)
        {
            return null;
        }

        var state = new HalfState(assign.HalfState);
        return state.Sha256 == assign.HalfStateSha256
            ? state
            : throw new CorruptCheckpointException($"{assign.Role} half state of experiment {assign.Id.Value}: SHA-256 mismatch");
    }

    /// <summary>Resolves the device of an experiment on this machine.</summary>
    protected static Device ResolveDevice(ExperimentSpec spec) => TorchRuntime.ResolveDevice(spec.Device);

    private void Register() => Settings.Coordinator.Tell(new RegisterWorker(Role, Self, Settings.NodeAddress, Settings.Wire, Settings.Device), Self);

    // Registration doubles as a heartbeat: it repeats every few seconds, so a coordinator that fails over
    // to another node (a new incarnation, which knows no workers yet) learns of this worker quickly.
    private void OnRegistered(WorkerRegistered registered)
    {
        if (registered.CoordinatorIncarnation > Incarnation)
        {
            Incarnation = registered.CoordinatorIncarnation;
            Log.Info("Registered as {0} with coordinator incarnation {1}", Role, registered.CoordinatorIncarnation);
        }
    }
}
