using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Exchange;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Runs;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// Holds a generator half and drives the exchange of a round with its discriminator peer, directly and not through the
/// coordinator, following the round schedule (<see cref="RoundSchedule"/>): k times (fake batch -> D step -> ack), then
/// the generator step (fake batch -> dLoss/dFake -> backpropagate). Batches are pipelined (<see cref="GeneratorRound"/>).
/// It runs the rounds the coordinator grants (up to a checkpoint boundary), reports each completed round, and renders
/// sample grids where the <see cref="CheckpointSchedule"/> asks for them.
/// </summary>
public sealed class GeneratorWorker : HalfWorker<GeneratorHalf>
{
    private sealed record FakeProduced(ExperimentId Id, ScheduleSlot Slot, TensorPayload Samples, TensorPayload? Labels, double Ms) : INoSerializationVerificationNeeded;

    private sealed record GradientApplied(ExperimentId Id, int Round, double Ms) : INoSerializationVerificationNeeded;

    private sealed record CheckpointTaken(ExperimentId Id, int Round, HalfState State, byte[] Png, IReadOnlyList<MetricValue>? Modes) : INoSerializationVerificationNeeded;

    private sealed record SamplesRendered(ExperimentId Id, int Round, byte[] Png) : INoSerializationVerificationNeeded;

    private RoundSchedule _schedule = new(1, 0);
    private CheckpointSchedule _checkpoints = new(0, 0, 0);
    private int _nextRound;
    private int _grantedTo;

    // The round under way (null between rounds) and what it measured so far.
    private GeneratorRound? _round;
    private RoundAccumulator _accumulator = new(0);
    private Stopwatch _watch = new();

    // The exchange channel to the discriminator (ExchangeLink): requested once the half is loaded, open (or given up
    // for remoting) before the generator reports ready, so that no round ever mixes the two paths.
    private IActorRef? _link;
    private IActorRef? _channel;

    // This round's batches as sent, until the discriminator answered them: a channel that closes mid-round may have
    // lost some, so they are sent again over remoting (the discriminator answers a repeated batch from its cache).
    private readonly List<(ScheduleSlot Slot, FakeBatch Batch)> _sent = [];

    public GeneratorWorker(WorkerSettings settings) : base(WorkerRole.Generator, settings)
    {
        Receive<RunRounds>(OnRunRounds);
        Receive<FakeProduced>(OnFakeProduced);
        Receive<DiscriminatorStepDone>(OnStepDone);
        Receive<GeneratorFeedback>(OnFeedback);
        Receive<GradientApplied>(OnGradientApplied);
        Receive<TakeCheckpoint>(OnTakeCheckpoint);
        Receive<CheckpointTaken>(OnCheckpointTaken);
        Receive<SamplesRendered>(s => SendTo(Settings.Coordinator, new SampleGridImage(s.Id, s.Round, s.Png), s.Png.LongLength));
        Receive<ExchangeLink.Ready>(ready => OnLinkAnswer(ready.Id, ready.Connection, "runs on the exchange channel"));
        Receive<ExchangeLink.Unavailable>(none => OnLinkAnswer(none.Id, null, $"has no exchange channel ({none.Reason}); fake batches and gradients go over remoting"));
        Receive<ExchangeLink.Lost>(OnChannelLost);
    }

    public static Props Props(WorkerSettings settings) => Akka.Actor.Props.Create(() => new GeneratorWorker(settings));

    protected override int? CurrentRound => Current is null ? null : _nextRound - 1;

    protected override bool Busy => _round is not null;

    protected override GeneratorHalf Load(Assignment assignment, HalfState? state)
    {
        var half = new GeneratorHalf(assignment.Spec, assignment.Device);
        if (state is not null)
        {
            half.LoadState(state);
        }

        return half;
    }

    protected override void Loaded(Assignment assignment, int nextRound)
    {
        _schedule = RoundSchedule.For(assignment.Spec);
        _checkpoints = CheckpointSchedule.For(assignment.Spec);
        _nextRound = nextRound;
        _grantedTo = nextRound - 1;
        if (Settings.Exchange is { } exchange)
        {
            _link = Context.ActorOf(ExchangeLink.Props(assignment.Id, assignment.Peer, exchange));
        }
        else
        {
            ReportReady();
        }
    }

