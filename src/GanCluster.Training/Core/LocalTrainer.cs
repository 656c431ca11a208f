using System.Diagnostics;
using GanCluster.Training.Data;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>
/// Composes the two halves in one process and follows Algorithm 1 of Goodfellow et al. (2014): per round,
/// k discriminator steps on fresh fake batches, then one generator step through the exchange of the fake
/// batch and dLoss/dFake. The cluster runs the very same calls on two machines.
/// </summary>
public sealed class LocalTrainer : IDisposable
{
    private readonly ExperimentSpec _spec;

    public LocalTrainer(ExperimentSpec spec, SampleSet trainingData, Device device)
    {
        _spec = spec;
        Generator = new GeneratorHalf(spec, device);
        Discriminator = new DiscriminatorHalf(spec, device, trainingData);
    }

    public GeneratorHalf Generator { get; }

    public DiscriminatorHalf Discriminator { get; }

    /// <summary>Batch diversity is measured on rounds divisible by this (0 = never).</summary>
    public int DiversityEvery { get; init; } = 10;

    /// <summary>Rounds completed so far; the next round is Round + 1.</summary>
    public int Round { get; private set; }

    public RoundResult RunRound()
    {
        var round = Round + 1;
        var total = Stopwatch.StartNew();
        var watch = new Stopwatch();
        double forwardMs = 0, dStepMs = 0, dLoss = 0, dReal = 0, dFake = 0;
        BatchDiversity? diversity = null;
        for (var step = 0; step < _spec.K; step++)
        {
            watch.Restart();
            using var fake = Generator.ProduceForDiscriminator();
            forwardMs += watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var result = Discriminator.Step(fake.Samples, fake.Labels, measureDiversity: step == 0 && DiversityEvery > 0 && round % DiversityEvery == 0, fake.SideInputs);
            diversity ??= result.Diversity;
            dStepMs += watch.Elapsed.TotalMilliseconds;
            dLoss += result.Loss;
            dReal += result.DReal;
            dFake += result.DFake;
        }

        watch.Restart();
        using var forUpdate = Generator.ProduceForUpdate();
        forwardMs += watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        using var feedback = Discriminator.Feedback(forUpdate.Samples, forUpdate.Labels, forUpdate.SideInputs);
        var feedbackMs = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        Generator.ApplyGradient(feedback.Gradient);
        var updateMs = watch.Elapsed.TotalMilliseconds;
        Round = round;
        return new RoundResult(round, dLoss / _spec.K, feedback.Loss, dReal / _spec.K, dFake / _spec.K,
            forwardMs, dStepMs, feedbackMs, updateMs, total.Elapsed.TotalMilliseconds)
        {
            Diversity = diversity,
        };
    }

    /// <summary>Both halves and the round counter, at this round boundary.</summary>
    public Checkpoint Capture() => new(_spec, Round, Generator.SaveState(), Discriminator.SaveState());

    /// <summary>Restores both halves and the round counter from a checkpoint of the same experiment settings.</summary>
    public void Restore(Checkpoint checkpoint)
    {
        Generator.LoadState(checkpoint.Generator);
        Discriminator.LoadState(checkpoint.Discriminator);
        Round = checkpoint.Round;
    }

    public void Dispose()
    {
        Generator.Dispose();
        Discriminator.Dispose();
    }
}
