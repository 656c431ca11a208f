using GanCluster.Training.Core;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>The discriminator-side stabilizers on hand-computed cases.</summary>
public sealed class DiscriminatorRegularizersTests
{
    [Fact]
    public void Label_smoothing_targets_one_minus_epsilon_for_real_samples()
    {
        using var scores = tensor(new float[] { 2f, 0f });

        // Mean over the batch of 0.9 softplus(-s) + 0.1 softplus(s): s = 2 gives 0.9 * 0.126928 + 0.1 * 2.126928 = 0.326928;
        // s = 0 gives log 2 whatever the target.
        using var smoothed = DiscriminatorRegularizers.RealLoss(LossKind.NonSaturating, scores, 0.1);
        Assert.Equal((0.326928 + Math.Log(2)) / 2, smoothed.item<float>(), 5);

        using var plain = DiscriminatorRegularizers.RealLoss(LossKind.NonSaturating, scores, 0);
        using var reference = Losses.DiscriminatorReal(LossKind.NonSaturating, scores);
        Assert.Equal(reference.item<float>(), plain.item<float>());
    }

    [Fact]
    public void Label_smoothing_is_refused_with_the_hinge_loss()
    {
        using var scores = tensor(new float[] { 1f });
        var error = Assert.Throws<ArgumentException>(() => DiscriminatorRegularizers.RealLoss(LossKind.Hinge, scores, 0.1));
        Assert.StartsWith("realLabelSmoothing", error.Message);
    }

    [Fact]
    public void R1_is_half_gamma_times_the_mean_squared_input_gradient_and_backpropagates_into_the_weights()
    {
        // D(x) = w . x on two inputs: grad_x D = w for each row, so R1 = gamma / 2 * ||w||^2 = 2 / 2 * (9 + 16) = 25,
        // and dR1/dw = gamma * w = [6, 8].
        using var w = tensor(new float[] { 3f, 4f }).requires_grad_(true);
        using var x = tensor(new float[,] { { 1f, 2f }, { -1f, 5f } }).requires_grad_(true);
        using var scores = x.matmul(w);
        using var penalty = DiscriminatorRegularizers.R1Penalty(scores, x, gamma: 2.0);
        Assert.Equal(25f, penalty.item<float>(), 5);

        penalty.backward();
        Assert.Equal(new[] { 6f, 8f }, w.grad!.data<float>().ToArray());
    }

    [Fact]
    public void R1_of_a_quadratic_discriminator_averages_over_the_batch()
    {
        // D(x) = sum(x^2): grad_x D = 2x. Rows [1, 2] and [0, 1]: ||2x||^2 = 20 and 4, mean 12, times gamma / 2 = 0.5: 6.
        using var x = tensor(new float[,] { { 1f, 2f }, { 0f, 1f } }).requires_grad_(true);
        using var scores = x.square().sum(1);
        using var penalty = DiscriminatorRegularizers.R1Penalty(scores, x, gamma: 1.0);
        Assert.Equal(6f, penalty.item<float>(), 5);
    }

    [Theory]
    [InlineData(0.1, 0, 100, 0.1)]
    [InlineData(0.1, 50, 100, 0.05)]
    [InlineData(0.1, 100, 100, 0.0)]
    [InlineData(0.1, 150, 100, 0.0)]
    [InlineData(0.0, 10, 100, 0.0)]
    public void Instance_noise_anneals_linearly_to_zero_over_the_run(double initial, long steps, long total, double expected)
    {
        Assert.Equal(expected, DiscriminatorRegularizers.InstanceNoiseStd(initial, steps, total), 12);
    }

    [Fact]
    public void Instance_noise_of_zero_returns_the_input_itself()
    {
        using var x = ones(3);
        Assert.Same(x, DiscriminatorRegularizers.AddInstanceNoise(x, 0));
    }
}

/// <summary>The minibatch standard deviation feature on a hand-computed batch.</summary>
public sealed class MinibatchStdTests
{
    [Fact]
    public void Appends_the_mean_over_features_of_the_population_std_over_the_batch()
    {
        // Column 0: 1 and 3, std 1; column 1: 2 and 6, std 2; mean 1.5 appended to both rows.
        using var x = GanCluster.Training.Models.MinibatchStd.Append(tensor(new float[,] { { 1f, 2f }, { 3f, 6f } }));
        Assert.Equal(new long[] { 2, 3 }, x.shape);
        Assert.Equal(new[] { 1f, 2f, 1.5f, 3f, 6f, 1.5f }, x.data<float>().ToArray());
    }

    [Fact]
    public void The_map_form_appends_one_constant_channel_of_the_mean_std_over_the_batch()
    {
        // Two samples of [2 channels, 1 x 2]: std over the batch 1, 2 (channel 0) and 0, 4 (channel 1); the zero becomes
        // sqrt(1e-8) = 1e-4 with the epsilon, so the mean is (1 + 2 + 1e-4 + 4) / 4 = 1.750025.
        using var maps = tensor(new float[] { 1f, 2f, 5f, 0f, 3f, 6f, 5f, 8f }).view(2, 2, 1, 2);
        using var x = GanCluster.Training.Models.MinibatchStd.AppendMap(maps);
        Assert.Equal(new long[] { 2, 3, 1, 2 }, x.shape);
        var expected = new[] { 1f, 2f, 5f, 0f, 1.750025f, 1.750025f, 3f, 6f, 5f, 8f, 1.750025f, 1.750025f };
        var actual = x.data<float>().ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData(28, "main.5.weight", 129)]
    [InlineData(64, "main.11.weight", 513)]
    public void The_dcgan_discriminator_with_it_reads_one_more_channel_in_its_last_convolution(int imageSize, string head, long channels)
    {
        using var d = new GanCluster.Training.Models.DcganDiscriminator(imageSize, minibatchStd: true);
        Assert.Equal(channels, d.named_parameters().Single(p => p.name == head).parameter.shape[1]);
        using var scores = d.call(rand(4, 1, imageSize, imageSize), null);
        Assert.Equal(new long[] { 4 }, scores.shape);
    }

    [Fact]
    public void The_mlp_discriminator_with_it_takes_one_more_input_in_its_second_layer()
    {
        using var d = new GanCluster.Training.Models.MlpDiscriminator(minibatchStd: true);
        var shape = d.named_parameters().Single(p => p.name == "maxout2.linear.weight").parameter.shape;
        Assert.Equal(241, shape[1]);
        using var scores = d.call(rand(4, 1, 28, 28), null);
        Assert.Equal(new long[] { 4 }, scores.shape);
    }
}
