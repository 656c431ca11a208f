using GanCluster.Cluster.Coordinator.Sweeps;
using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>One experiment as the coordinator's journal knows it.</summary>
public sealed record ExperimentRecord
{
    public required string Id { get; init; }

    public required string SpecJson { get; init; }

    public required string Name { get; init; }

    public int Priority { get; init; }

    public int RoundsTotal { get; init; }

    public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Submission order, the tie-breaker of the queue.</summary>
    public long Sequence { get; init; }

    public ExperimentState State { get; init; } = ExperimentState.Queued;

    public string? Reason { get; init; }

    public string? GeneratorNode { get; init; }

    public string? DiscriminatorNode { get; init; }

    /// <summary>
    /// Metrics of the latest applied rounds (at most <see cref="CoordinatorState.HistoryKept"/>), in order, without gaps or
    /// duplicates. The full history lives in the run folder's metrics.jsonl; keeping only a tail here bounds the state,
    /// its snapshots and the cost of applying a batch, however long experiments run.
    /// </summary>
    public IReadOnlyList<RoundMetrics> History { get; init; } = [];

    /// <summary>The round the current (or last) run started at: the next round expected when the kept history is empty.</summary>
    public int RunStartRound { get; init; } = 1;

    /// <summary>Stored checkpoints by round, with the SHA-256 of each half.</summary>
    public IReadOnlyList<CheckpointRef> Checkpoints { get; init; } = [];

    public int? LatestSampleRound { get; init; }

    /// <summary>
    /// The journal entry of this experiment that could not be read, if any: the experiment is failed with the reason, its
    /// later events are ignored (what they would change is unknown) and it cannot be resumed.
    /// </summary>
    public long? DamagedAt { get; init; }

    /// <summary>The sweep that queued this experiment, or null.</summary>
    public string? SweepId { get; init; }

    /// <summary>A PBT member waiting at this generation for the others (not runnable until it is decided), or null.</summary>
    public int? WaitingForGeneration { get; init; }

    /// <summary>A sweep child waiting for the evaluation of its checkpoint of this round before its sweep decides (not runnable), or null.</summary>
    public int? WaitingForFigure { get; init; }

    /// <summary>A PBT exploit not carried out yet: the next run copies this checkpoint and continues from it.</summary>
    public CheckpointSource? ExploitFrom { get; init; }

    public int RoundsDone => History.Count == 0 ? LastCheckpointRound ?? 0 : History[^1].Round;

    public int? LastCheckpointRound => Checkpoints.Count == 0 ? null : Checkpoints[^1].Round;

    public bool IsFinished => State is ExperimentState.Completed or ExperimentState.Failed or ExperimentState.Cancelled or ExperimentState.Diverged;

    /// <summary>Waiting for a generator/discriminator pair: queued, or paused by a lost node or a restart.</summary>
    public bool IsRunnable => State is ExperimentState.Queued or ExperimentState.Paused && WaitingForGeneration is null && WaitingForFigure is null;
}

/// <summary>A sweep as the journal knows it: what it optimizes, its children and ASHA's reports (in arrival order).</summary>
public sealed record SweepRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Metric { get; init; }

    public SweepMode Mode { get; init; }

    public SweepAlgorithm Algorithm { get; init; }

    public int Eta { get; init; }

    public IReadOnlyList<int> Rungs { get; init; } = [];

    public IReadOnlyList<SweepChildRef> Children { get; init; } = [];

    public IReadOnlyList<RungReport> Reports { get; init; } = [];

    /// <summary>PBT's settings (null for the other algorithms).</summary>
    public PbtSettings? Pbt { get; init; }

    /// <summary>PBT members' reports at their ready rounds, in arrival order.</summary>
    public IReadOnlyList<PbtMemberReady> PbtReports { get; init; } = [];

    /// <summary>PBT's decided generations, in order (generation 1, 2, ...).</summary>
    public IReadOnlyList<PbtGenerationDecided> Generations { get; init; } = [];

    public DateTimeOffset SubmittedAt { get; init; }
}

/// <summary>A sweep's child: its experiment id, configuration and seed numbers, and what the space set.</summary>
public sealed record SweepChildRef(string Id, int Config, int SeedIndex, string Overrides);

/// <summary>A keyed request the coordinator carried out: which request, for which experiment, with what contents.</summary>
public sealed record KeyedRequest(string Request, string Id, string Fingerprint);

