using GanCluster.Training.Loop;

namespace GanCluster.Training.Tests.Loop;

public sealed class GeneratorRoundTests
{
    private static readonly RoundSchedule Schedule = new(K: 2, Rounds: 10);

    [Fact]
    public void All_batches_of_a_round_are_produced_one_at_a_time_without_waiting_for_answers()
    {
        var round = GeneratorRound.Begin(5);
        var produced = new List<ScheduleSlot>();
        while (round.NextToProduce(Schedule) is { } slot)
        {
            produced.Add(slot);
            round = round.ProducingNext();
            Assert.Null(round.NextToProduce(Schedule));
            round = round.BatchProduced();
        }

        Assert.Equal([new(5, 0), new(5, 1), new(5, 2)], produced);
    }

    [Fact]
    public void Answers_are_taken_in_schedule_order_and_feedback_only_after_every_discriminator_step()
    {
        var round = Produce(GeneratorRound.Begin(1), 3);

        Assert.Equal(AnswerStatus.Ahead, round.Answer(Schedule, Schedule.GeneratorStep(1)).Status);
        (var status, round) = round.Answer(Schedule, new ScheduleSlot(1, 0));
        Assert.Equal(AnswerStatus.Current, status);
        Assert.Equal(AnswerStatus.Replay, round.Answer(Schedule, new ScheduleSlot(1, 0)).Status);
        (_, round) = round.Answer(Schedule, new ScheduleSlot(1, 1));
        (status, round) = round.Answer(Schedule, Schedule.GeneratorStep(1));

        Assert.Equal(AnswerStatus.Current, status);
        Assert.True(round.FeedbackReceived);
        Assert.Equal(AnswerStatus.Replay, round.Answer(Schedule, Schedule.GeneratorStep(1)).Status);
    }

    [Fact]
    public void An_answer_to_a_batch_not_produced_yet_is_not_current()
    {
        var round = Produce(GeneratorRound.Begin(1), 1);
        (_, round) = round.Answer(Schedule, new ScheduleSlot(1, 0));

        Assert.Equal(AnswerStatus.Ahead, round.Answer(Schedule, new ScheduleSlot(1, 1)).Status);
    }

    [Fact]
    public void Answers_of_old_rounds_are_stale()
    {
        var round = Produce(GeneratorRound.Begin(4), 3);

        Assert.Equal(AnswerStatus.Stale, round.Answer(Schedule, new ScheduleSlot(2, 0)).Status);
    }

    [Fact]
    public void Unanswered_batches_are_those_from_the_next_expected_answer_on()
    {
        var round = Produce(GeneratorRound.Begin(1), 3);
        (_, round) = round.Answer(Schedule, new ScheduleSlot(1, 0));

        Assert.False(round.IsUnanswered(Schedule, new ScheduleSlot(1, 0)));
        Assert.True(round.IsUnanswered(Schedule, new ScheduleSlot(1, 1)));
        Assert.True(round.IsUnanswered(Schedule, Schedule.GeneratorStep(1)));
    }

    [Fact]
    public void The_next_round_starts_only_when_granted_not_diverged_and_not_past_the_run()
    {
        Assert.True(GeneratorRound.Continues(Schedule, 3, grantedTo: 5, diverged: false));
        Assert.False(GeneratorRound.Continues(Schedule, 5, grantedTo: 5, diverged: false));
        Assert.False(GeneratorRound.Continues(Schedule, 3, grantedTo: 5, diverged: true));
        Assert.False(GeneratorRound.Continues(Schedule, 10, grantedTo: 12, diverged: false));
    }

    private static GeneratorRound Produce(GeneratorRound round, int batches)
    {
        for (var i = 0; i < batches; i++)
        {
            round = round.ProducingNext().BatchProduced();
        }

        return round;
    }
}