    protected override void Dropped()
    {
        _round = null;
        _sent.Clear();
        if (_link is not null)
        {
            Context.Stop(_link);
        }

        _link = null;
        _channel = null;
    }

    private void ReportReady() => Settings.Coordinator.Tell(new ExperimentReady(Current!.Id, WorkerRole.Generator, _nextRound), Self);

    private void OnLinkAnswer(ExperimentId id, IActorRef? channel, string how)
    {
        if (!Sender.Equals(_link) || Current?.Id != id)
        {
            return;
        }

        _channel = channel;
        _link = channel is null ? null : _link;
        Log.Info("Experiment {0}: the exchange with the discriminator {1}", id.Value, how);
        ReportReady();
    }

    private void OnChannelLost(ExchangeLink.Lost lost)
    {
        if (!Sender.Equals(_link))
        {
            return;
        }

        _link = null;
        _channel = null;
        var unanswered = _round is { } round ? _sent.Where(s => round.IsUnanswered(_schedule, s.Slot)).Select(s => s.Batch).ToList() : [];
        Log.Warning("The exchange channel closed ({0}); the exchange continues over remoting, {1} unanswered batches sent again", lost.Reason, unanswered.Count);
        foreach (var batch in unanswered)
        {
            SendTo(Current!.Peer, batch, PayloadBytes(batch));
        }
    }

    private void OnRunRounds(RunRounds run)
    {
        if (!FromCurrentCoordinator(run.Incarnation, run) || !IsCurrent(run.Id, run) || Half is null)
        {
            return;
        }

        if (run.FromRound != _nextRound)
        {
            Log.Warning("Dropped RunRounds {0}..{1} for {2}: the next round here is {3}", run.FromRound, run.ToRound, run.Id.Value, _nextRound);
            return;
        }

        _grantedTo = Math.Max(_grantedTo, run.ToRound);
        if (_round is null)
        {
            StartRound();
        }
    }

    private void StartRound()
    {
        _round = GeneratorRound.Begin(_nextRound);
        _accumulator = new RoundAccumulator(_nextRound);
        _watch = Stopwatch.StartNew();
        _sent.Clear();
        ProduceNext();
    }

    /// <summary>Produces the round's next batch unless one is being produced or all are.</summary>
    private void ProduceNext()
    {
        if (_round?.NextToProduce(_schedule) is not { } slot)
        {
            return;
        }

        _round = _round.ProducingNext();
        var (id, half, kind) = (Current!.Id, Half!, _schedule.KindOf(slot));
        OnTorch(() =>
        {
            var watch = Stopwatch.StartNew();
            using var fake = kind == StepKind.Discriminator ? half.ProduceForDiscriminator() : half.ProduceForUpdate();
            var labels = fake.Labels is null ? null : TensorWire.ToPayload(fake.Labels);
            return new FakeProduced(id, slot, TensorWire.ToPayload(fake.Samples), labels, watch.Elapsed.TotalMilliseconds);
        }, id, slot.Round);
    }

    private void OnFakeProduced(FakeProduced fake)
    {
        if (Current?.Id != fake.Id || _round?.Round != fake.Slot.Round)
        {
            return;
        }

        _round = _round.BatchProduced();
        _accumulator.AddGeneratorForward(fake.Ms);
        var phase = _schedule.KindOf(fake.Slot) == StepKind.Discriminator ? Phase.Discriminator : Phase.Generator;
        var batch = new FakeBatch(fake.Id, fake.Slot.Round, phase, fake.Slot.Index, fake.Samples, fake.Labels);
        var bytes = PayloadBytes(batch);
        _accumulator.AddExchangeBytes(bytes);
        _sent.Add((fake.Slot, batch));
        SendToPeer(_channel, Current.Peer, batch, bytes);
        ProduceNext();
    }

