using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Exchange;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// Holds a discriminator half and its real-data source (loaded on this machine). It answers the generator
/// peer's fake batches in the order of the schedule: k discriminator steps, then one generator-feedback
/// request per round. Anything out of that order (a stale round, a repeated step, another experiment) is
/// logged and dropped, never applied. Batches that arrive while earlier ones are still being worked on queue
/// on the torch thread in order, and the real half of the next discriminator step is computed as soon as the
/// previous step or feedback is done, while the generator is busy (<see cref="DiscriminatorHalf.PrepareStep"/>).
/// </summary>
public sealed class DiscriminatorWorker : WorkerBase
{
    // Carries the assignment that asked for it: a repeated assignment of the same experiment must not take the half of an earlier one.
    private sealed record HalfReady(Assignment For, DiscriminatorHalf Half, SampleSet Data, int NextRound) : INoSerializationVerificationNeeded
    {
        public ExperimentId Id => For.Id;
    }

    private sealed record StepFinished(ExperimentId Id, IActorRef ReplyTo, DiscriminatorStepDone Done, BatchDiversity? Diversity) : INoSerializationVerificationNeeded;

    private sealed record FeedbackFinished(ExperimentId Id, IActorRef ReplyTo, GeneratorFeedback Feedback) : INoSerializationVerificationNeeded;

    private sealed record CheckpointTaken(ExperimentId Id, int Round, HalfState State) : INoSerializationVerificationNeeded;

    private sealed record TorchFailed(ExperimentId Id, int Round, Exception Error) : INoSerializationVerificationNeeded
    {
        /// <summary>The assignment whose load failed; null for failures of work on the current half.</summary>
        public Assignment? For { get; init; }
    }

    private sealed record RealPrepared(ExperimentId Id) : INoSerializationVerificationNeeded;

    private DiscriminatorHalf? _half;
    private SampleSet? _data;
    private int _expectedRound;
    private int _expectedStep;

    // Work items handed to the torch thread whose results have not come back yet.
    private int _queued;

    // The exchange channel listener of this node (a child, ExchangeLink's counterpart) and the connections generators
    // opened to it, by experiment: answers go back on them.
    private IActorRef? _listener;
    private readonly Dictionary<ExperimentId, IActorRef> _channels = [];

    // The answers of the current and the previous round by (round, phase, step; feedback has step -1): a generator whose
    // exchange channel closed mid-round sends its unanswered batches again, and a batch already worked on is answered
    // from here instead of being applied twice.
    private readonly Dictionary<(int Round, Phase Phase, int Step), object> _answers = [];
    private int _answersRound;

    // Batch diversity (for the collapse alarm) is measured on the first D step of every this many rounds: the real
    // and fake batches are both here, and measuring draws no random numbers, so training is unchanged.
    private readonly int _diversityEvery;

    public DiscriminatorWorker(WorkerSettings settings) : base(WorkerRole.Discriminator, settings)
    {
        _diversityEvery = Context.System.Settings.Config.GetInt("gancluster.monitoring.diversity-every", 10);
        Receive<AssignExperiment>(OnAssign);
        Receive<HalfReady>(OnHalfReady);
        Receive<FakeBatch>(OnFakeBatch);
        Receive<StepFinished>(f =>
        {
            WorkDone();
            if (Current?.Id == f.Id)
            {
                Remember((f.Done.Round, Phase.Discriminator, f.Done.Step), f.Done);
                Reply(f.Id, f.ReplyTo, f.Done, 0);
                if (f.Diversity is { } diversity)
                {
                    Settings.Coordinator.Tell(new WorkerMetrics(f.Id, f.Done.Round,
                        [new MetricValue(MetricNames.DiversityFake, diversity.Fake), new MetricValue(MetricNames.DiversityReal, diversity.Real)]), Self);
                }
            }
        });
        Receive<FeedbackFinished>(f =>
        {
            WorkDone();
            if (Current?.Id == f.Id)
            {
                Remember((f.Feedback.Round, Phase.Generator, -1), f.Feedback);
                Reply(f.Id, f.ReplyTo, f.Feedback, f.Feedback.Gradient.Data.LongLength);
            }
        });
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
        Receive<TakeCheckpoint>(OnTakeCheckpoint);
        Receive<CheckpointTaken>(t => SendTo(Settings.Coordinator,
            new HalfCheckpoint(t.Id, WorkerRole.Discriminator, t.Round, t.State.Sha256, t.State.Data), t.State.Data.LongLength));
        Receive<StopExperiment>(OnStop);
        Receive<TorchFailed>(f =>
        {
            if (IsReplaced(f.For, f.Id, $"the failed load ({f.Error.Message})"))
            {
                return;
            }

            _queued = 0;
            if (Current?.Id == f.Id)
            {
                ReportFailure(f.Id, f.Round, f.Error);
                DropHalf();
            }
        });
        Receive<Status.Failure>(f => Log.Error(f.Cause, "Unexpected failure in the discriminator worker"));
    }

