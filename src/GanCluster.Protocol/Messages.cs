using Akka.Actor;

namespace GanCluster.Protocol;

/// <summary>Every GanCluster message; bound to <see cref="Serialization.GanClusterSerializer"/>.</summary>
public interface IGanClusterMessage
{
}

/// <summary>Client to coordinator.</summary>
public interface ICoordinatorCommand : IGanClusterMessage
{
}

/// <summary>Coordinator to client.</summary>
public interface ICoordinatorReply : IGanClusterMessage
{
}

/// <summary>Between workers and the coordinator.</summary>
public interface IWorkerProtocol : IGanClusterMessage
{
}

/// <summary>Between a generator and its discriminator peer.</summary>
public interface IExchangeMessage : IGanClusterMessage
{
}

/// <summary>Chunks of a large message and their acknowledgements.</summary>
public interface ITransferMessage : IGanClusterMessage
{
}

// ---- client <-> coordinator ---------------------------------------------------------------------

/// <summary>
/// Queues an experiment (its spec as JSON) with a priority; the wire settings are checked first. <paramref name="Key"/>
/// (see <see cref="RequestKey"/>) makes a retry safe: a repeated key is answered with the id of the first submission.
/// </summary>
public sealed record SubmitExperiment(string SpecJson, int Priority, WireSettings Wire, string? Key = null) : ICoordinatorCommand;

/// <summary>The experiment was queued under this id.</summary>
public sealed record ExperimentAccepted(ExperimentId Id) : ICoordinatorReply;

/// <summary>The experiment spec is invalid; Field names the offending field.</summary>
public sealed record ExperimentRejected(string Field, string Reason) : ICoordinatorReply;

/// <summary>Asks for every experiment.</summary>
public sealed class ListExperiments : ICoordinatorCommand
{
    public static readonly ListExperiments Instance = new();

    private ListExperiments()
    {
    }
}

/// <summary>One experiment as listed: state, progress, the latest metrics and where its halves run.</summary>
public sealed record ExperimentSummary(
    ExperimentId Id,
    string Name,
    ExperimentState State,
    int RoundsDone,
    int RoundsTotal,
    string? Reason,
    double? LastDLoss,
    double? LastGLoss,
    double? LastDReal,
    double? LastDFake,
    double? StepsPerSecond,
    DateTimeOffset SubmittedAt,
    string? GeneratorNode,
    string? DiscriminatorNode,
    int? LastCheckpointRound,
    int Priority,
    string? GeneratorDevice = null,
    string? DiscriminatorDevice = null);

/// <summary>Every experiment the coordinator knows.</summary>
public sealed record ExperimentList(IReadOnlyList<ExperimentSummary> Experiments) : ICoordinatorReply
{
    public bool Equals(ExperimentList? other) => other is not null && Experiments.SequenceEqual(other.Experiments);

    public override int GetHashCode() => Experiments.Count;
}

/// <summary>Asks for one experiment's summary and recent rounds.</summary>
public sealed record GetExperimentStatus(ExperimentId Id) : ICoordinatorCommand;

/// <summary>One experiment's summary and its most recent round metrics.</summary>
public sealed record ExperimentStatusReply(ExperimentSummary Summary, IReadOnlyList<RoundMetrics> RecentRounds) : ICoordinatorReply
{
    public bool Equals(ExperimentStatusReply? other) => other is not null && Summary == other.Summary && RecentRounds.SequenceEqual(other.RecentRounds);

    public override int GetHashCode() => Summary.GetHashCode();
}

/// <summary>No experiment has this id.</summary>
public sealed record UnknownExperiment(ExperimentId Id) : ICoordinatorReply;

/// <summary>Stops and cancels an experiment; a repeated <paramref name="Key"/> gets the first answer and changes nothing.</summary>
public sealed record CancelExperiment(ExperimentId Id, string? Key = null) : ICoordinatorCommand;

/// <summary>
/// The experiment is being cancelled; or, when <paramref name="AlreadyEnded"/> is set, it had already ended in that
/// state and nothing was done.
/// </summary>
public sealed record CancelAccepted(ExperimentId Id, ExperimentState? AlreadyEnded = null) : ICoordinatorReply;

