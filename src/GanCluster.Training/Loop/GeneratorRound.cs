namespace GanCluster.Training.Loop;

/// <summary>
/// A generator's progress through one round on the cluster, where batches are pipelined: G's weights do not change
/// until the generator step, so all k + 1 batches of a round are produced back to back, one at a time, each sent as
/// soon as it exists, while the discriminator answers them in schedule order. Immutable; the worker keeps the current
/// value and asks it what to do next.
/// </summary>
/// <param name="Round">The round being run.</param>
/// <param name="Produced">Batches produced (and sent) so far, 0..k + 1.</param>
/// <param name="Acknowledged">Discriminator steps answered so far, 0..k.</param>
/// <param name="Producing">A batch is being produced now.</param>
/// <param name="FeedbackReceived">The generator step's feedback arrived.</param>
public sealed record GeneratorRound(int Round, int Produced, int Acknowledged, bool Producing, bool FeedbackReceived)
{
    public static GeneratorRound Begin(int round) => new(round, 0, 0, false, false);

    /// <summary>The slot of the next batch to produce, or null while one is being produced or when all are.</summary>
    public ScheduleSlot? NextToProduce(RoundSchedule schedule) => Producing || Produced > schedule.K ? null : new ScheduleSlot(Round, Produced);

    public GeneratorRound ProducingNext() => this with { Producing = true };

    public GeneratorRound BatchProduced() => this with { Producing = false, Produced = Produced + 1 };

    /// <summary>The slot whose answer comes next: the next discriminator step, then the generator step's feedback.</summary>
    public ScheduleSlot ExpectedAnswer(RoundSchedule schedule) =>
        FeedbackReceived ? schedule.Next(schedule.GeneratorStep(Round)) : new ScheduleSlot(Round, Acknowledged);

    /// <summary>
    /// Classifies an answer (a discriminator step done, or the generator step's feedback) and takes a current one into
    /// account. An answer to a batch not produced yet cannot be current.
    /// </summary>
    public (AnswerStatus Status, GeneratorRound Next) Answer(RoundSchedule schedule, ScheduleSlot slot)
    {
        var status = schedule.Classify(ExpectedAnswer(schedule), slot);
        if (status == AnswerStatus.Current && slot.Index >= Produced)
        {
            status = AnswerStatus.Ahead;
        }

        if (status != AnswerStatus.Current)
        {
            return (status, this);
        }

        return (status, schedule.EndsRound(slot) ? this with { FeedbackReceived = true } : this with { Acknowledged = Acknowledged + 1 });
    }

    /// <summary>True for a sent batch whose answer has not arrived (sent again when the exchange channel is lost).</summary>
    public bool IsUnanswered(RoundSchedule schedule, ScheduleSlot slot) => slot >= ExpectedAnswer(schedule);

    /// <summary>
    /// True when the next round starts right after <paramref name="round"/>: it is granted (up to the next checkpoint
    /// boundary), the run is not done, and the round did not diverge.
    /// </summary>
    public static bool Continues(RoundSchedule schedule, int round, int grantedTo, bool diverged) =>
        !diverged && round < grantedTo && !schedule.IsRunDone(round);
}
