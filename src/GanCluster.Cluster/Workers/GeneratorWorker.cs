using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Exchange;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// Holds a generator half and drives the exchange of a round with its discriminator peer, directly and not
/// through the coordinator: k times (fake batch -> D step -> ack), then the generator step (fake batch ->
/// dLoss/dFake -> backpropagate). It runs the rounds the coordinator grants (up to a checkpoint boundary)
/// and reports each completed round.
/// </summary>
public sealed class GeneratorWorker : WorkerBase
{
    // Carries the assignment that asked for it: a repeated assignment of the same experiment must not take the half of an earlier one.
    private sealed record HalfReady(Assignment For, GeneratorHalf Half, int NextRound) : INoSerializationVerificationNeeded
    {
        public ExperimentId Id => For.Id;
    }

    private sealed record FakeProduced(ExperimentId Id, int Round, Phase Phase, int Step, TensorPayload Samples, TensorPayload? Labels, double Ms) : INoSerializationVerificationNeeded;

    private sealed record GradientApplied(ExperimentId Id, int Round, double Ms) : INoSerializationVerificationNeeded;

    private sealed record CheckpointTaken(ExperimentId Id, int Round, HalfState State, byte[] Png, IReadOnlyList<MetricValue>? Modes) : INoSerializationVerificationNeeded;

    private sealed record TorchFailed(ExperimentId Id, int Round, Exception Error) : INoSerializationVerificationNeeded
    {
        /// <summary>The assignment whose load failed; null for failures of work on the current half.</summary>
        public Assignment? For { get; init; }
    }

    private GeneratorHalf? _half;
    private int _nextRound;
    private int _grantedTo;
    private bool _busy;

    // The batches of a round are numbered 0..k: k discriminator batches, then the generator batch. G's weights
    // do not change until the generator step, so each batch is sent as soon as it is produced and the next one is
    // produced while D works (the discriminator queues them in order). Both sides still do their work in the same
    // order, which keeps the run bit-exact. At most k + 1 batches of one round are in flight.
    private int _produced;
    private int _acknowledged;
    private bool _producing;
    private RoundAccumulator _round = new();

    // The exchange channel to the discriminator (ExchangeLink): requested once the half is loaded, open (or given up
    // for remoting) before the generator reports ready, so that no round ever mixes the two paths.
    private IActorRef? _link;
    private IActorRef? _channel;

    // This round's batches as sent, until the discriminator answered them: a channel that closes mid-round may have
    // lost some, so they are sent again over remoting (the discriminator answers a repeated batch from its cache).
    private readonly List<FakeBatch> _sent = [];
    private bool _feedbackReceived;

    public GeneratorWorker(WorkerSettings settings) : base(WorkerRole.Generator, settings)
    {
        Receive<AssignExperiment>(OnAssign);
        Receive<HalfReady>(OnHalfReady);
        Receive<RunRounds>(OnRunRounds);
        Receive<FakeProduced>(OnFakeProduced);
        Receive<DiscriminatorStepDone>(OnStepDone);
        Receive<GeneratorFeedback>(OnFeedback);
        Receive<GradientApplied>(OnGradientApplied);
        Receive<TakeCheckpoint>(OnTakeCheckpoint);
        Receive<CheckpointTaken>(OnCheckpointTaken);
        Receive<StopExperiment>(OnStop);
        Receive<ExchangeLink.Ready>(ready =>
        {
            if (Sender.Equals(_link) && Current?.Id == ready.Id)
            {
                _channel = ready.Connection;
                Log.Info("Experiment {0}: the exchange with the discriminator runs on the exchange channel", ready.Id.Value);
                ReportReady();
            }
        });
        Receive<ExchangeLink.Unavailable>(unavailable =>
        {
            if (Sender.Equals(_link) && Current?.Id == unavailable.Id)
            {
                _link = null;
                Log.Warning("Experiment {0}: no exchange channel ({1}); fake batches and gradients go over remoting", unavailable.Id.Value, unavailable.Reason);
                ReportReady();
            }
        });
        Receive<ExchangeLink.Lost>(OnChannelLost);
        Receive<TorchFailed>(f =>
        {
            if (IsReplaced(f.For, f.Id, $"the failed load ({f.Error.Message})"))
            {
                return;
            }

            _busy = false;
            if (Current?.Id == f.Id)
            {
                ReportFailure(f.Id, f.Round, f.Error);
                DropHalf();
            }
        });
        Receive<Status.Failure>(f => Log.Error(f.Cause, "Unexpected failure in the generator worker"));
    }