/// <summary>A stored checkpoint.</summary>
public sealed record CheckpointRef(int Round, string GeneratorSha256, string DiscriminatorSha256);

/// <summary>Another experiment's stored checkpoint (a PBT exploit's source).</summary>
public sealed record CheckpointSource(string Id, int Round, string GeneratorSha256, string DiscriminatorSha256);

/// <summary>
/// The coordinator's durable state: experiments and the incarnation counter. Pure: <see cref="Apply"/> is
/// the only way it changes, used both when an event is persisted and when the journal is replayed.
/// </summary>
public sealed record CoordinatorState
{
    /// <summary>Rounds of each experiment's history kept in the state (status shows the last 20).</summary>
    public const int HistoryKept = 500;

    public static readonly CoordinatorState Empty = new();

    public long Incarnation { get; init; }

    public long NextSequence { get; init; }

    public IReadOnlyDictionary<string, ExperimentRecord> Experiments { get; init; } = new Dictionary<string, ExperimentRecord>();

    /// <summary>Keys of the submit, cancel and resume requests carried out (kept for good: a few dozen bytes each).</summary>
    public IReadOnlyDictionary<string, KeyedRequest> Keys { get; init; } = new Dictionary<string, KeyedRequest>();

    /// <summary>Unreadable journal entries that named no experiment (see <see cref="UnreadableEvent"/>).</summary>
    public IReadOnlyList<JournalDamage> UnattributedDamage { get; init; } = [];

    /// <summary>Sweeps by id (their children are in <see cref="Experiments"/>).</summary>
    public IReadOnlyDictionary<string, SweepRecord> Sweeps { get; init; } = new Dictionary<string, SweepRecord>();

    public SweepRecord? FindSweep(string id) => Sweeps.TryGetValue(id, out var sweep) ? sweep : null;

    public ExperimentRecord? Find(string id) => Experiments.TryGetValue(id, out var record) ? record : null;

    /// <summary>The queue: runnable experiments by priority (high first), then submission order.</summary>
    public IEnumerable<ExperimentRecord> Runnable() => Experiments.Values
        .Where(e => e.IsRunnable)
        .OrderByDescending(e => e.Priority)
        .ThenBy(e => e.Sequence);

