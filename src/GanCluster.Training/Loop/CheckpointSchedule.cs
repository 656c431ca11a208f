using GanCluster.Training.Options;

namespace GanCluster.Training.Loop;

/// <summary>
/// Which rounds write a checkpoint and which render a sample grid, for local runs and the cluster alike: a checkpoint
/// every <see cref="CheckpointInterval"/> rounds and at the last round; samples at every checkpoint and every
/// <see cref="SampleInterval"/> rounds.
/// </summary>
/// <param name="CheckpointInterval">Checkpoint every this many rounds (0 = only at the end).</param>
/// <param name="SampleInterval">Render samples every this many rounds (0 = only at checkpoints).</param>
/// <param name="Rounds">The last round of the run.</param>
public sealed record CheckpointSchedule(int CheckpointInterval, int SampleInterval, int Rounds)
{
    public static CheckpointSchedule For(ExperimentSpec spec) => new(spec.CheckpointInterval, spec.SampleInterval, spec.Rounds);

    public bool IsCheckpoint(int round) => round == Rounds || (CheckpointInterval > 0 && round > 0 && round % CheckpointInterval == 0);

    public bool RendersSamples(int round) => IsCheckpoint(round) || (SampleInterval > 0 && round > 0 && round % SampleInterval == 0);

    /// <summary>True when a round renders samples but writes no checkpoint (on the cluster the checkpoint brings its own grid).</summary>
    public bool RendersSamplesOnly(int round) => RendersSamples(round) && !IsCheckpoint(round);

    /// <summary>The newest checkpoint round before <paramref name="round"/>, or null when the schedule puts none there.</summary>
    public int? LastCheckpointBefore(int round) =>
        CheckpointInterval > 0 && round > CheckpointInterval ? (round - 1) / CheckpointInterval * CheckpointInterval : null;

    /// <summary>The checkpoint round a run may go up to from <paramref name="nextRound"/>: the next checkpoint, or the last round.</summary>
    public int NextCheckpoint(int nextRound)
    {
        if (CheckpointInterval <= 0)
        {
            return Rounds;
        }

        var boundary = ((nextRound - 1) / CheckpointInterval + 1) * CheckpointInterval;
        return Math.Min(boundary, Rounds);
    }
}
