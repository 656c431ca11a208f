namespace GanCluster.Training.Core;

/// <summary>A setting that runs on a line over a run's steps: the learning rates' finalLearningRate and R1's r1FinalGamma.</summary>
public static class LinearSchedule
{
    /// <summary>
    /// <paramref name="start"/> at step 0 (0-based) of <paramref name="totalSteps"/>, <paramref name="end"/> at the last,
    /// on the line between them in between and held after; <paramref name="start"/> throughout when there is no end or
    /// the run has a single step. A pure function of the step counter, so resumed and cluster runs follow the same line.
    /// </summary>
    public static double At(double start, double? end, long step, long totalSteps)
    {
        if (end is not { } final || totalSteps <= 1)
        {
            return start;
        }

        var progress = Math.Clamp((double)step / (totalSteps - 1), 0, 1);
        return start + ((final - start) * progress);
    }
}
