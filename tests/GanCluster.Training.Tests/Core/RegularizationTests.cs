using GanCluster.Training.Core;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

public sealed class RegularizationTests
{
    [Fact]
    public void R1_of_a_linear_discriminator_is_half_gamma_times_the_squared_weight_norm_per_packed_group()
    {
        // D(x) = w . flatten(pack(x)) with w = (1, 2, 3, 4) over packs of 2 points: grad_x D = w for every pack, so
        // ||grad||^2 = 30 per pack and R1 = gamma / 2 * 30 = 1.5 for gamma 0.1, whatever the batch size.
        using var w = tensor(new float[] { 1, 2, 3, 4 });
        using var real = randn(6, 2).requires_grad_(true);
        using var scores = real.reshape(3, 4).matmul(w);

        using var penalty = GradientPenalty.R1(scores, real, 0.1, 2);

        Assert.Equal(1.5, penalty.item<float>(), 5);
    }

    [Fact]
    public void R1_can_be_backpropagated_into_the_discriminator()
    {
        // R1 = gamma / 2 * ||w||^2 per group, so dR1/dw = gamma * w.
        using var w = tensor(new float[] { 1, -2 }).requires_grad_(true);
        using var real = randn(5, 2).requires_grad_(true);
        using var scores = real.matmul(w);

        GradientPenalty.R1(scores, real, 0.5, 1).backward();

        Assert.Equal(new float[] { 0.5f, -1f }, w.grad!.data<float>().ToArray());
    }

    [Theory]
    [InlineData(0, 1e-3)]
    [InlineData(50, 5.05e-4)]
    [InlineData(100, 1e-5)]
    [InlineData(200, 1e-5)]
    public void A_final_learning_rate_is_reached_linearly_at_the_last_step(long step, double expected)
    {
        var spec = new OptimizerSpec { LearningRate = 1e-3, FinalLearningRate = 1e-5 };

        Assert.Equal(expected, OptimizerFactory.LearningRateAt(spec, step, 101), 12);
    }

    [Theory]
    // 10 rounds, decay after round 4: steps 0-3 hold 1e-3, then the line over the 6 steps left (4 .. 9) reaches 1e-4.
    [InlineData(1, 0, 1e-3)]
    [InlineData(1, 3, 1e-3)]
    [InlineData(1, 4, 1e-3)]
    [InlineData(1, 6, 6.4e-4)]
    [InlineData(1, 9, 1e-4)]
    // k = 2 D steps per round: the same rounds are steps 0-7 held, then 8 .. 19.
    [InlineData(2, 7, 1e-3)]
    [InlineData(2, 8, 1e-3)]
    [InlineData(2, 19, 1e-4)]
    public void A_decay_after_a_round_holds_the_rate_until_then(long stepsPerRound, long step, double expected)
    {
        var spec = new OptimizerSpec { LearningRate = 1e-3, FinalLearningRate = 1e-4, DecayAfterRound = 4 };

        Assert.Equal(expected, OptimizerFactory.LearningRateAt(spec, step, 10 * stepsPerRound, stepsPerRound), 12);
        // decayAfterRound 0 is the plain line.
        Assert.Equal(OptimizerFactory.LearningRateAt(spec with { DecayAfterRound = null }, step, 10 * stepsPerRound, stepsPerRound),
            OptimizerFactory.LearningRateAt(spec with { DecayAfterRound = 0 }, step, 10 * stepsPerRound, stepsPerRound));
    }

    [Fact]
    public void Without_a_final_learning_rate_it_stays_constant()
    {
        Assert.Equal(2e-4, OptimizerFactory.LearningRateAt(new OptimizerSpec { LearningRate = 2e-4 }, 77, 100));
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(50, 0.0505)]
    [InlineData(100, 0.001)]
    [InlineData(150, 0.001)]
    public void A_final_R1_weight_is_reached_linearly_at_the_last_discriminator_step(long step, double expected)
    {
        // 101 D steps (rounds 101, k 1): step 50 is halfway from 0.1 to 0.001.
        var spec = new ExperimentSpec { R1Gamma = 0.1, R1FinalGamma = 0.001, Rounds = 101 };

        Assert.Equal(expected, GradientPenalty.R1GammaAt(spec, step), 12);
    }

    [Fact]
    public void The_R1_line_spans_k_steps_per_round_and_stays_put_without_a_final_weight()
    {
        // rounds 26, k 2: 52 D steps, the last one number 51.
        var scheduled = new ExperimentSpec { R1Gamma = 1, R1FinalGamma = 0, Rounds = 26, K = 2 };

        Assert.Equal(26.0 / 51, GradientPenalty.R1GammaAt(scheduled, 25), 12);
        Assert.Equal(0, GradientPenalty.R1GammaAt(scheduled, 51), 12);
        Assert.Equal(0.1, GradientPenalty.R1GammaAt(new ExperimentSpec { R1Gamma = 0.1, Rounds = 100 }, 77));
    }

    [Fact]
    public void Latent_categories_are_uniform_and_select_disconnected_outputs()
    {
        // With zero weights on the continuous coordinates G's output depends on the category alone: 4 distinct points,
        // each taken by about a quarter of the noise.
        manual_seed(5);
        using var g = new ToyGenerator(latentSize: 3, hidden: 8, depth: 1, categories: 4);
        using (no_grad())
        {
            var first = g.state_dict()["main.0.weight"];
            first[.., 4..].zero_();
        }

        using var z = randn(4000, 3);
        using var points = g.call(z, null);
        var rounded = points.mul(KeptScalars.Of(1e4)).round().data<float>().ToArray();
        var groups = Enumerable.Range(0, 4000).GroupBy(i => (rounded[2 * i], rounded[(2 * i) + 1])).Select(x => x.Count()).ToArray();

        Assert.Equal(4, groups.Length);
        Assert.All(groups, count => Assert.InRange(count, 900, 1100));
    }
}
