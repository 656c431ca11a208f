using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static GanCluster.Training.Tests.Core.ModuleWeights;

namespace GanCluster.Training.Tests.Core;

/// <summary>The exponential moving average of G's weights: its arithmetic, its place in the generator half and its state.</summary>
public sealed class WeightAverageTests
{
    [Theory]
    [InlineData(0.999, 0, 0.1)]
    [InlineData(0.999, 90, 0.91)]
    [InlineData(0.999, 1_000_000, 0.999)]
    [InlineData(0.5, 0, 0.1)]
    [InlineData(0.5, 10, 0.5)]
    public void Decay_ramps_up_as_min_of_decay_and_one_plus_t_over_ten_plus_t(double decay, long updates, double expected)
    {
        Assert.Equal(expected, WeightAverage.EffectiveDecay(decay, updates), 12);
    }

    [Theory]
    [InlineData(0.999, 0, 1.0, 0.5)] // (1 + 0) / (1 + 1 + 0)
    [InlineData(0.999, 99, 1.0, 100.0 / 101)]
    [InlineData(0.999, 97, 3.0, 98.0 / 101)]
    [InlineData(0.999, 2_997, 3.0, 0.999)] // 2,998 / 3,001 = 0.99900 just reaches the cap
    [InlineData(0.999, 90, 9.0, 0.91)] // the default ramp
    public void A_smaller_ramp_reaches_the_decay_sooner(double decay, long updates, double ramp, double expected)
    {
        Assert.Equal(expected, WeightAverage.EffectiveDecay(decay, updates, ramp), 12);
    }

    [Fact]
    public void The_default_ramp_is_bit_identical_to_tensorflows_one_plus_t_over_ten_plus_t()
    {
        foreach (var t in new long[] { 0, 1, 7, 90, 999, 8_990, 8_991, 123_456 })
        {
            Assert.Equal(Math.Min(0.9995, (1.0 + t) / (10.0 + t)), WeightAverage.EffectiveDecay(0.9995, t));
        }
    }

    [Fact]
    public void A_ramp_of_one_halves_the_first_update()
    {
        using var source = new DcganGenerator(latentSize: 2, imageSize: 28, width: 1);
        using var shadowNet = new DcganGenerator(latentSize: 2, imageSize: 28, width: 1);
        Fill(source, 2.0);
        using var average = new WeightAverage<GeneratorNet>(shadowNet, source, decay: 0.999, "generatorEma", ramp: 1);
        Fill(source, 4.0);
        average.Update(source, updates: 0); // beta = min(0.999, 1/2) = 0.5: 0.5 * 2 + 0.5 * 4 = 3
        AssertAll(average.Network.parameters(), 3.0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeightAverage<GeneratorNet>(shadowNet, source, 0.999, "generatorEma", ramp: 0));
    }

