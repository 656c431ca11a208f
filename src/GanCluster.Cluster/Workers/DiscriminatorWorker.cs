using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Exchange;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;

namespace GanCluster.Cluster.Workers;

/// <summary>A discriminator half with its real-data source (loaded on this machine).</summary>
public sealed record LoadedDiscriminator(DiscriminatorHalf Half, SampleSet Data) : IDisposable
{
    public void Dispose()
    {
        Half.Dispose();
        Data.Dispose();
    }
}

/// <summary>
/// Holds a discriminator half and its real-data source. It answers the generator peer's fake batches in the order of
/// the round schedule (<see cref="RoundSchedule"/>): k discriminator steps, then one generator-feedback request per round.
/// Anything out of that order (a stale round, a step ahead, another experiment) is logged and dropped, never applied; a
/// replayed batch is answered again from the <see cref="ReplayCache{TAnswer}"/>. Batches that arrive while earlier ones
/// are still being worked on queue on the torch thread in order, and the real half of the next discriminator step is
/// computed as soon as the previous step or feedback is done, while the generator is busy
/// (<see cref="DiscriminatorHalf.PrepareStep"/>, <see cref="RoundSchedule.PreparesAfter"/>).
/// </summary>
public sealed class DiscriminatorWorker : HalfWorker<LoadedDiscriminator>
{
    private sealed record Answered(ExperimentId Id, ScheduleSlot Slot, IActorRef ReplyTo, IExchangeMessage Answer, long PayloadBytes, BatchDiversity? Diversity)
        : INoSerializationVerificationNeeded;

    private sealed record RealPrepared(ExperimentId Id) : INoSerializationVerificationNeeded;

    private RoundSchedule _schedule = new(1, 0);
    private ScheduleSlot _expected;

    // Work items handed to the torch thread whose results have not come back yet.
    private int _queued;

    // The exchange channel listener of this node (a child, ExchangeLink's counterpart) and the connections generators
    // opened to it, by experiment: answers go back on them.
    private IActorRef? _listener;
    private readonly Dictionary<ExperimentId, IActorRef> _channels = [];
    private readonly ReplayCache<Answered> _answers = new();

    // Batch diversity (for the collapse alarm) is measured on the first D step of every this many rounds.
    private readonly int _diversityEvery;

    public DiscriminatorWorker(WorkerSettings settings) : base(WorkerRole.Discriminator, settings)
    {
        _diversityEvery = Context.System.Settings.Config.GetInt("gancluster.monitoring.diversity-every", 10);
        Receive<FakeBatch>(OnFakeBatch);
        Receive<Answered>(OnAnswered);
        Receive<RealPrepared>(_ => WorkDone());
        Receive<OpenExchangeChannel>(open =>
        {
            if (_listener is not null)
            {
                _listener.Forward(open);
            }
            else
            {
                Sender.Tell(new ExchangeChannelOffer(open.Id, string.Empty, 0, string.Empty), Self);
            }
        });
        Receive<ExchangeListener.Opened>(opened => _channels[opened.Id] = opened.Connection);
        Receive<ExchangeListener.Closed>(closed =>
        {
            foreach (var id in _channels.Where(c => c.Value.Equals(closed.Connection)).Select(c => c.Key).ToList())
            {
                _channels.Remove(id);
                Log.Info("The exchange channel of experiment {0} closed ({1})", id.Value, closed.Reason);
            }
        });
    }

    public static Props Props(WorkerSettings settings) => Akka.Actor.Props.Create(() => new DiscriminatorWorker(settings));

    protected override int? CurrentRound => Current is null ? null : _expected.Round - 1;

    protected override bool Busy => _queued > 0;