/// <summary>
/// Puts a diverged, failed, cancelled or paused experiment back in the queue to continue from its last good
/// checkpoint, optionally with new learning rates or a new number of rounds. Replies ExperimentAccepted,
/// ExperimentRejected or UnknownExperiment; a repeated <paramref name="Key"/> gets the first answer and changes nothing.
/// </summary>
public sealed record ResumeExperiment(ExperimentId Id, double? GeneratorLearningRate, double? DiscriminatorLearningRate, int? Rounds, string? Key = null) : ICoordinatorCommand;

/// <summary>Asks for the latest sample grid of an experiment.</summary>
public sealed record GetSamples(ExperimentId Id) : ICoordinatorCommand;

/// <summary>The latest sample grid (Format names the encoding, e.g. "png").</summary>
public sealed record SamplesReply(ExperimentId Id, int Round, string Format, byte[] Data) : ICoordinatorReply
{
    public bool Equals(SamplesReply? other) => other is not null && Id == other.Id && Round == other.Round && Format == other.Format && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Id, Round);
}

/// <summary>The experiment has produced no sample grid yet.</summary>
public sealed record NoSamplesYet(ExperimentId Id) : ICoordinatorReply;

/// <summary>The sender's wire settings differ from the coordinator's; the sender must not join.</summary>
public sealed record WireMismatch(string Reason) : ICoordinatorReply, IWorkerProtocol;

// ---- workers <-> coordinator --------------------------------------------------------------------

/// <summary>
/// A worker announces itself (repeated periodically, so it doubles as a heartbeat). <paramref name="Device"/> is what
/// it computes on, as one line ("cpu: &lt;model&gt; (N cores, M GiB)", or the GPUs with their names and memory).
/// </summary>
public sealed record RegisterWorker(WorkerRole Role, IActorRef Worker, string NodeAddress, WireSettings Wire, string Device = "") : IWorkerProtocol;

/// <summary>The coordinator accepted a worker; its incarnation orders commands across fail-overs.</summary>
public sealed record WorkerRegistered(long CoordinatorIncarnation) : IWorkerProtocol;

/// <summary>
/// Gives a worker its half of an experiment, with its peer and the round to continue at; HalfState (with
/// its SHA-256) restores a checkpoint and is null for a fresh start.
/// </summary>
public sealed record AssignExperiment(long Incarnation, ExperimentId Id, string SpecJson, WorkerRole Role, IActorRef Peer, int NextRound, byte[]? HalfState, string? HalfStateSha256) : IWorkerProtocol
{
    public bool Equals(AssignExperiment? other) =>
        other is not null && Incarnation == other.Incarnation && Id == other.Id && SpecJson == other.SpecJson && Role == other.Role && Peer.Equals(other.Peer)
        && NextRound == other.NextRound && HalfStateSha256 == other.HalfStateSha256
        && (HalfState is null ? other.HalfState is null : other.HalfState is not null && HalfState.AsSpan().SequenceEqual(other.HalfState));

    public override int GetHashCode() => HashCode.Combine(Id, Role, NextRound);
}

/// <summary>
/// The generator asks its discriminator peer (over remoting) for the dedicated exchange stream of an experiment: a
/// TCP connection between the two workers, apart from remoting's, that carries the fake batches, acknowledgements
/// and gradients of the schedule.
/// </summary>
public sealed record OpenExchangeChannel(ExperimentId Id) : IWorkerProtocol;

/// <summary>
/// The discriminator's answer: where its exchange listener is and the token the generator must present as the first
/// frame. Port 0 means this node has no listener (the channel is switched off, or TLS is on): keep using remoting.
/// </summary>
public sealed record ExchangeChannelOffer(ExperimentId Id, string Host, int Port, string Token) : IWorkerProtocol;

/// <summary>The first frame on an exchange connection: which experiment it serves, and the listener's token.</summary>
public sealed record ExchangeChannelHello(ExperimentId Id, string Token) : IWorkerProtocol;

