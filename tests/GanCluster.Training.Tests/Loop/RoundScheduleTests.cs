using GanCluster.Training.Loop;

namespace GanCluster.Training.Tests.Loop;

public sealed class RoundScheduleTests
{
    private static readonly RoundSchedule Schedule = new(K: 2, Rounds: 3);

    [Fact]
    public void A_round_is_k_discriminator_steps_then_the_generator_step_then_the_next_round()
    {
        var slots = new List<(ScheduleSlot Slot, StepKind Kind)>();
        for (var slot = Schedule.Start(1); slot.Round == 1 || slot.Index == 0 && slot.Round == 2; slot = Schedule.Next(slot))
        {
            slots.Add((slot, Schedule.KindOf(slot)));
            if (slot.Round == 2)
            {
                break;
            }
        }

        Assert.Equal(
            [(new(1, 0), StepKind.Discriminator), (new(1, 1), StepKind.Discriminator), (new(1, 2), StepKind.Generator), (new(2, 0), StepKind.Discriminator)],
            slots);
        Assert.True(Schedule.EndsRound(new ScheduleSlot(1, 2)));
        Assert.False(Schedule.EndsRound(new ScheduleSlot(1, 1)));
    }

    [Fact]
    public void The_generator_step_is_the_same_slot_whatever_step_number_it_carries()
    {
        Assert.Equal(new ScheduleSlot(4, 2), Schedule.Slot(4, StepKind.Generator, 0));
        Assert.Equal(new ScheduleSlot(4, 2), Schedule.Slot(4, StepKind.Generator, 2));
        Assert.Equal(new ScheduleSlot(4, 1), Schedule.Slot(4, StepKind.Discriminator, 1));
        Assert.Equal(AnswerStatus.Stale, Schedule.Classify(new(4, 2), Schedule.Slot(4, StepKind.Discriminator, 2)));
    }

    [Fact]
    public void The_run_is_done_after_its_last_round()
    {
        Assert.False(Schedule.IsRunDone(2));
        Assert.True(Schedule.IsRunDone(3));
    }

    [Fact]
    public void The_expected_slot_is_current_and_a_later_one_is_ahead()
    {
        Assert.Equal(AnswerStatus.Current, Schedule.Classify(new(2, 1), new(2, 1)));
        Assert.Equal(AnswerStatus.Ahead, Schedule.Classify(new(2, 1), new(2, 2)));
        Assert.Equal(AnswerStatus.Ahead, Schedule.Classify(new(2, 1), new(3, 0)));
    }

    [Fact]
    public void Earlier_slots_of_this_round_and_the_previous_one_are_replays_and_older_ones_stale()
    {
        Assert.Equal(AnswerStatus.Replay, Schedule.Classify(new(3, 1), new(3, 0)));
        Assert.Equal(AnswerStatus.Replay, Schedule.Classify(new(3, 1), new(2, 2)));
        Assert.Equal(AnswerStatus.Stale, Schedule.Classify(new(3, 1), new(1, 2)));
    }

    [Fact]
    public void A_slot_outside_the_schedule_is_stale()
    {
        Assert.Equal(AnswerStatus.Stale, Schedule.Classify(new(2, 0), new(2, 3)));
        Assert.Equal(AnswerStatus.Stale, Schedule.Classify(new(2, 0), new(2, -1)));
        Assert.Equal(AnswerStatus.Stale, Schedule.Classify(new(1, 0), new(0, 0)));
    }

    [Fact]
    public void The_real_half_is_prepared_ahead_only_when_a_discriminator_step_comes_next()
    {
        Assert.True(Schedule.PreparesAfter(new ScheduleSlot(1, 0)));
        Assert.False(Schedule.PreparesAfter(new ScheduleSlot(1, 1)));
        Assert.True(Schedule.PreparesAfter(new ScheduleSlot(1, 2)));
    }

    [Fact]
    public void A_checkpoint_boundary_is_the_start_of_the_next_round()
    {
        Assert.True(Schedule.IsBoundary(new ScheduleSlot(3, 0), 2));
        Assert.False(Schedule.IsBoundary(new ScheduleSlot(3, 1), 2));
        Assert.False(Schedule.IsBoundary(new ScheduleSlot(3, 0), 3));
    }

    [Fact]
    public void Diversity_is_measured_on_the_first_step_of_every_nth_round()
    {
        Assert.True(RoundSchedule.MeasuresDiversity(new ScheduleSlot(10, 0), 10));
        Assert.False(RoundSchedule.MeasuresDiversity(new ScheduleSlot(10, 1), 10));
        Assert.False(RoundSchedule.MeasuresDiversity(new ScheduleSlot(11, 0), 10));
        Assert.False(RoundSchedule.MeasuresDiversity(new ScheduleSlot(10, 0), 0));
    }
}