    public static Props Props(WorkerSettings settings) => Akka.Actor.Props.Create(() => new DiscriminatorWorker(settings));

    protected override int? CurrentRound => Current is null ? null : _expectedRound - 1;

    protected override string StateName => Current is null ? "idle" : _queued > 0 ? "training" : _half is null ? "loading" : "ready";

    private void OnAssign(AssignExperiment assign)
    {
        if (!TryBeginAssignment(assign, DropHalf, out var assignment))
        {
            return;
        }

        var id = assign.Id;
        var spec = assignment.Spec;
        Log.Info("Experiment {0}: loading the discriminator half and its data (next round {1}, peer {2})", id.Value, assign.NextRound, assign.Peer.Path);
        Torch.Run(() =>
        {
            var state = VerifiedHalfState(assign);

            // The data is read here, on the discriminator's machine: a missing dataPath fails the experiment with that reason.
            var (train, heldOut) = DatasetCatalog.Load(spec);
            heldOut.Dispose();
            try
            {
                var half = new DiscriminatorHalf(spec, assignment.Device, train);
                if (state is not null)
                {
                    half.LoadState(state);
                }

                return new HalfReady(assignment, half, train, assign.NextRound);
            }
            catch
            {
                train.Dispose();
                throw;
            }
        }).PipeTo(Self, failure: e => new TorchFailed(id, assign.NextRound - 1, e) { For = assignment });
    }

    private void OnHalfReady(HalfReady ready)
    {
        if (IsReplaced(ready.For, ready.Id, "a discriminator half"))
        {
            Torch.Run(() =>
            {
                ready.Half.Dispose();
                ready.Data.Dispose();
                return true;
            });
            return;
        }

        _half = ready.Half;
        _data = ready.Data;
        _expectedRound = ready.NextRound;
        _expectedStep = 0;
        Settings.Coordinator.Tell(new ExperimentReady(ready.Id, WorkerRole.Discriminator, ready.NextRound), Self);
    }

    private void OnFakeBatch(FakeBatch batch)
    {
        if (!IsCurrent(batch.Id, batch) || _half is null)
        {
            return;
        }

        var k = Current!.Spec.K;
        var expectedPhase = _expectedStep < k ? Phase.Discriminator : Phase.Generator;
        if (batch.Round != _expectedRound || batch.Phase != expectedPhase || (expectedPhase == Phase.Discriminator && batch.Step != _expectedStep))
        {
            if (_answers.TryGetValue((batch.Round, batch.Phase, batch.Phase == Phase.Discriminator ? batch.Step : -1), out var answer))
            {
                Log.Info("Answered a repeated fake batch of experiment {0} (round {1} {2} step {3}) again", batch.Id.Value, batch.Round, batch.Phase, batch.Step);
                Reply(batch.Id, Current.Peer, answer, answer is GeneratorFeedback f ? f.Gradient.Data.LongLength : 0);
                return;
            }

            Log.Warning("Dropped an out-of-order fake batch of experiment {0}: {1}", batch.Id.Value,
                $"round {batch.Round} {batch.Phase} step {batch.Step}; expected round {_expectedRound} {expectedPhase} step {_expectedStep}");
            return;
        }

        _queued++;
        var half = _half;
        // Replies go to the peer of the assignment, not to Sender: a large batch arrives through the bulk sender.
        var replyTo = Current.Peer;
        var id = batch.Id;
        var round = batch.Round;
        var step = batch.Step;
        if (expectedPhase == Phase.Discriminator)
        {
            _expectedStep++;
            var measure = step == 0 && _diversityEvery > 0 && round % _diversityEvery == 0;
            RunInOrder(() =>
            {
                var watch = Stopwatch.StartNew();
                using var samples = TensorWire.ToTensor(batch.Samples);
                using var labels = batch.Labels is null ? null : TensorWire.ToTensor(batch.Labels);
                var result = half.Step(samples, labels, measure);
                var done = new DiscriminatorStepDone(id, round, step, result.Loss, result.DReal, result.DFake, watch.Elapsed.TotalMilliseconds);
                return new StepFinished(id, replyTo, done, result.Diversity);
            }, e => new TorchFailed(id, round, e));
            if (step + 1 < k)
            {
                PrepareNextStep(half);
            }
        }
        else
        {
            _expectedStep = 0;
            _expectedRound++;
            RunInOrder(() =>
            {
                var watch = Stopwatch.StartNew();
                using var samples = TensorWire.ToTensor(batch.Samples);
                using var labels = batch.Labels is null ? null : TensorWire.ToTensor(batch.Labels);
                using var feedback = half.Feedback(samples, labels);
                var gradient = TensorWire.ToPayload(feedback.Gradient);
                return new FeedbackFinished(id, replyTo, new GeneratorFeedback(id, round, feedback.Loss, feedback.DFake, gradient, watch.Elapsed.TotalMilliseconds));
            }, e => new TorchFailed(id, round, e));

            // D does not change during the generator step, so the next round's first real batch can be scored now,
            // while the generator backpropagates. A checkpoint taken meanwhile leaves it out (DiscriminatorHalf.SaveState).
            PrepareNextStep(half);
        }
    }