/// <summary>A worker built its half and is ready at NextRound.</summary>
public sealed record ExperimentReady(ExperimentId Id, WorkerRole Role, int NextRound) : IWorkerProtocol;

/// <summary>Grants the generator the rounds FromRound..ToRound (the next checkpoint boundary).</summary>
public sealed record RunRounds(long Incarnation, ExperimentId Id, int FromRound, int ToRound) : IWorkerProtocol;

/// <summary>
/// What one round measured: the standard terms (losses, D outputs), phase timings and bytes exchanged, plus every other
/// named term an objective reported (<see cref="Terms"/>, e.g. <c>loss/d_r1</c>). Also stored in the coordinator's journal:
/// the positional fields and their JSON names stay; <see cref="Terms"/> is an optional addition (absent = empty).
/// </summary>
public sealed record RoundMetrics(
    int Round,
    double DLoss,
    double GLoss,
    double DReal,
    double DFake,
    double GeneratorForwardMs,
    double DiscriminatorStepMs,
    double FeedbackMs,
    double GeneratorUpdateMs,
    double RoundMs,
    long ExchangeBytes)
{
    /// <summary>Named terms beyond the standard four (metric name -> value), in the order they were reported.</summary>
    public IReadOnlyDictionary<string, double> Terms { get; init; } = NamedTerms.Empty;

    public bool Equals(RoundMetrics? other) =>
        other is not null && Round == other.Round && DLoss.Equals(other.DLoss) && GLoss.Equals(other.GLoss) && DReal.Equals(other.DReal)
        && DFake.Equals(other.DFake) && GeneratorForwardMs.Equals(other.GeneratorForwardMs) && DiscriminatorStepMs.Equals(other.DiscriminatorStepMs)
        && FeedbackMs.Equals(other.FeedbackMs) && GeneratorUpdateMs.Equals(other.GeneratorUpdateMs) && RoundMs.Equals(other.RoundMs)
        && ExchangeBytes == other.ExchangeBytes && NamedTerms.AreEqual(Terms, other.Terms);

    public override int GetHashCode() => HashCode.Combine(Round, DLoss, GLoss);
}

/// <summary>The generator finished a round.</summary>
public sealed record RoundCompleted(ExperimentId Id, RoundMetrics Metrics) : IWorkerProtocol;

/// <summary>Asks both workers for their half-state at a round boundary.</summary>
public sealed record TakeCheckpoint(long Incarnation, ExperimentId Id, int Round) : IWorkerProtocol;

/// <summary>A worker's serialized half-state (weights, optimizer, RNG) with its SHA-256.</summary>
public sealed record HalfCheckpoint(ExperimentId Id, WorkerRole Role, int Round, string Sha256, byte[] State) : IWorkerProtocol
{
    public bool Equals(HalfCheckpoint? other) =>
        other is not null && Id == other.Id && Role == other.Role && Round == other.Round && Sha256 == other.Sha256 && State.AsSpan().SequenceEqual(other.State);

    public override int GetHashCode() => HashCode.Combine(Id, Role, Round);
}

/// <summary>A PNG grid of samples from the fixed noise batch.</summary>
public sealed record SampleGridImage(ExperimentId Id, int Round, byte[] Png) : IWorkerProtocol
{
    public bool Equals(SampleGridImage? other) => other is not null && Id == other.Id && Round == other.Round && Png.AsSpan().SequenceEqual(other.Png);

    public override int GetHashCode() => HashCode.Combine(Id, Round);
}

/// <summary>Tells a worker to drop its experiment.</summary>
public sealed record StopExperiment(long Incarnation, ExperimentId Id) : IWorkerProtocol;

/// <summary>A worker dropped its experiment.</summary>
public sealed record ExperimentStopped(ExperimentId Id, WorkerRole Role) : IWorkerProtocol;

/// <summary>A worker's half failed (or diverged) at a round.</summary>
public sealed record WorkerFailure(ExperimentId Id, WorkerRole Role, int Round, string Reason, bool Diverged) : IWorkerProtocol;

/// <summary>Asks a worker what it is doing.</summary>
public sealed class GetWorkerStatus : IWorkerProtocol
{
    public static readonly GetWorkerStatus Instance = new();

