namespace GanCluster.Training.Loop;

/// <summary>
/// The answers a discriminator gave in the current and the previous round, by slot: a generator whose exchange
/// channel closed mid-round sends its unanswered batches again, and a batch already worked on is answered from here
/// instead of being applied twice (see <see cref="AnswerStatus.Replay"/>).
/// </summary>
public sealed class ReplayCache<TAnswer>
    where TAnswer : class
{
    private readonly Dictionary<ScheduleSlot, TAnswer> _answers = [];
    private int _round;

    public int Count => _answers.Count;

    public void Remember(ScheduleSlot slot, TAnswer answer)
    {
        // Pruned once per round, when its first answer comes, not at every step.
        if (slot.Round != _round)
        {
            _round = slot.Round;
            foreach (var old in _answers.Keys.Where(s => s.Round < slot.Round - 1).ToList())
            {
                _answers.Remove(old);
            }
        }

        _answers[slot] = answer;
    }

    public TAnswer? Find(ScheduleSlot slot) => _answers.GetValueOrDefault(slot);

    public void Clear()
    {
        _answers.Clear();
        _round = 0;
    }
}