    public CoordinatorState Apply(ICoordinatorEvent @event) => @event switch
    {
        CoordinatorStarted e => this with
        {
            Incarnation = e.Incarnation,
            Experiments = Map(x => x.State == ExperimentState.Running ? x with { State = ExperimentState.Paused, Reason = "coordinator restarted" } : x),
        },
        ExperimentSubmitted e => this with
        {
            NextSequence = NextSequence + 1,
            Experiments = With(new ExperimentRecord
            {
                Id = e.Id,
                SpecJson = e.SpecJson,
                Name = e.Name,
                Priority = e.Priority,
                RoundsTotal = e.RoundsTotal,
                SubmittedAt = e.At,
                Sequence = NextSequence,
            }),
        },
        ExperimentAssigned e => Update(e.Id, x => x with
        {
            State = ExperimentState.Running,
            Reason = null,
            GeneratorNode = e.GeneratorNode,
            DiscriminatorNode = e.DiscriminatorNode,
            History = x.History.Where(m => m.Round < e.NextRound).ToList(),
            RunStartRound = e.NextRound,
        }),
        RoundsRecorded e => Update(e.Id, x => x with { History = Append(x, e.Rounds) }),
        CheckpointStored e => Update(e.Id, x => x with
        {
            Checkpoints = x.Checkpoints.Where(c => c.Round != e.Round).Append(new CheckpointRef(e.Round, e.GeneratorSha256, e.DiscriminatorSha256)).OrderBy(c => c.Round).ToList(),
        }),
        CheckpointsPruned e => Update(e.Id, x => x with { Checkpoints = x.Checkpoints.Where(c => !e.Rounds.Contains(c.Round)).ToList() }),
        SampleGridStored e => Update(e.Id, x => x with { LatestSampleRound = e.Round }),
        ExperimentPaused e => Update(e.Id, x => x.IsFinished ? x : x with { State = ExperimentState.Paused, Reason = e.Reason }),
        ExperimentCompleted e => Update(e.Id, x => x with { State = ExperimentState.Completed, Reason = null }),
        ExperimentFailed e => Update(e.Id, x => x with { State = e.Diverged ? ExperimentState.Diverged : ExperimentState.Failed, Reason = e.Reason }),
        ExperimentCancelled e => Update(e.Id, x => x with { State = ExperimentState.Cancelled, Reason = "cancelled by the user" }),
        ExperimentResumed e => Update(e.Id, x => x with
        {
            State = ExperimentState.Queued,
            Reason = null,
            SpecJson = e.SpecJson,
            RoundsTotal = e.RoundsTotal,
            // Resumed while it waited for a figure (cancelled meanwhile): it goes on from its checkpoint without the decision.
            WaitingForFigure = null,
            // A PBT member whose generation was decided without it (it was cancelled meanwhile) goes on from its own checkpoint.
            WaitingForGeneration = x.WaitingForGeneration is { } g && FindSweep(x.SweepId ?? string.Empty)?.Generations.Any(d => d.Generation == g) == true ? null : x.WaitingForGeneration,
        }),
        UnreadableEvent { ExperimentId: null } e => this with { UnattributedDamage = [.. UnattributedDamage, new JournalDamage(e.SequenceNr, e.Manifest, e.Error)] },
        UnreadableEvent e => Damage(e),
        SweepSubmitted e => SweepQueued(e),
        RungReached e when FindSweep(e.Sweep) is { } sweep => (this with
        {
            Sweeps = new Dictionary<string, SweepRecord>(Sweeps) { [sweep.Id] = sweep with { Reports = [.. sweep.Reports, new RungReport(e.Id, e.Rung, e.Value)] } },
        }).Update(e.Id, x => x.WaitingForFigure == e.Round && !x.IsFinished ? x with { State = ExperimentState.Queued, Reason = null, WaitingForFigure = null } : x),
        RungReached => this,
        PbtMemberReady e when FindSweep(e.Sweep) is { } sweep => WithSweep(sweep with { PbtReports = [.. sweep.PbtReports, e] }).Update(e.Id, x => x.IsFinished ? x : x with
        {
            State = ExperimentState.Paused,
            Reason = $"PBT: ready at generation {e.Generation} (round {e.Round}); waits for the other members",
            WaitingForGeneration = e.Generation,
            WaitingForFigure = null,
        }),
        PbtMemberReady => this,
        SweepFigureAwaited e when FindSweep(e.Sweep) is { } sweep => Update(e.Id, x => x.IsFinished ? x : x with
        {
            State = ExperimentState.Paused,
            Reason = $"{sweep.Algorithm.ToString().ToUpperInvariant()}: waits for the evaluation of its round {e.Round} checkpoint ({sweep.Metric}) before the sweep decides",
            WaitingForFigure = e.Round,
        }),
        SweepFigureAwaited => this,
        PbtGenerationDecided e when FindSweep(e.Sweep) is { } sweep => e.Steps.Aggregate(WithSweep(sweep with { Generations = [.. sweep.Generations, e] }), (state, step) =>
            state.Update(step.Member, x => x.IsFinished ? x : x with
            {
                State = ExperimentState.Queued,
                Reason = null,
                WaitingForGeneration = null,
                SpecJson = step.SpecJson,
                ExploitFrom = step.Source is { } source ? new CheckpointSource(source, e.Round, step.SourceGeneratorSha256!, step.SourceDiscriminatorSha256!) : null,
            })),
        PbtGenerationDecided => this,
        CheckpointCopied e => Update(e.Id, x => x with
        {
            Checkpoints = x.Checkpoints.Where(c => c.Round < e.Round).Append(new CheckpointRef(e.Round, e.GeneratorSha256, e.DiscriminatorSha256)).ToList(),
            ExploitFrom = null,
        }),
        ExperimentStoppedEarly e => Update(e.Id, x => x with { State = ExperimentState.Completed, Reason = e.Reason }),
        RequestKeyRecorded e => this with { Keys = new Dictionary<string, KeyedRequest>(Keys) { [e.Key] = new(e.Request, e.Id, e.Fingerprint) } },
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "unknown coordinator event"),
    };

    /// <summary>The round up to which a pair may run before the next checkpoint (or the end).</summary>
    public static int NextBoundary(int nextRound, int checkpointInterval, int roundsTotal) =>
        new Training.Loop.CheckpointSchedule(checkpointInterval, 0, roundsTotal).NextCheckpoint(nextRound);

    /// <summary>Checkpoints beyond the newest <paramref name="retention"/> ones.</summary>
    public static IReadOnlyList<int> Prunable(ExperimentRecord record, int retention) =>
        record.Checkpoints.Count <= retention ? [] : record.Checkpoints.Take(record.Checkpoints.Count - retention).Select(c => c.Round).ToList();

    private static IReadOnlyList<RoundMetrics> Append(ExperimentRecord record, IReadOnlyList<RoundMetrics> rounds)
    {
        var history = record.History;
        var last = history.Count == 0 ? record.RunStartRound - 1 : history[^1].Round;
        var list = new List<RoundMetrics>(Math.Min(HistoryKept, history.Count + rounds.Count));
        list.AddRange(history.Skip(Math.Max(0, history.Count + rounds.Count - HistoryKept)));
        foreach (var round in rounds)
        {
            // A round is recorded once, in order: duplicates and gaps would come from a bug upstream.
            if (round.Round == last + 1)
            {
                list.Add(round);
                last = round.Round;
            }
        }

        return list.Count > HistoryKept ? list.GetRange(list.Count - HistoryKept, HistoryKept) : list;
    }

    // A damaged experiment keeps the state its damage left it in: events after an unreadable one may depend on it.
    private CoordinatorState Update(string id, Func<ExperimentRecord, ExperimentRecord> change) =>
        Experiments.TryGetValue(id, out var record) && record.DamagedAt is null ? this with { Experiments = With(change(record)) } : this;

    /// <summary>Fails the experiment the unreadable entry names; one whose submission is unreadable is listed by id alone.</summary>
    private CoordinatorState Damage(UnreadableEvent e)
    {
        if (Find(e.ExperimentId!) is { } record)
        {
            return record.DamagedAt is null
                ? this with { Experiments = With(record with { State = ExperimentState.Failed, Reason = e.Describe(), DamagedAt = e.SequenceNr }) }
                : this;
        }

        return this with
        {
            NextSequence = NextSequence + 1,
            Experiments = With(new ExperimentRecord
            {
                Id = e.ExperimentId!,
                SpecJson = string.Empty,
                Name = "(unreadable)",
                State = ExperimentState.Failed,
                Reason = e.Describe(),
                DamagedAt = e.SequenceNr,
                Sequence = NextSequence,
            }),
        };
    }

    private CoordinatorState SweepQueued(SweepSubmitted e)
    {
        var experiments = new Dictionary<string, ExperimentRecord>(Experiments);
        var sequence = NextSequence;
        foreach (var child in e.Children)
        {
            experiments[child.Id] = new ExperimentRecord
            {
                Id = child.Id,
                SpecJson = child.SpecJson,
                Name = child.Name,
                Priority = e.Priority,
                RoundsTotal = child.RoundsTotal,
                SubmittedAt = e.At,
                Sequence = sequence++,
                SweepId = e.Id,
            };
        }

        var sweep = new SweepRecord
        {
            Id = e.Id,
            Name = e.Name,
            Metric = e.Metric,
            Mode = Enum.Parse<SweepMode>(e.Mode, ignoreCase: true),
            Algorithm = Enum.Parse<SweepAlgorithm>(e.Algorithm, ignoreCase: true),
            Eta = e.Eta,
            Rungs = e.Rungs,
            Pbt = e.Pbt,
            Children = e.Children.Select(c => new SweepChildRef(c.Id, c.Config, c.SeedIndex, c.Overrides)).ToList(),
            SubmittedAt = e.At,
        };
        return this with
        {
            NextSequence = sequence,
            Experiments = experiments,
            Sweeps = new Dictionary<string, SweepRecord>(Sweeps) { [e.Id] = sweep },
        };
    }

    private CoordinatorState WithSweep(SweepRecord sweep) => this with { Sweeps = new Dictionary<string, SweepRecord>(Sweeps) { [sweep.Id] = sweep } };

    private IReadOnlyDictionary<string, ExperimentRecord> With(ExperimentRecord record) =>
        new Dictionary<string, ExperimentRecord>(Experiments) { [record.Id] = record };

    private IReadOnlyDictionary<string, ExperimentRecord> Map(Func<ExperimentRecord, ExperimentRecord> change) =>
        Experiments.ToDictionary(kv => kv.Key, kv => change(kv.Value));
}
