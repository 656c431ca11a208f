using GanCluster.Training.Options;
using TorchSharp;
using TorchSharp.Modules;

namespace GanCluster.Training.Core;

/// <summary>Builds the optimizer an <see cref="OptimizerSpec"/> describes.</summary>
public static class OptimizerFactory
{
    public static torch.optim.Optimizer Create(OptimizerSpec spec, IEnumerable<Parameter> parameters) => spec.Type switch
    {
        // Never torch.optim.Adam/SGD: their steps pass temporary scalars that a concurrent GC may free mid-call (SafeOptimizers.cs).
        OptimizerKind.Adam => new SafeAdam(parameters, spec.LearningRate, spec.Beta1, spec.Beta2),
        OptimizerKind.Sgd => new SafeSgd(parameters, spec.LearningRate, spec.Momentum),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Type, "unknown optimizer"),
    };

    /// <summary>True when the rate varies during the run (a linear decay or listed changes), so every update sets it.</summary>
    public static bool IsScheduled(OptimizerSpec spec) => spec.FinalLearningRate is not null || spec.LearningRateChanges.Count > 0;

    /// <summary>
    /// The learning rate of update number <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>, with
    /// <paramref name="stepsPerRound"/> updates per round: the base rate is LearningRate, or the last of
    /// LearningRateChanges whose round has passed (step &gt;= afterRound x stepsPerRound); constant, or linear from the base
    /// rate at the first update (the first after DecayAfterRound's rounds, when set) to FinalLearningRate at the last when
    /// FinalLearningRate is set. A pure function of the step
    /// counter, so resumed and cluster runs follow the same schedule, and a run whose rate changes at round r equals a
    /// run stopped at its checkpoint of round r and resumed with the new rate (PBT's exploit, replayed).
    /// </summary>
    public static double LearningRateAt(OptimizerSpec spec, long step, long totalSteps, long stepsPerRound = 1)
    {
        var rate = spec.LearningRate;
        foreach (var change in spec.LearningRateChanges)
        {
            if (step >= change.AfterRound * stepsPerRound)
            {
                rate = change.LearningRate;
            }
        }

        // decayAfterRound: constant up to that round's last step, then the line over the steps left.
        var hold = (long)(spec.DecayAfterRound ?? 0) * stepsPerRound;
        return step < hold ? rate : LinearSchedule.At(rate, spec.FinalLearningRate, step - hold, totalSteps - hold);
    }

    /// <summary>
    /// Sets the learning rate of every parameter group. A restored optimizer state carries the learning rate it
    /// was saved with; the experiment's (possibly changed, for example after divergence) value wins.
    /// </summary>
    public static void ApplyLearningRate(torch.optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
    }
}
