using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Exchange;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Loop;

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
    private sealed record FakeProduced(ExperimentId Id, ScheduleSlot Slot, TensorPayload Samples, TensorPayload? Labels, IReadOnlyDictionary<string, TensorPayload> SideInputs, double Ms) : INoSerializationVerificationNeeded;

    private sealed record GradientApplied(ExperimentId Id, int Round, double Ms) : INoSerializationVerificationNeeded;

    private RoundSchedule _schedule = new(1, 0);
    private CheckpointSchedule _checkpoints = new(0, 0, 0);
    private int _nextRound;
    private int _grantedTo;

    // The round under way (null between rounds) and what it measured so far.
    private GeneratorRound? _round;
    private RoundAccumulator _accumulator = new(0);
    private Stopwatch _watch = new();

    // The exchange channel is requested once the half is loaded, and open (or given up for remoting) before the generator
    // reports ready, so that no round ever mixes the two paths.
    private readonly GeneratorExchange _exchange = new();

    public GeneratorWorker(WorkerSettings settings) : base(WorkerRole.Generator, settings)
    {
        Receive<RunRounds>(OnRunRounds);
        Receive<FakeProduced>(OnFakeProduced);
        Receive<DiscriminatorStepDone>(OnStepDone);
        Receive<GeneratorFeedback>(OnFeedback);
        Receive<GradientApplied>(OnGradientApplied);
        Receive<ExchangeLink.Ready>(ready => OnLinkAnswer(ready.Id, ready.Connection, "runs on the exchange channel"));
        Receive<ExchangeLink.Unavailable>(none => OnLinkAnswer(none.Id, null, $"has no exchange channel ({none.Reason}); fake batches and gradients go over remoting"));
        Receive<ExchangeLink.Lost>(OnChannelLost);
    }

    public static Props Props(WorkerSettings settings) => Akka.Actor.Props.Create(() => new GeneratorWorker(settings));

    protected override int? CurrentRound => Current is null ? null : _nextRound - 1;

    protected override bool Busy => _round is not null;

    protected override GeneratorHalf Load(Assignment assignment, HalfState? state) => GeneratorHalf.Restore(assignment.Spec, assignment.Device, state);

    protected override void Loaded(Assignment assignment, int nextRound)
    {
        _schedule = RoundSchedule.For(assignment.Spec);
        _checkpoints = CheckpointSchedule.For(assignment.Spec);
        _nextRound = nextRound;
        _grantedTo = nextRound - 1;
        if (Settings.Exchange is { } exchange)
        {
            _exchange.Open(Context, assignment.Id, assignment.Peer, exchange);
        }
        else
        {
            ReportReady();
        }
    }

    protected override void Dropped()
    {
        _round = null;
        _exchange.Close(Context);
    }

    private void ReportReady() => Settings.Coordinator.Tell(new ExperimentReady(Current!.Id, WorkerRole.Generator, _nextRound), Self);

    private void OnLinkAnswer(ExperimentId id, IActorRef? channel, string how)
    {
        if (!_exchange.IsLink(Sender) || Current?.Id != id)
        {
            return;
        }

        _exchange.Answered(channel);
        Log.Log(channel is null ? LogLevel.WarningLevel : LogLevel.InfoLevel, "Experiment {0}: the exchange with the discriminator {1}", [id.Value, how]);
        ReportReady();
    }

    private void OnChannelLost(ExchangeLink.Lost lost)
    {
        if (!_exchange.IsLink(Sender))
        {
            return;
        }

        var round = _round;
        var unanswered = _exchange.Lost(slot => round is not null && round.IsUnanswered(_schedule, slot));
        Log.Warning("The exchange channel closed ({0}); the exchange continues over remoting, {1} unanswered batches sent again", lost.Reason, unanswered.Count);
        unanswered.ToList().ForEach(batch => Outbox.Send(Current!.Peer, batch, GeneratorExchange.PayloadBytes(batch), Self));
    }

    private void OnRunRounds(RunRounds run)
    {
        if (!IsForCurrentHalf(run.Incarnation, run.Id, run))
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
        _exchange.NewRound();
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
            return new FakeProduced(id, slot, TensorWire.ToPayload(fake.Samples), labels, TensorWire.ToPayloads(fake.SideInputs), watch.Elapsed.TotalMilliseconds);
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
        var batch = new FakeBatch(fake.Id, fake.Slot.Round, phase, fake.Slot.Index, fake.Samples, fake.Labels) { SideInputs = fake.SideInputs };
        var bytes = GeneratorExchange.PayloadBytes(batch);
        _accumulator.AddExchangeBytes(bytes);
        _exchange.Sent(fake.Slot, batch);
        Outbox.SendToPeer(_exchange.Channel, Current.Peer, batch, bytes, Self);
        ProduceNext();
    }

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
        GanClusterMetrics.RoundsCompleted.Add(1);
        GanClusterMetrics.ExchangeBytes.Add(result.ExchangeBytes);
        _round = null;
        _nextRound = result.Round + 1;

        // Queued on the torch thread ahead of the next round's batches; rendering draws nothing from G's random stream.
        if (_checkpoints.RendersSamplesOnly(result.Round) && !result.IsDiverged)
        {
            var (half, spec, id) = (Half!, Current.Spec, applied.Id);
            OnTorch(() => new ForCoordinator(GeneratorSnapshots.Samples(half, spec, id, result.Round)), id, result.Round);
        }

        if (GeneratorRound.Continues(_schedule, result.Round, _grantedTo, result.IsDiverged))
        {
            StartRound();
        }
    }

    protected override string? NotAtBoundary(int round) =>
        _round is not null ? $"is busy with round {_round.Round}" : round != _nextRound - 1 ? $"is at round {_nextRound - 1}" : null;

    protected override IReadOnlyList<(IWorkerProtocol Message, long Bytes)> Checkpoint(GeneratorHalf half, Assignment assignment, int round) =>
        GeneratorSnapshots.Checkpoint(half, assignment.Spec, assignment.Id, round);
}