    private static long PayloadBytes(FakeBatch batch) => batch.Samples.Data.LongLength + (batch.Labels?.Data.LongLength ?? 0);

    /// <summary>Takes an answer of the schedule into account when it is the current one; logs and drops it otherwise.</summary>
    private bool Accept(ExperimentId id, ScheduleSlot slot, object answer)
    {
        if (!IsCurrent(id, answer))
        {
            return false;
        }

        var (status, next) = _round is null ? (AnswerStatus.Stale, _round) : _round.Answer(_schedule, slot);
        if (status != AnswerStatus.Current)
        {
            Log.Warning("Dropped {0} ({1}, {2}); expected {3}", answer.GetType().Name, slot, status, _round?.ExpectedAnswer(_schedule).ToString() ?? "no round");
            return false;
        }

        _round = next;
        return true;
    }

    private void OnStepDone(DiscriminatorStepDone done)
    {
        if (Accept(done.Id, _schedule.Slot(done.Round, StepKind.Discriminator, done.Step), done))
        {
            _accumulator.AddDiscriminatorStep(done.Terms, done.StepMs);
        }
    }

    private void OnFeedback(GeneratorFeedback feedback)
    {
        if (!Accept(feedback.Id, _schedule.GeneratorStep(feedback.Round), feedback))
        {
            return;
        }

        _accumulator.AddGeneratorStep(feedback.Terms, feedback.FeedbackMs);
        _accumulator.AddExchangeBytes(feedback.Gradient.Data.LongLength);
        var (half, id, round) = (Half!, feedback.Id, feedback.Round);
        OnTorch(() =>
        {
            var watch = Stopwatch.StartNew();
            using var gradient = TensorWire.ToTensor(feedback.Gradient);
            half.ApplyGradient(gradient);
            return new GradientApplied(id, round, watch.Elapsed.TotalMilliseconds);
        }, id, round);
    }

    private void OnGradientApplied(GradientApplied applied)
    {
        if (Current?.Id != applied.Id || _round?.Round != applied.Round)
        {
            return;
        }

        _accumulator.AddGeneratorUpdate(applied.Ms);
        var result = _accumulator.Complete(_watch.Elapsed.TotalMilliseconds);
        Settings.Coordinator.Tell(new RoundCompleted(applied.Id, RoundMetricsMapping.ToWire(result)), Self);
        _round = null;
        _nextRound = result.Round + 1;

        // Queued on the torch thread ahead of the next round's batches; rendering draws nothing from G's random stream.
        if (_checkpoints.RendersSamplesOnly(result.Round) && !result.IsDiverged)
        {
            var (half, spec, id) = (Half!, Current.Spec, applied.Id);
            OnTorch(() => new SamplesRendered(id, result.Round, GeneratorRendering.SamplesPng(half, spec)), id, result.Round);
        }

        if (GeneratorRound.Continues(_schedule, result.Round, _grantedTo, result.IsDiverged))
        {
            StartRound();
        }
    }

    private void OnTakeCheckpoint(TakeCheckpoint take)
    {
        if (!FromCurrentCoordinator(take.Incarnation, take) || !IsCurrent(take.Id, take) || Half is null)
        {
            return;
        }

        if (_round is not null || take.Round != _nextRound - 1)
        {
            Log.Warning("Dropped TakeCheckpoint for round {0}: the generator is at round {1}{2}", take.Round, _nextRound - 1, _round is null ? string.Empty : " and busy");
            return;
        }

        var (half, spec) = (Half, Current!.Spec);
        OnTorch(() =>
        {
            // In the order of a local run: the state, the sample grid, then (2-D benchmarks) the captured modes for the mode-collapse alarm.
            var state = half.SaveState();
            var png = GeneratorRendering.SamplesPng(half, spec);
            var modes = Evaluation.Modes(half, spec) is { } m ? MetricsRecord.Modes(m).Select(kv => new MetricValue(kv.Key, kv.Value)).ToList() : null;
            return new CheckpointTaken(take.Id, take.Round, state, png, modes);
        }, take.Id, take.Round);
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
}
