using System.Diagnostics;
using GanCluster.Training.Data;
using GanCluster.Training.Loop;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>
/// Composes the two halves in one process and follows the round schedule (<see cref="RoundSchedule"/>, Algorithm 1 of
/// Goodfellow et al., 2014): per round, k discriminator steps on fresh fake batches, then one generator step through the
/// exchange of the fake batch and dLoss/dFake. The cluster runs the very same calls on two machines.
/// </summary>
public sealed class LocalTrainer : IDisposable
{
    private readonly ExperimentSpec _spec;
    private readonly RoundSchedule _schedule;

    public LocalTrainer(ExperimentSpec spec, SampleSet trainingData, Device device)
    {
        _spec = spec;
        _schedule = RoundSchedule.For(spec);
        Generator = new GeneratorHalf(spec, device);
        Discriminator = new DiscriminatorHalf(spec, device, trainingData);
    }

    public GeneratorHalf Generator { get; }

    public DiscriminatorHalf Discriminator { get; }

    /// <summary>Batch diversity is measured on rounds divisible by this (0 = never).</summary>
    public int DiversityEvery { get; init; } = 10;

    /// <summary>Rounds completed so far; the next round is Round + 1.</summary>
    public int Round { get; private set; }

    /// <summary>Runs the next round of the schedule: its k discriminator steps, then its generator step.</summary>
    public RoundResult RunRound()
    {
        var round = Round + 1;
        var total = Stopwatch.StartNew();
        var watch = new Stopwatch();
        var accumulator = new RoundAccumulator(round);
        for (var slot = _schedule.Start(round); _schedule.KindOf(slot) == StepKind.Discriminator; slot = _schedule.Next(slot))
        {
            watch.Restart();
            using var fake = Generator.ProduceForDiscriminator();
            accumulator.AddGeneratorForward(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            var result = Discriminator.Step(fake.Samples, fake.Labels, RoundSchedule.MeasuresDiversity(slot, DiversityEvery), fake.SideInputs);
            accumulator.AddDiscriminatorStep(result.Terms, watch.Elapsed.TotalMilliseconds, result.Diversity);
        }

        watch.Restart();
        using var forUpdate = Generator.ProduceForUpdate();
        accumulator.AddGeneratorForward(watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        using var feedback = Discriminator.Feedback(forUpdate.Samples, forUpdate.Labels, forUpdate.SideInputs);
        accumulator.AddGeneratorStep(feedback.Terms, watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        Generator.ApplyGradient(feedback.Gradient);
        accumulator.AddGeneratorUpdate(watch.Elapsed.TotalMilliseconds);
        Round = round;
        return accumulator.Complete(total.Elapsed.TotalMilliseconds);
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