    protected override void PreStart()
    {
        base.PreStart();
        if (Settings.Exchange is { } exchange)
        {
            _listener = Context.ActorOf(ExchangeListener.Props(exchange), "exchange-listener");
        }
    }

    /// <summary>Answers the generator on its exchange channel when it opened one, else over remoting.</summary>
    private void Reply(ExperimentId id, IActorRef peer, object message, long payloadBytes) =>
        SendToPeer(_channels.GetValueOrDefault(id), peer, message, payloadBytes);

    private void Remember((int Round, Phase Phase, int Step) key, object answer)
    {
        // Pruned once per round, when its first answer comes, not at every step.
        if (key.Round != _answersRound)
        {
            _answersRound = key.Round;
            foreach (var old in _answers.Keys.Where(k => k.Round < key.Round - 1).ToList())
            {
                _answers.Remove(old);
            }
        }

        _answers[key] = answer;
    }

    // A result of work queued before the half was dropped may still arrive; the count never goes below zero.
    private void WorkDone() => _queued = Math.Max(0, _queued - 1);

    /// <summary>Queues the real half of the next discriminator step behind the work just queued.</summary>
    private void PrepareNextStep(DiscriminatorHalf half)
    {
        var id = Current!.Id;
        var round = _expectedRound;
        _queued++;
        RunInOrder(() =>
        {
            half.PrepareStep();
            return new RealPrepared(id);
        }, e => new TorchFailed(id, round, e));
    }

    private void OnTakeCheckpoint(TakeCheckpoint take)
    {
        if (!FromCurrentCoordinator(take.Incarnation, take) || !IsCurrent(take.Id, take) || _half is null)
        {
            return;
        }

        // The checkpoint queues behind a pending preparation, which the saved state leaves out.
        if (take.Round != _expectedRound - 1 || _expectedStep != 0)
        {
            Log.Warning("Dropped TakeCheckpoint for round {0}: the discriminator is at round {1}", take.Round, _expectedRound - 1);
            return;
        }

        var half = _half;
        Torch.Run(() => new CheckpointTaken(take.Id, take.Round, half.SaveState()))
            .PipeTo(Self, failure: e => new TorchFailed(take.Id, take.Round, e));
    }

    private void OnStop(StopExperiment stop)
    {
        if (!FromCurrentCoordinator(stop.Incarnation, stop) || !IsCurrent(stop.Id, stop))
        {
            return;
        }

        DropHalf();
        Settings.Coordinator.Tell(new ExperimentStopped(stop.Id, WorkerRole.Discriminator), Self);
    }

    private void DropHalf()
    {
        var half = _half;
        var data = _data;
        _half = null;
        _data = null;
        Current = null;
        _queued = 0;
        _answers.Clear();
        _answersRound = 0;
        if (half is not null || data is not null)
        {
            Torch.Run(() =>
            {
                half?.Dispose();
                data?.Dispose();
                return true;
            });
        }
    }

    protected override void PostStop()
    {
        DropHalf();
        base.PostStop();
    }
}