    private GetWorkerStatus()
    {
    }
}

/// <summary>What a worker is doing now.</summary>
public sealed record WorkerStatus(WorkerRole Role, string NodeAddress, ExperimentId? Experiment, int? Round, string State, string Device = "") : IWorkerProtocol;

// ---- generator <-> discriminator ----------------------------------------------------------------

/// <summary>A fake batch for a discriminator step (Phase.Discriminator, Step 0..k-1) or for generator feedback (Phase.Generator).</summary>
public sealed record FakeBatch(ExperimentId Id, int Round, Phase Phase, int Step, TensorPayload Samples, TensorPayload? Labels) : IExchangeMessage
{
    /// <summary>No side inputs: the families of the original GAN, the conditional GAN and DCGAN.</summary>
    public static readonly IReadOnlyDictionary<string, TensorPayload> NoSideInputs = new Dictionary<string, TensorPayload>();

    /// <summary>
    /// Named inputs of G that travel with its batch to D's objective (InfoGAN's codes, for example), by name, in the
    /// order the family drew them.
    /// </summary>
    public IReadOnlyDictionary<string, TensorPayload> SideInputs { get; init; } = NoSideInputs;

    public bool Equals(FakeBatch? other) =>
        other is not null && Id == other.Id && Round == other.Round && Phase == other.Phase && Step == other.Step
        && Samples.Equals(other.Samples) && Equals(Labels, other.Labels)
        && SideInputs.Count == other.SideInputs.Count
        && SideInputs.All(kv => other.SideInputs.TryGetValue(kv.Key, out var value) && kv.Value.Equals(value));

    public override int GetHashCode() => HashCode.Combine(Id, Round, Phase, Step, Samples);
}

/// <summary>The discriminator finished one of the k steps of a round; Terms are its named values (loss/d, d/real, d/fake, ...).</summary>
public sealed record DiscriminatorStepDone(ExperimentId Id, int Round, int Step, IReadOnlyDictionary<string, double> Terms, double StepMs) : IExchangeMessage
{
    public bool Equals(DiscriminatorStepDone? other) =>
        other is not null && Id == other.Id && Round == other.Round && Step == other.Step && StepMs.Equals(other.StepMs) && NamedTerms.AreEqual(Terms, other.Terms);

    public override int GetHashCode() => HashCode.Combine(Id, Round, Step);
}

/// <summary>The named values of a round's generator step (loss/g, ...) and dLoss/dFake for its fake batch.</summary>
public sealed record GeneratorFeedback(ExperimentId Id, int Round, IReadOnlyDictionary<string, double> Terms, TensorPayload Gradient, double FeedbackMs) : IExchangeMessage
{
    public bool Equals(GeneratorFeedback? other) =>
        other is not null && Id == other.Id && Round == other.Round && Gradient.Equals(other.Gradient) && FeedbackMs.Equals(other.FeedbackMs)
        && NamedTerms.AreEqual(Terms, other.Terms);

    public override int GetHashCode() => HashCode.Combine(Id, Round);
}

// ---- chunked transfer ---------------------------------------------------------------------------

/// <summary>One piece of a serialized message too large for one remoting frame.</summary>
public sealed record MessageChunk(long TransferId, int Index, int Count, int SerializerId, string Manifest, byte[] Data) : ITransferMessage
{
    public bool Equals(MessageChunk? other) =>
        other is not null && TransferId == other.TransferId && Index == other.Index && Count == other.Count && SerializerId == other.SerializerId
        && Manifest == other.Manifest && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(TransferId, Index);
}

/// <summary>Acknowledges one chunk; opens the sender's window by one.</summary>
public sealed record MessageChunkAck(long TransferId, int Index) : ITransferMessage;

// ---- monitoring ---------------------------------------------------------------------------------

/// <summary>A named measurement (a name of <c>GanCluster.Training.Monitoring.MetricNames</c>, e.g. <c>diversity/fake</c>).</summary>
public sealed record MetricValue(string Name, double Value);