    [Fact]
    public void Update_moves_every_weight_by_one_minus_beta_towards_the_network_and_copies_buffers()
    {
        // A DCGAN generator has BatchNorm buffers, which are copied rather than averaged.
        using var source = new DcganGenerator(latentSize: 2, imageSize: 28, width: 1);
        using var shadowNet = new DcganGenerator(latentSize: 2, imageSize: 28, width: 1);
        Fill(source, 2.0);
        using var average = new WeightAverage<GeneratorNet>(shadowNet, source, decay: 0.5, "generatorEma");
        Assert.All(average.Network.parameters(), p => Assert.Equal(2.0f, p.min().item<float>()));

        Fill(source, 4.0);
        average.Update(source, updates: 0); // beta = min(0.5, 1/10) = 0.1: 0.1 * 2 + 0.9 * 4 = 3.8
        AssertAll(average.Network.parameters(), 3.8f);
        AssertAll(average.Network.buffers().Where(b => b.is_floating_point()), 4.0f);

        average.Update(source, updates: 100); // beta = 0.5: 0.5 * 3.8 + 0.5 * 4 = 3.9
        AssertAll(average.Network.parameters(), 3.9f);
        Assert.All(average.Network.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Averaging_changes_neither_training_nor_its_random_streams()
    {
        var plain = TinyData.Mlp(LossKind.NonSaturating, 1);
        using var data = TinyData.Images();
        using var without = new LocalTrainer(plain, data, CPU);
        using var with = new LocalTrainer(plain with { GeneratorEma = 0.9 }, data, CPU);
        for (var round = 0; round < 2; round++)
        {
            var a = without.RunRound();
            var b = with.RunRound();
            Assert.Equal((a.DLoss, a.GLoss), (b.DLoss, b.GLoss));
        }

        AssertSame(without.Generator.Network, with.Generator.Network);
        Assert.Equal(without.Discriminator.SaveState().Data, with.Discriminator.SaveState().Data);
    }

    [Fact]
    public void The_half_averages_after_every_generator_step_and_samples_from_the_average()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1) with { GeneratorEma = 0.9 };
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(spec, data, CPU);
        var w0 = Snapshot(trainer.Generator.Network);
        trainer.RunRound();
        var w1 = Snapshot(trainer.Generator.Network);
        trainer.RunRound();
        var w2 = Snapshot(trainer.Generator.Network);

        // Update 0: beta = 0.1; update 1: beta = 2/11.
        var b1 = 2.0 / 11.0;
        var averaged = trainer.Generator.SamplingNetwork.parameters().ToList();
        for (var i = 0; i < averaged.Count; i++)
        {
            using var expected = (((0.1 * w0[i]) + (0.9 * w1[i])) * b1) + ((1 - b1) * w2[i]);
            Assert.True(expected.allclose(averaged[i], rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }

        Assert.NotSame(trainer.Generator.Network, trainer.Generator.SamplingNetwork);
        using var fromHalf = trainer.Generator.Generate(4, seed: 5);
        using var fromLive = trainer.Generator.Generate(4, seed: 5, useAverage: false);
        Assert.False(fromHalf.Samples.allclose(fromLive.Samples, rtol: 0, atol: 0));
    }

    [Fact]
    public void The_half_ramps_its_average_as_generatorEmaRamp_says_and_trains_the_same()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1) with { GeneratorEma = 0.9, GeneratorEmaRamp = 1 };
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(spec, data, CPU);
        using var reference = new LocalTrainer(spec with { GeneratorEmaRamp = null }, data, CPU);
        var w0 = Snapshot(trainer.Generator.Network);
        trainer.RunRound();
        reference.RunRound();
        var w1 = Snapshot(trainer.Generator.Network);
        trainer.RunRound();
        reference.RunRound();
        var w2 = Snapshot(trainer.Generator.Network);

        // Update 0: beta = min(0.9, 1/2); update 1: beta = min(0.9, 2/3).
        var averaged = trainer.Generator.SamplingNetwork.parameters().ToList();
        for (var i = 0; i < averaged.Count; i++)
        {
            using var expected = (((0.5 * w0[i]) + (0.5 * w1[i])) * (2.0 / 3.0)) + ((1.0 / 3.0) * w2[i]);
            Assert.True(expected.allclose(averaged[i], rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }

        // The average is read only for samples: the trained weights are those of the default ramp, bit for bit.
        AssertSame(reference.Generator.Network, trainer.Generator.Network);
    }

    [Fact]
    public void The_average_samples_with_batchnorm_statistics_recomputed_for_its_own_weights_and_keeps_the_copied_ones()
    {
        // DCGAN's G has BatchNorm: the average's running statistics are copies of the live G's; standingStatistics recomputes them.
        using var data = TinyData.Images();
        using var trainer = TrainedDcgan(data, standingStatistics: true, rounds: 2);
        var half = trainer.Generator;
        var copied = Buffers(half.SamplingNetwork);

        using var first = half.Generate(16, seed: 5);
        AssertEqual(copied, Buffers(half.SamplingNetwork)); // the copied statistics are back, bit for bit
        using var again = half.Generate(16, seed: 5);
        Assert.True(first.Samples.allclose(again.Samples, rtol: 0, atol: 0));

        // The statistics the average held before sampling do not reach its samples: garbage in them changes nothing...
        using var three = 3.0.ToScalar();
        using var fifty = 50.0.ToScalar();
        ForEachNorm(half.SamplingNetwork, norm =>
        {
            norm.running_mean!.fill_(three);
            norm.running_var!.fill_(fifty);
        });
        using var afterGarbage = half.Generate(16, seed: 5);
        Assert.True(first.Samples.allclose(afterGarbage.Samples, rtol: 0, atol: 0));

        // ...whereas G's current weights sample with their own running statistics, as trained.
        using var live = half.Generate(16, seed: 5, useAverage: false);
        QuadrupleVariances(half.Network);
        using var liveChanged = half.Generate(16, seed: 5, useAverage: false);
        Assert.False(live.Samples.allclose(liveChanged.Samples, rtol: 0, atol: 0));
    }

    [Fact]
    public void Without_standing_statistics_the_average_samples_with_the_statistics_it_holds()
    {
        using var data = TinyData.Images();
        using var trainer = TrainedDcgan(data, standingStatistics: false, rounds: 1);
        var half = trainer.Generator;
        using var before = half.Generate(16, seed: 5);
        QuadrupleVariances(half.SamplingNetwork);
        using var after = half.Generate(16, seed: 5);
        Assert.False(before.Samples.allclose(after.Samples, rtol: 0, atol: 0));
    }

    [Fact]
    public void The_average_is_part_of_the_generator_state()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1) with { GeneratorEma = 0.9 };
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(spec, data, CPU);
        trainer.RunRound();
        trainer.RunRound();
        var state = trainer.Generator.SaveState();

        using var restored = new GeneratorHalf(spec, CPU);
        restored.LoadState(state);

        AssertSame(trainer.Generator.SamplingNetwork, restored.SamplingNetwork);
        Assert.Equal(state.Data, restored.SaveState().Data);
    }