    public static Props Props(WorkerSettings settings) => Akka.Actor.Props.Create(() => new GeneratorWorker(settings));

    protected override int? CurrentRound => Current is null ? null : _nextRound - 1;

    protected override string StateName => Current is null ? "idle" : _busy ? "training" : _half is null ? "loading" : "ready";

    private void OnAssign(AssignExperiment assign)
    {
        if (!TryBeginAssignment(assign, DropHalf, out var assignment))
        {
            return;
        }

        var id = assign.Id;
        Log.Info("Experiment {0}: loading the generator half (next round {1}, peer {2})", id.Value, assign.NextRound, assign.Peer.Path);
        Torch.Run(() =>
        {
            var state = VerifiedHalfState(assign);
            var half = new GeneratorHalf(assignment.Spec, assignment.Device);
            if (state is not null)
            {
                half.LoadState(state);
            }

            return half;
        }).PipeTo(Self, success: half => new HalfReady(assignment, half, assign.NextRound), failure: e => new TorchFailed(id, assign.NextRound - 1, e) { For = assignment });
    }

    private void OnHalfReady(HalfReady ready)
    {
        if (IsReplaced(ready.For, ready.Id, "a generator half"))
        {
            Torch.Run(() =>
            {
                ready.Half.Dispose();
                return true;
            });
            return;
        }

        _half = ready.Half;
        _nextRound = ready.NextRound;
        _grantedTo = ready.NextRound - 1;
        if (Settings.Exchange is { } exchange)
        {
            _link = Context.ActorOf(ExchangeLink.Props(ready.Id, ready.For.Peer, exchange));
        }
        else
        {
            ReportReady();
        }
    }

    private void ReportReady()
    {
        Settings.Coordinator.Tell(new ExperimentReady(Current!.Id, WorkerRole.Generator, _nextRound), Self);
    }

    private void OnChannelLost(ExchangeLink.Lost lost)
    {
        if (!Sender.Equals(_link))
        {
            return;
        }

        _link = null;
        _channel = null;
        var unanswered = _busy
            ? _sent.Where(b => b.Phase == Phase.Discriminator ? b.Step >= _acknowledged : !_feedbackReceived).ToList()
            : [];
        Log.Warning("The exchange channel closed ({0}); the exchange continues over remoting, {1} unanswered batches sent again", lost.Reason, unanswered.Count);
        foreach (var batch in unanswered)
        {
            SendTo(Current!.Peer, batch, PayloadBytes(batch));
        }
    }

    private void CloseChannel()
    {
        if (_link is not null)
        {
            Context.Stop(_link);
        }

        _link = null;
        _channel = null;
    }

    private void OnRunRounds(RunRounds run)
    {
        if (!FromCurrentCoordinator(run.Incarnation, run) || !IsCurrent(run.Id, run) || _half is null)
        {
            return;
        }

        if (run.FromRound != _nextRound)
        {
            Log.Warning("Dropped RunRounds {0}..{1} for {2}: the next round here is {3}", run.FromRound, run.ToRound, run.Id.Value, _nextRound);
            return;
        }

        _grantedTo = Math.Max(_grantedTo, run.ToRound);
        if (!_busy)
        {
            StartRound();
        }
    }