/// <summary>
/// Measurements a worker makes beside the round itself and reports to the coordinator: batch diversity (the
/// discriminator has both the fake and the real batch) and, at checkpoints of the 2-D benchmarks, mode coverage (the generator).
/// </summary>
public sealed record WorkerMetrics(ExperimentId Id, int Round, IReadOnlyList<MetricValue> Values) : IWorkerProtocol
{
    public bool Equals(WorkerMetrics? other) => other is not null && Id == other.Id && Round == other.Round && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Id, Round);
}

/// <summary>
/// The coordinator is not running right now (its journal failed) and restarts itself: the request was not carried out;
/// send it again after about <paramref name="RetryInSeconds"/>.
/// </summary>
public sealed record CoordinatorRecovering(string Reason, int RetryInSeconds) : ICoordinatorReply;

/// <summary>Asks for the active alarms of one experiment, or of every experiment when Id is null.</summary>
public sealed record GetAlarms(ExperimentId? Id) : ICoordinatorCommand;

/// <summary>An active alarm of an experiment: its kind (e.g. <c>diversity-collapse</c>), the round it was raised at, a sentence.</summary>
public sealed record ExperimentAlarm(ExperimentId Id, string Kind, int Round, string Message);

/// <summary>Active alarms, by experiment and round.</summary>
public sealed record AlarmList(IReadOnlyList<ExperimentAlarm> Alarms) : ICoordinatorReply
{
    public bool Equals(AlarmList? other) => other is not null && Alarms.SequenceEqual(other.Alarms);

    public override int GetHashCode() => Alarms.Count;
}

// ---- quality ------------------------------------------------------------------------------------

/// <summary>
/// Asks for the latest checkpoint of an experiment, to evaluate it on the client. Replies LatestCheckpoint,
/// NoCheckpointYet or UnknownExperiment; the client then pulls the generator half with GetCheckpointPart.
/// </summary>
public sealed record GetLatestCheckpoint(ExperimentId Id) : ICoordinatorCommand;

/// <summary>The latest checkpoint: its round, the resolved spec, and the size and SHA-256 of the generator half.</summary>
public sealed record LatestCheckpoint(ExperimentId Id, int Round, string SpecJson, long GeneratorBytes, string GeneratorSha256) : ICoordinatorReply;

/// <summary>The experiment has no checkpoint yet.</summary>
public sealed record NoCheckpointYet(ExperimentId Id) : ICoordinatorReply;

/// <summary>
/// Asks for bytes [Offset, Offset + Length) of the generator half of a checkpoint. The client pulls a half in pieces
/// smaller than a remoting frame, one at a time, so a download never crowds the cluster's heartbeats.
/// </summary>
public sealed record GetCheckpointPart(ExperimentId Id, int Round, long Offset, int Length) : ICoordinatorCommand;

/// <summary>A piece of a generator half (Data is empty past its end; NoCheckpointYet answers a round that is gone).</summary>
public sealed record CheckpointPart(ExperimentId Id, int Round, long Offset, byte[] Data) : ICoordinatorReply
{
    public bool Equals(CheckpointPart? other) => other is not null && Id == other.Id && Round == other.Round && Offset == other.Offset && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Id, Round, Offset);
}

/// <summary>Asks for the latest quality figure of one experiment, or of every experiment when Id is null.</summary>
public sealed record GetQuality(ExperimentId? Id) : ICoordinatorCommand;

/// <summary>
/// The latest evaluation of an experiment's checkpoints: the round, a one-line headline (e.g.
/// <c>FID 12.3 (floor 0.9), KL 0.02</c>) and the full evaluation.json text.
/// </summary>
public sealed record ExperimentQuality(ExperimentId Id, int Round, string Headline, string EvaluationJson);

/// <summary>Latest quality figures, by experiment.</summary>
public sealed record QualityList(IReadOnlyList<ExperimentQuality> Experiments) : ICoordinatorReply
{
    public bool Equals(QualityList? other) => other is not null && Experiments.SequenceEqual(other.Experiments);

    public override int GetHashCode() => Experiments.Count;
}

// ---- checkpoint download ------------------------------------------------------------------------