    protected override LoadedDiscriminator Load(Assignment assignment, HalfState? state)
    {
        // The data is read here, on the discriminator's machine: a missing dataPath fails the experiment with that reason.
        var (train, heldOut) = DatasetCatalog.Load(assignment.Spec);
        heldOut.Dispose();
        try
        {
            var half = new DiscriminatorHalf(assignment.Spec, assignment.Device, train);
            if (state is not null)
            {
                half.LoadState(state);
            }

            return new LoadedDiscriminator(half, train);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    protected override void Loaded(Assignment assignment, int nextRound)
    {
        _schedule = RoundSchedule.For(assignment.Spec);
        _expected = _schedule.Start(nextRound);
        Settings.Coordinator.Tell(new ExperimentReady(assignment.Id, WorkerRole.Discriminator, nextRound), Self);
    }

    protected override void Dropped()
    {
        _queued = 0;
        _answers.Clear();
    }

    protected override void PreStart()
    {
        base.PreStart();
        if (Settings.Exchange is { } exchange)
        {
            _listener = Context.ActorOf(ExchangeListener.Props(exchange), "exchange-listener");
        }
    }

    private void OnFakeBatch(FakeBatch batch)
    {
        if (!IsCurrent(batch.Id, batch) || Half is null)
        {
            return;
        }

        var slot = _schedule.Slot(batch.Round, batch.Phase == Phase.Discriminator ? StepKind.Discriminator : StepKind.Generator, batch.Step);
        var status = _schedule.Classify(_expected, slot);
        if (status != AnswerStatus.Current)
        {
            if (status == AnswerStatus.Replay && _answers.Find(slot) is { } answer)
            {
                Log.Info("Answered a repeated fake batch of experiment {0} ({1}) again", batch.Id.Value, slot);
                Reply(answer);
                return;
            }

            Log.Warning("Dropped an out-of-order fake batch of experiment {0}: {1} is {2}; expected {3}", batch.Id.Value, slot, status, _expected);
            return;
        }

        _expected = _schedule.Next(slot);
        _queued++;
        var (half, id) = (Half.Half, batch.Id);
        var measure = RoundSchedule.MeasuresDiversity(slot, _diversityEvery);
        var kind = _schedule.KindOf(slot);

        // Replies go to the peer of the assignment, not to Sender: a large batch arrives through the bulk sender.
        var replyTo = Current!.Peer;
        RunInOrder(() =>
        {
            var watch = Stopwatch.StartNew();
            using var samples = TensorWire.ToTensor(batch.Samples);
            using var labels = batch.Labels is null ? null : TensorWire.ToTensor(batch.Labels);
            using var sideInputs = TensorWire.ToTensors(batch.SideInputs);
            if (kind == StepKind.Discriminator)
            {
                var result = half.Step(samples, labels, measure, sideInputs.Tensors);
                return new Answered(id, slot, replyTo, new DiscriminatorStepDone(id, slot.Round, slot.Index, result.Terms, watch.Elapsed.TotalMilliseconds), 0, result.Diversity);
            }

            using var feedback = half.Feedback(samples, labels, sideInputs.Tensors);
            var gradient = TensorWire.ToPayload(feedback.Gradient);
            return new Answered(id, slot, replyTo, new GeneratorFeedback(id, slot.Round, feedback.Terms, gradient, watch.Elapsed.TotalMilliseconds), gradient.Data.LongLength, null);
        }, e => new TorchFailed(id, slot.Round, e));

        // D does not change until the next fake batch arrives, so the real half of the next step can be scored now, while
        // the generator works. A checkpoint taken meanwhile leaves it out (DiscriminatorHalf.SaveState).
        if (_schedule.PreparesAfter(slot))
        {
            _queued++;
            RunInOrder(() =>
            {
                half.PrepareStep();
                return new RealPrepared(id);
            }, e => new TorchFailed(id, slot.Round, e));
        }
    }

    private void OnAnswered(Answered answered)
    {
        WorkDone();
        if (Current?.Id != answered.Id)
        {
            return;
        }

        _answers.Remember(answered.Slot, answered);
        Reply(answered);
        if (answered.Diversity is { } diversity)
        {
            Settings.Coordinator.Tell(new WorkerMetrics(answered.Id, answered.Slot.Round,
                [new MetricValue(MetricNames.DiversityFake, diversity.Fake), new MetricValue(MetricNames.DiversityReal, diversity.Real)]), Self);
        }
    }

    /// <summary>Answers the generator on its exchange channel when it opened one, else over remoting.</summary>
    private void Reply(Answered answered) =>
        Outbox.SendToPeer(_channels.GetValueOrDefault(answered.Id), answered.ReplyTo, answered.Answer, answered.PayloadBytes, Self);

    // A result of work queued before the half was dropped may still arrive; the count never goes below zero.
    private void WorkDone() => _queued = Math.Max(0, _queued - 1);

    // The checkpoint queues behind a pending preparation, which the saved state leaves out (DiscriminatorHalf.SaveState).
    protected override string? NotAtBoundary(int round) => _schedule.IsBoundary(_expected, round) ? null : $"expects {_expected}";

    protected override IReadOnlyList<(IWorkerProtocol Message, long Bytes)> Checkpoint(LoadedDiscriminator half, Assignment assignment, int round)
    {
        var state = half.Half.SaveState();
        return [(new HalfCheckpoint(assignment.Id, WorkerRole.Discriminator, round, state.Sha256, state.Data), state.Data.LongLength)];
    }
}