    private void StartRound()
    {
        _busy = true;
        _produced = 0;
        _acknowledged = 0;
        _producing = false;
        _feedbackReceived = false;
        _sent.Clear();
        _round = new RoundAccumulator { Watch = Stopwatch.StartNew() };
        ProduceNext();
    }

    /// <summary>Produces the round's next batch unless one is being produced or held, or all are produced.</summary>
    private void ProduceNext()
    {
        var k = Current!.Spec.K;
        if (_producing || _produced > k)
        {
            return;
        }

        _producing = true;
        Produce(_produced < k ? Phase.Discriminator : Phase.Generator, _produced);
    }

    private void Produce(Phase phase, int step)
    {
        var assignment = Current!;
        var half = _half!;
        var round = _nextRound;
        Torch.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            using var fake = phase == Phase.Discriminator ? half.ProduceForDiscriminator() : half.ProduceForUpdate();
            var samples = TensorWire.ToPayload(fake.Samples);
            var labels = fake.Labels is null ? null : TensorWire.ToPayload(fake.Labels);
            return new FakeProduced(assignment.Id, round, phase, step, samples, labels, watch.Elapsed.TotalMilliseconds);
        }).PipeTo(Self, failure: e => new TorchFailed(assignment.Id, round, e));
    }

    private void OnFakeProduced(FakeProduced fake)
    {
        if (Current?.Id != fake.Id || !_busy || fake.Round != _nextRound)
        {
            return;
        }

        _producing = false;
        _produced++;
        _round.GeneratorForwardMs += fake.Ms;
        Send(fake);
        ProduceNext();
    }

    private void Send(FakeProduced fake)
    {
        var batch = new FakeBatch(fake.Id, fake.Round, fake.Phase, fake.Step, fake.Samples, fake.Labels);
        var bytes = PayloadBytes(batch);
        _round.ExchangeBytes += bytes;
        _sent.Add(batch);
        SendToPeer(_channel, Current!.Peer, batch, bytes);
    }

    private static long PayloadBytes(FakeBatch batch) => batch.Samples.Data.LongLength + (batch.Labels?.Data.LongLength ?? 0);

    private void OnStepDone(DiscriminatorStepDone done)
    {
        if (!IsCurrent(done.Id, done))
        {
            return;
        }

        if (!_busy || done.Round != _nextRound || done.Step != _acknowledged || _acknowledged >= Current!.Spec.K || done.Step >= _produced)
        {
            Log.Warning("Dropped a stale discriminator step (round {0}, step {1}); expected round {2}, step {3}", done.Round, done.Step, _nextRound, _acknowledged);
            return;
        }

        _round.DLoss += done.Loss;
        _round.DReal += done.DReal;
        _round.DFake += done.DFake;
        _round.DiscriminatorStepMs += done.StepMs;
        _acknowledged++;
    }

    private void OnFeedback(GeneratorFeedback feedback)
    {
        if (!IsCurrent(feedback.Id, feedback))
        {
            return;
        }

        if (!_busy || feedback.Round != _nextRound || _acknowledged != Current!.Spec.K || _produced != Current.Spec.K + 1)
        {
            Log.Warning("Dropped stale generator feedback for round {0}; expected round {1}", feedback.Round, _nextRound);
            return;
        }

        _feedbackReceived = true;
        _round.GLoss = feedback.Loss;
        _round.FeedbackMs = feedback.FeedbackMs;
        _round.ExchangeBytes += feedback.Gradient.Data.LongLength;
        var half = _half!;
        var id = feedback.Id;
        var round = feedback.Round;
        Torch.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            using var gradient = TensorWire.ToTensor(feedback.Gradient);
            half.ApplyGradient(gradient);
            return new GradientApplied(id, round, watch.Elapsed.TotalMilliseconds);
        }).PipeTo(Self, failure: e => new TorchFailed(id, round, e));
    }

    private void OnGradientApplied(GradientApplied applied)
    {
        if (Current?.Id != applied.Id || applied.Round != _nextRound)
        {
            return;
        }

        var k = Current.Spec.K;
        var metrics = new RoundMetrics(applied.Round, _round.DLoss / k, _round.GLoss, _round.DReal / k, _round.DFake / k,
            _round.GeneratorForwardMs, _round.DiscriminatorStepMs, _round.FeedbackMs, applied.Ms, _round.Watch!.Elapsed.TotalMilliseconds, _round.ExchangeBytes);
        Settings.Coordinator.Tell(new RoundCompleted(applied.Id, metrics), Self);
        _nextRound++;
        _busy = false;
        if (_nextRound <= _grantedTo && double.IsFinite(metrics.DLoss) && double.IsFinite(metrics.GLoss))
        {
            StartRound();
        }
    }

    private void OnTakeCheckpoint(TakeCheckpoint take)
    {
        if (!FromCurrentCoordinator(take.Incarnation, take) || !IsCurrent(take.Id, take) || _half is null)
        {
            return;
        }

        if (_busy || take.Round != _nextRound - 1)
        {
            Log.Warning("Dropped TakeCheckpoint for round {0}: the generator is at round {1}{2}", take.Round, _nextRound - 1, _busy ? " and busy" : string.Empty);
            return;
        }

        var half = _half;
        var spec = Current!.Spec;
        Torch.Run(() =>
        {
            var state = half.SaveState();
            var file = Path.Combine(Path.GetTempPath(), $"gancluster-grid-{Guid.NewGuid():N}.png");
            try
            {
                SampleRenderer.WriteSamples(half, spec, file);

                // The 2-D benchmarks count captured modes at every checkpoint, for the mode-collapse alarm.
                var modes = Evaluation.Modes(half, spec) is { } m ? MetricsRecord.Modes(m).Select(kv => new MetricValue(kv.Key, kv.Value)).ToList() : null;
                return new CheckpointTaken(take.Id, take.Round, state, File.ReadAllBytes(file), modes);
            }
            finally
            {
                File.Delete(file);
            }
        }).PipeTo(Self, failure: e => new TorchFailed(take.Id, take.Round, e));
    }

    private void OnCheckpointTaken(CheckpointTaken taken)
    {
        SendTo(Settings.Coordinator, new SampleGridImage(taken.Id, taken.Round, taken.Png), taken.Png.LongLength);
        if (taken.Modes is { } modes)
        {
            Settings.Coordinator.Tell(new WorkerMetrics(taken.Id, taken.Round, modes), Self);
        }

        SendTo(Settings.Coordinator, new HalfCheckpoint(taken.Id, WorkerRole.Generator, taken.Round, taken.State.Sha256, taken.State.Data), taken.State.Data.LongLength);
    }

    private void OnStop(StopExperiment stop)
    {
        if (!FromCurrentCoordinator(stop.Incarnation, stop) || !IsCurrent(stop.Id, stop))
        {
            return;
        }

        DropHalf();
        Settings.Coordinator.Tell(new ExperimentStopped(stop.Id, WorkerRole.Generator), Self);
    }

    private void DropHalf()
    {
        var half = _half;
        _half = null;
        Current = null;
        _busy = false;
        CloseChannel();
        if (half is not null)
        {
            Torch.Run(() =>
            {
                half.Dispose();
                return true;
            });
        }
    }

    protected override void PostStop()
    {
        DropHalf();
        base.PostStop();
    }

    private sealed class RoundAccumulator
    {
        public Stopwatch? Watch { get; init; }

        public double DLoss { get; set; }

        public double GLoss { get; set; }

        public double DReal { get; set; }

        public double DFake { get; set; }

        public double GeneratorForwardMs { get; set; }

        public double DiscriminatorStepMs { get; set; }

        public double FeedbackMs { get; set; }

        public long ExchangeBytes { get; set; }
    }
}