/// <summary>
/// Asks for a stored checkpoint of an experiment, both halves (<c>gancluster checkpoint</c>): Round null means the newest.
/// Replies StoredCheckpoint, NoCheckpointYet, CheckpointRoundUnavailable or UnknownExperiment; the client then pulls
/// each half with GetCheckpointHalfPart.
/// </summary>
public sealed record GetStoredCheckpoint(ExperimentId Id, int? Round) : ICoordinatorCommand;

/// <summary>A stored checkpoint: its round, the resolved spec, and the size and SHA-256 of each half.</summary>
public sealed record StoredCheckpoint(ExperimentId Id, int Round, string SpecJson, long GeneratorBytes, string GeneratorSha256, long DiscriminatorBytes, string DiscriminatorSha256)
    : ICoordinatorReply;

/// <summary>The asked round is not stored (never checkpointed, or pruned); StoredRounds are the rounds that are.</summary>
public sealed record CheckpointRoundUnavailable(ExperimentId Id, int Round, IReadOnlyList<int> StoredRounds) : ICoordinatorReply
{
    public bool Equals(CheckpointRoundUnavailable? other) => other is not null && Id == other.Id && Round == other.Round && StoredRounds.SequenceEqual(other.StoredRounds);

    public override int GetHashCode() => HashCode.Combine(Id, Round);
}

/// <summary>
/// Asks for bytes [Offset, Offset + Length) of one half of a stored checkpoint; replied with CheckpointPart (or
/// NoCheckpointYet when the round is gone), like GetCheckpointPart for the generator half.
/// </summary>
public sealed record GetCheckpointHalfPart(ExperimentId Id, int Round, WorkerRole Role, long Offset, int Length) : ICoordinatorCommand;

// ---- logs of an experiment ----------------------------------------------------------------------

/// <summary>Where reading one node's log stopped: go on from byte <paramref name="Offset"/> of <paramref name="File"/> (a name in the node's log folder).</summary>
/// <param name="Address">The node's cluster address.</param>
public sealed record LogCursor(string Address, string File, long Offset);

/// <summary>
/// Asks the coordinator for the log lines of one experiment from every node of the cluster (<c>gancluster logs</c>):
/// lines at or after <paramref name="Since"/> (null: all), each node from its cursor in <paramref name="After"/> on
/// (none: from its oldest log file). Replied with ExperimentLogs or UnknownExperiment.
/// </summary>
public sealed record GetExperimentLogs(ExperimentId Id, DateTimeOffset? Since, IReadOnlyList<LogCursor> After) : ICoordinatorCommand
{
    public bool Equals(GetExperimentLogs? other) => other is not null && Id == other.Id && Since == other.Since && After.SequenceEqual(other.After);

    public override int GetHashCode() => HashCode.Combine(Id, Since);
}

/// <summary>Coordinator to a node's log reader: the lines of its log files that mention the experiment, from the cursor on, at most about <paramref name="MaxBytes"/>.</summary>
public sealed record ReadExperimentLogs(ExperimentId Id, DateTimeOffset? Since, LogCursor? After, int MaxBytes) : IWorkerProtocol;

/// <summary>
/// One node's answer: its name (the logs' Node property), roles, the experiment's lines (compact JSON, one event each,
/// oldest first), where to go on, and whether lines were left for the next request because of the size limit.
/// </summary>
public sealed record NodeLogLines(string Address, string Node, string Roles, IReadOnlyList<string> Lines, LogCursor Cursor, bool More) : IWorkerProtocol
{
    public bool Equals(NodeLogLines? other) => other is not null && Address == other.Address && Node == other.Node && Roles == other.Roles
        && Lines.SequenceEqual(other.Lines) && Cursor == other.Cursor && More == other.More;

    public override int GetHashCode() => HashCode.Combine(Address, Node, Lines.Count, Cursor);
}

/// <summary>
/// The experiment's log lines from every node that answered, and a sentence for each node that could not: a node that
/// served the experiment and is not in the cluster, or a member that did not answer in time.
/// </summary>
public sealed record ExperimentLogs(ExperimentId Id, IReadOnlyList<NodeLogLines> Nodes, IReadOnlyList<string> Unavailable) : ICoordinatorReply
{
    public bool Equals(ExperimentLogs? other) => other is not null && Id == other.Id && Nodes.SequenceEqual(other.Nodes) && Unavailable.SequenceEqual(other.Unavailable);

