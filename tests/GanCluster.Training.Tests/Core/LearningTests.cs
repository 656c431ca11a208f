using GanCluster.Training.Core;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>The halves learn: each player's loss goes down when it trains against a fixed opponent.</summary>
public sealed class LearningTests
{
    [Theory]
    [InlineData(LossKind.Minimax)]
    [InlineData(LossKind.NonSaturating)]
    [InlineData(LossKind.Hinge)]
    public void Discriminator_loss_decreases_against_a_fixed_generator(LossKind loss)
    {
        var spec = TinyData.Toy(loss, 1);
        using var data = TinyData.Points(spec);
        using var trainer = new LocalTrainer(spec, data, CPU);
        var losses = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            using var fake = trainer.Generator.ProduceForDiscriminator();
            losses.Add(trainer.Discriminator.Step(fake.Samples, fake.Labels).Loss);
        }

        Assert.True(losses.TakeLast(10).Average() < losses.Take(10).Average() * 0.8, $"D loss {losses.Take(10).Average():F4} -> {losses.TakeLast(10).Average():F4}");
    }

    [Theory]
    [InlineData(LossKind.Minimax)]
    [InlineData(LossKind.NonSaturating)]
    [InlineData(LossKind.Hinge)]
    public void Generator_loss_decreases_against_a_fixed_discriminator(LossKind loss)
    {
        var spec = TinyData.Toy(loss, 1);
        using var data = TinyData.Points(spec);
        using var trainer = new LocalTrainer(spec, data, CPU);
        for (var i = 0; i < 30; i++)
        {
            using var fake = trainer.Generator.ProduceForDiscriminator();
            trainer.Discriminator.Step(fake.Samples, fake.Labels);
        }

        var losses = new List<double>();
        for (var i = 0; i < 40; i++)
        {
            using var fake = trainer.Generator.ProduceForUpdate();
            using var feedback = trainer.Discriminator.Feedback(fake.Samples, fake.Labels);
            losses.Add(feedback.Loss);
            trainer.Generator.ApplyGradient(feedback.Gradient);
        }

        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average(), $"G loss {losses.Take(5).Average():F4} -> {losses.TakeLast(5).Average():F4}");
    }

    [Fact]
    public void Feedback_does_not_change_the_discriminator()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);
        using var data = TinyData.Points(spec);
        using var trainer = new LocalTrainer(spec, data, CPU);
        var before = trainer.Discriminator.SaveState().Data;
        using var fake = trainer.Generator.ProduceForUpdate();
        using var feedback = trainer.Discriminator.Feedback(fake.Samples, fake.Labels);
        Assert.Equal(before, trainer.Discriminator.SaveState().Data);
        Assert.Equal(fake.Samples.shape, feedback.Gradient.shape);
        Assert.True(feedback.Gradient.abs().sum().item<float>() > 0);
    }
}
