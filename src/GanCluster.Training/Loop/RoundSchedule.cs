using GanCluster.Training.Options;

namespace GanCluster.Training.Loop;

/// <summary>The two kinds of exchange of a round: one of the k discriminator steps, or the generator step.</summary>
public enum StepKind
{
    Discriminator,
    Generator,
}

/// <summary>
/// One exchange of the schedule: <see cref="Index"/> 0..k-1 are the discriminator steps of <see cref="Round"/>, k is
/// its generator step. Slots are ordered as the schedule runs them.
/// </summary>
public readonly record struct ScheduleSlot(int Round, int Index) : IComparable<ScheduleSlot>
{
    public int CompareTo(ScheduleSlot other) => Round != other.Round ? Round.CompareTo(other.Round) : Index.CompareTo(other.Index);

    public static bool operator <(ScheduleSlot a, ScheduleSlot b) => a.CompareTo(b) < 0;

    public static bool operator >(ScheduleSlot a, ScheduleSlot b) => a.CompareTo(b) > 0;

    public static bool operator <=(ScheduleSlot a, ScheduleSlot b) => a.CompareTo(b) <= 0;

    public static bool operator >=(ScheduleSlot a, ScheduleSlot b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"round {Round} exchange {Index}";
}

/// <summary>How an incoming batch or answer relates to the slot the schedule expects.</summary>
public enum AnswerStatus
{
    /// <summary>The expected slot: apply it.</summary>
    Current,

    /// <summary>An earlier slot of this round or the previous one: already applied; answer it again from what was kept, never apply it twice.</summary>
    Replay,

    /// <summary>Older than that, or not a slot of this schedule: drop it.</summary>
    Stale,

    /// <summary>A later slot than expected (something in between is missing): drop it.</summary>
    Ahead,
}

/// <summary>
/// The round schedule of Algorithm 1 (Goodfellow et al., 2014), the one rule <c>LocalTrainer</c> and both cluster
/// workers follow: per round, k discriminator steps on fresh fake batches, then one generator step; rounds 1..Rounds.
/// Pure: it says what comes after a slot and how an incoming slot relates to the expected one; the callers keep the
/// progress. Pipelining (a generator producing the next batch while the discriminator works) changes when batches are
/// produced, never the order in which either half uses them, which keeps split runs bit-exact.
/// </summary>
/// <param name="K">Discriminator steps per round.</param>
/// <param name="Rounds">Rounds of the run.</param>
public sealed record RoundSchedule(int K, int Rounds)
{
    public static RoundSchedule For(ExperimentSpec spec) => new(spec.K, spec.Rounds);

    /// <summary>The first slot of a round.</summary>
    public ScheduleSlot Start(int round) => new(round, 0);

    /// <summary>The generator step of a round.</summary>
    public ScheduleSlot GeneratorStep(int round) => new(round, K);

    /// <summary>
    /// The slot of a discriminator step (0..k-1) or of the generator step (its step number is ignored). A discriminator
    /// step number out of range gives a slot outside the schedule, which <see cref="Classify"/> calls stale.
    /// </summary>
    public ScheduleSlot Slot(int round, StepKind kind, int step) =>
        kind == StepKind.Generator ? GeneratorStep(round) : new ScheduleSlot(round, step >= 0 && step < K ? step : -1);

    public StepKind KindOf(ScheduleSlot slot) => slot.Index < K ? StepKind.Discriminator : StepKind.Generator;

    /// <summary>True for the generator step, the slot that completes its round.</summary>
    public bool EndsRound(ScheduleSlot slot) => slot.Index == K;

    /// <summary>The slot after this one: the next discriminator step, the generator step, or the next round's first step.</summary>
    public ScheduleSlot Next(ScheduleSlot slot) => slot.Index < K ? slot with { Index = slot.Index + 1 } : Start(slot.Round + 1);

    /// <summary>True when <paramref name="roundsDone"/> completes the run.</summary>
    public bool IsRunDone(int roundsDone) => roundsDone >= Rounds;

    /// <summary>
    /// True when the real half of a discriminator step may be computed once <paramref name="slot"/> is worked on: the next
    /// slot is a discriminator step, and D's parameters do not change until its fake batch arrives.
    /// </summary>
    public bool PreparesAfter(ScheduleSlot slot) => KindOf(Next(slot)) == StepKind.Discriminator;

    /// <summary>
    /// True when a discriminator step measures batch diversity (for the collapse alarm): the first step of every
    /// <paramref name="every"/>-th round (0 = never). Measuring draws no random numbers, so training is unchanged.
    /// </summary>
    public static bool MeasuresDiversity(ScheduleSlot slot, int every) => slot.Index == 0 && every > 0 && slot.Round % every == 0;

    /// <summary>
    /// How <paramref name="incoming"/> relates to <paramref name="expected"/>. Replays are limited to this round and the
    /// previous one: a discriminator keeps its answers that long (a generator resends unanswered batches after a lost
    /// channel, and never further back).
    /// </summary>
    public AnswerStatus Classify(ScheduleSlot expected, ScheduleSlot incoming)
    {
        if (incoming.Index < 0 || incoming.Index > K || incoming.Round < 1)
        {
            return AnswerStatus.Stale;
        }

        if (incoming == expected)
        {
            return AnswerStatus.Current;
        }

        if (incoming > expected)
        {
            return AnswerStatus.Ahead;
        }

        return incoming.Round >= expected.Round - 1 ? AnswerStatus.Replay : AnswerStatus.Stale;
    }

    /// <summary>
    /// True when a checkpoint of round <paramref name="round"/> may be taken with <paramref name="expected"/> as the next
    /// slot: the round is complete and nothing of the next one has been applied.
    /// </summary>
    public bool IsBoundary(ScheduleSlot expected, int round) => expected == Start(round + 1);
}