    public override int GetHashCode() => HashCode.Combine(Id, Nodes.Count);
}

// ---- sweeps -------------------------------------------------------------------------------------

/// <summary>
/// Queues a sweep: the coordinator expands <paramref name="BaseSpecJson"/> and <paramref name="SpaceJson"/> (see README,
/// Sweeps) into child experiments and journals them as one entry. <paramref name="Mode"/> is "max" or "min",
/// <paramref name="Algorithm"/> "grid", "random", "asha" or "pbt". <paramref name="GracePeriod"/> is ASHA's first rung (a
/// checkpoint round; null: the first checkpoint). Replies SweepAccepted or ExperimentRejected (naming the field); a repeated
/// <paramref name="Key"/> gets the first answer.
/// </summary>
public sealed record SubmitSweep(string BaseSpecJson, string SpaceJson, string Metric, string Mode, string Algorithm, int Seeds, int? Budget, int Eta, int Priority,
    WireSettings Wire, string? Key = null, PbtOptions? Pbt = null, int? GracePeriod = null) : ICoordinatorCommand;

/// <summary>
/// Population-based training's options (<c>--algorithm pbt</c>): a member is ready every <paramref name="Ready"/> rounds (at
/// a checkpoint); at each generation the bottom <paramref name="Quantile"/> of the members copy the checkpoint of one of the
/// top <paramref name="Quantile"/> and multiply its learning rates by <paramref name="PerturbDown"/> or <paramref name="PerturbUp"/>
/// (each with probability one half), or resample them from the space with probability <paramref name="ResampleProbability"/>.
/// </summary>
public sealed record PbtOptions(int Ready, double Quantile, double PerturbDown, double PerturbUp, double ResampleProbability);

/// <summary>The sweep was queued under this id, with these children.</summary>
public sealed record SweepAccepted(SweepId Id, IReadOnlyList<ExperimentId> Children) : ICoordinatorReply
{
    public bool Equals(SweepAccepted? other) => other is not null && Id == other.Id && Children.SequenceEqual(other.Children);

    public override int GetHashCode() => HashCode.Combine(Id, Children.Count);
}

/// <summary>Asks for a sweep's children with their metric (<c>sweep status</c>, <c>list --sweep</c>).</summary>
public sealed record GetSweepStatus(SweepId Id) : ICoordinatorCommand;

/// <summary>
/// One child of a sweep: configuration and seed numbers, what the space set, progress, and the sweep's metric when it is a
/// round metric (the mean of the last recorded rounds, at <paramref name="MetricRound"/>); evaluation figures come from GetQuality.
/// </summary>
public sealed record SweepChildStatus(ExperimentId Id, string Name, int Config, int SeedIndex, string Overrides, ExperimentState State, int RoundsDone, int RoundsTotal,
    string? Reason, double? Metric, int? MetricRound);

/// <summary>A sweep: what it optimizes and its children.</summary>
public sealed record SweepStatusReply(SweepId Id, string Name, string Metric, string Mode, string Algorithm, IReadOnlyList<SweepChildStatus> Children) : ICoordinatorReply
{
    public bool Equals(SweepStatusReply? other) =>
        other is not null && Id == other.Id && Name == other.Name && Metric == other.Metric && Mode == other.Mode && Algorithm == other.Algorithm
        && Children.SequenceEqual(other.Children);

    public override int GetHashCode() => HashCode.Combine(Id, Children.Count);
}

/// <summary>No sweep has this id.</summary>
public sealed record UnknownSweep(SweepId Id) : ICoordinatorReply;

/// <summary>Cancels every child of a sweep that has not ended (repeating it is harmless: ended children stay as they are).</summary>
public sealed record CancelSweep(SweepId Id) : ICoordinatorCommand;

/// <summary>The sweep's unfinished children (<paramref name="Cancelled"/> of them) are being cancelled.</summary>
public sealed record SweepCancelAccepted(SweepId Id, int Cancelled) : ICoordinatorReply;