    [Fact]
    public void A_state_saved_without_an_average_loads_and_starts_the_average_at_the_weights()
    {
        var plain = TinyData.Mlp(LossKind.NonSaturating, 1);
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(plain, data, CPU);
        trainer.RunRound();
        var oldState = trainer.Generator.SaveState();

        using var averaging = new GeneratorHalf(plain with { GeneratorEma = 0.999 }, CPU);
        averaging.LoadState(oldState);
        AssertSame(trainer.Generator.Network, averaging.Network);
        AssertSame(trainer.Generator.Network, averaging.SamplingNetwork);

        // And the other way: a state with an average loads into a half that does not average.
        using var plainAgain = new GeneratorHalf(plain, CPU);
        plainAgain.LoadState(averaging.SaveState());
        Assert.Equal(oldState.Data, plainAgain.SaveState().Data);
    }

    /// <summary>A tiny DCGAN with an average of G (decay 0.9), trained for <paramref name="rounds"/> rounds.</summary>
    private static LocalTrainer TrainedDcgan(SampleSet data, bool standingStatistics, int rounds)
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1) with
        {
            Model = ModelKind.Dcgan, ImageSize = 28, LatentSize = 16, GeneratorEma = 0.9, StandingStatistics = standingStatistics,
        };
        var trainer = new LocalTrainer(spec, data, CPU);
        for (var round = 0; round < rounds; round++)
        {
            trainer.RunRound();
        }

        return trainer;
    }

    // Scalars are held for the calls: a temporary one may be finalized while libtorch reads it (see KeptScalars).
    private static void ForEachNorm(nn.Module module, Action<TorchSharp.Modules.BatchNorm> change)
    {
        using var noGrad = no_grad();
        foreach (var norm in module.modules().OfType<TorchSharp.Modules.BatchNorm>())
        {
            change(norm);
        }
    }

    private static void QuadrupleVariances(nn.Module module)
    {
        using var four = 4.0.ToScalar();
        ForEachNorm(module, norm => norm.running_var!.mul_(four));
    }

    private static List<Tensor> Buffers(nn.Module module) => module.buffers().Select(b => b.clone()).ToList();

    private static void AssertEqual(List<Tensor> expected, List<Tensor> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].allclose(actual[i], rtol: 0, atol: 0), $"buffer {i}");
        }
    }

    private static void Fill(nn.Module module, double value)
    {
        using var noGrad = no_grad();
        foreach (var p in module.parameters())
        {
            p.fill_(KeptScalars.Of(value));
        }

        foreach (var b in module.buffers().Where(b => b.is_floating_point()))
        {
            b.fill_(KeptScalars.Of(value));
        }
    }

    private static void AssertAll(IEnumerable<Tensor> tensors, float expected)
    {
        foreach (var t in tensors)
        {
            Assert.Equal(expected, t.min().item<float>(), 5);
            Assert.Equal(expected, t.max().item<float>(), 5);
        }
    }
}
