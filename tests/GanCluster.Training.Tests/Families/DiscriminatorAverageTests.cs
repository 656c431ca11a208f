using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using TorchSharp;
using static TorchSharp.torch;
using static GanCluster.Training.Tests.Core.ModuleWeights;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// discriminatorEma: the exponential moving average of D's weights that the figures read from D use (the semi-supervised
/// GAN's classifier here, as in Salimans et al.'s code). Training never reads it; it is part of D's state.
/// </summary>
public sealed class DiscriminatorAverageTests
{
    private static ExperimentSpec Tiny(double discriminatorEma) => SsganFamilyTests.Tiny(k: 1) with { DiscriminatorEma = discriminatorEma };

    [Fact]
    public void Averaging_D_changes_neither_training_nor_its_random_streams()
    {
        using var data = Training(Tiny(0));
        using var without = new LocalTrainer(Tiny(0), data, CPU);
        using var with = new LocalTrainer(Tiny(0.9), data, CPU);
        for (var round = 0; round < 2; round++)
        {
            var a = without.RunRound();
            var b = with.RunRound();
            Assert.Equal((a.DLoss, a.GLoss), (b.DLoss, b.GLoss));
        }

        AssertSame(without.Discriminator.Network, with.Discriminator.Network);
        Assert.Equal(without.Generator.SaveState().Data, with.Generator.SaveState().Data);
        Assert.Same(without.Discriminator.Network, without.Discriminator.EvaluationNetwork);
    }

    [Fact]
    public void The_half_averages_after_every_discriminator_step_and_its_figures_read_the_average()
    {
        using var data = Training(Tiny(0.9));
        using var trainer = new LocalTrainer(Tiny(0.9), data, CPU);
        var w0 = Snapshot(trainer.Discriminator.Network);
        trainer.RunRound(); // k = 1: one D step per round, and G's step leaves D as it is
        var w1 = Snapshot(trainer.Discriminator.Network);
        trainer.RunRound();
        var w2 = Snapshot(trainer.Discriminator.Network);

        // Update 0: beta = min(0.9, 1/10) = 0.1; update 1: beta = 2/11.
        var b1 = 2.0 / 11.0;
        var averaged = trainer.Discriminator.EvaluationNetwork.parameters().ToList();
        Assert.Equal(w2.Count, averaged.Count);
        for (var i = 0; i < averaged.Count; i++)
        {
            using var expected = (((0.1 * w0[i]) + (0.9 * w1[i])) * b1) + ((1 - b1) * w2[i]);
            Assert.True(expected.allclose(averaged[i], rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }

        Assert.NotSame(trainer.Discriminator.Network, trainer.Discriminator.EvaluationNetwork);
        Assert.All(averaged, p => Assert.False(p.requires_grad));

        // The classifier figure of the average and of D's current weights are not the same network's.
        using var digits = data.Samples.narrow(0, 0, 64);
        using var noGrad = no_grad();
        var live = (SsganDiscriminator)trainer.Discriminator.Network;
        var average = (SsganDiscriminator)trainer.Discriminator.EvaluationNetwork;
        live.eval();
        using var liveLogits = live.Classify(digits).Logits;
        using var averageLogits = average.Classify(digits).Logits;
        live.train();
        Assert.False(liveLogits.allclose(averageLogits, rtol: 0, atol: 0));
    }

    [Fact]
    public void The_average_is_part_of_the_discriminator_state_and_states_without_one_still_load()
    {
        var spec = Tiny(0.9);
        using var data = Training(spec);
        using var trainer = new LocalTrainer(spec, data, CPU);
        trainer.RunRound();
        trainer.RunRound();
        var state = trainer.Discriminator.SaveState();

        using (var restored = new DiscriminatorHalf(spec, CPU, data))
        {
            restored.LoadState(state);
            AssertSame(trainer.Discriminator.EvaluationNetwork, restored.EvaluationNetwork);
            Assert.Equal(state.Data, restored.SaveState().Data);
        }

        // Resumed with the average off: it is skipped, and the state is that of a half that never averaged.
        using (var plain = new DiscriminatorHalf(Tiny(0), CPU, data))
        {
            plain.LoadState(state);
            AssertSame(trainer.Discriminator.Network, plain.Network);
            using var averagingAgain = new DiscriminatorHalf(spec, CPU, data);
            averagingAgain.LoadState(plain.SaveState());

            // A state without an average starts the average at D's weights.
            AssertSame(plain.Network, averagingAgain.EvaluationNetwork);
            Assert.NotEqual(state.Data, plain.SaveState().Data);
        }
    }

    [Theory]
    [InlineData("{\"model\": \"mlp\", \"discriminatorEma\": 0.999}", "read only by the figures of models ssgan, catgan and infogan")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"discriminatorEma\": 1}", "must be in [0, 1)")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"discriminatorEma\": -0.5}", "must be in [0, 1)")]
    public void Bad_decays_and_families_without_a_figure_read_from_D_are_refused_naming_the_field(string json, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == "discriminatorEma" && e.Message.Contains(message, StringComparison.Ordinal));
    }

    private static SampleSet Training(ExperimentSpec spec)
    {
        var (train, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        return train;
    }
}