/// <summary>Re-queues every child of a sweep that was cancelled before it completed, from its last checkpoint (<c>sweep resume</c>).</summary>
public sealed record ResumeSweep(SweepId Id) : ICoordinatorCommand;

/// <summary><paramref name="Resumed"/> cancelled children of the sweep are queued again.</summary>
public sealed record SweepResumeAccepted(SweepId Id, int Resumed) : ICoordinatorReply;

/// <summary>Asks for the sweep's round metric over rounds, per child (<c>sweep status --plot</c>).</summary>
public sealed record GetSweepCurves(SweepId Id) : ICoordinatorCommand;

/// <summary>A child's round metric (the mean of the last 10 rounds, as ranked) at each round the coordinator keeps.</summary>
public sealed record SweepCurve(ExperimentId Id, string Name, IReadOnlyList<int> Rounds, IReadOnlyList<double> Values)
{
    public bool Equals(SweepCurve? other) => other is not null && Id == other.Id && Name == other.Name && Rounds.SequenceEqual(other.Rounds) && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Id, Rounds.Count);
}

/// <summary>Every child's curve of the sweep's round metric.</summary>
public sealed record SweepCurvesReply(SweepId Id, string Metric, IReadOnlyList<SweepCurve> Curves) : ICoordinatorReply
{
    public bool Equals(SweepCurvesReply? other) => other is not null && Id == other.Id && Metric == other.Metric && Curves.SequenceEqual(other.Curves);

    public override int GetHashCode() => HashCode.Combine(Id, Curves.Count);
}

/// <summary>Asks for a population-based sweep's lineage (<c>sweep lineage</c>).</summary>
public sealed record GetSweepLineage(SweepId Id) : ICoordinatorCommand;

/// <summary>
/// One generation of a PBT member: at checkpoint <paramref name="Round"/> it reported <paramref name="Metric"/> (null: not
/// known); it then continued from the checkpoint of <paramref name="CopiedFrom"/> at that round (null: from its own) with
/// <paramref name="Hyperparameters"/> ("path=value, ..."). Generation 0 is the start (round 0, the initial hyperparameters).
/// </summary>
public sealed record PbtGenerationStep(int Generation, int Round, double? Metric, ExperimentId? CopiedFrom, string Hyperparameters);

/// <summary>A PBT member and its generations, in order.</summary>
public sealed record PbtMemberLineage(ExperimentId Id, string Name, IReadOnlyList<PbtGenerationStep> Generations)
{
    public bool Equals(PbtMemberLineage? other) => other is not null && Id == other.Id && Name == other.Name && Generations.SequenceEqual(other.Generations);

    public override int GetHashCode() => HashCode.Combine(Id, Generations.Count);
}

/// <summary>
/// Asks for a PBT member's hyperparameter schedule as one experiment (<c>sweep replay</c>): <paramref name="Member"/>, or the
/// best member by the sweep's metric when null.
/// </summary>
public sealed record GetSweepReplay(SweepId Id, ExperimentId? Member) : ICoordinatorCommand;

/// <summary>
/// The experiment that replays member <paramref name="Member"/> (<paramref name="Name"/>, now <paramref name="State"/>) of
/// sweep <paramref name="Id"/>: its root's seed and start, with <paramref name="Changes"/> learning-rate changes at the
/// generations; <paramref name="SpecJson"/> trains the member's weights bit for bit.
/// </summary>
public sealed record SweepReplayReply(SweepId Id, ExperimentId Member, string Name, string State, int Changes, string SpecJson) : ICoordinatorReply;

/// <summary>The lineage of every member of a PBT sweep, with the sweep's readiness interval in rounds.</summary>
public sealed record SweepLineageReply(SweepId Id, string Metric, string Mode, int Ready, IReadOnlyList<PbtMemberLineage> Members) : ICoordinatorReply
{
    public bool Equals(SweepLineageReply? other) =>
        other is not null && Id == other.Id && Metric == other.Metric && Mode == other.Mode && Ready == other.Ready && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => HashCode.Combine(Id, Members.Count);
}
