using GanCluster.Training.Adversarial;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Adversarial;

/// <summary>
/// The fast gradient sign method on a linear classifier small enough to do by hand: logits z = W x with
/// W = [[1, -2, 0.5], [0, 0, 0]]. For label 0 the cross-entropy's gradient is (p0 - 1) W[0] (+ p1 W[1] = 0), so its
/// sign is -sign(W[0]) = (-1, +1, -1) whatever p0 is; for label 1 it is p0 W[0], sign (+1, -1, +1).
/// </summary>
public sealed class FgsmTests
{
    internal static nn.Module<Tensor, Tensor> HandClassifier()
    {
        var linear = nn.Linear(3, 2);
        using (no_grad())
        {
            using var w = tensor(new float[,] { { 1, -2, 0.5f }, { 0, 0, 0 } });
            linear.weight!.copy_(w);
            linear.bias!.zero_();
        }

        return linear;
    }

    private static float[] Row(Tensor t, int i) => t[i].data<float>().ToArray();

    [Fact]
    public void The_perturbation_and_the_prediction_flip_match_the_hand_computation()
    {
        using var classifier = HandClassifier();
        using var x = tensor(new float[,] { { 0.6f, 0.2f, 0.5f } });
        using var y = tensor(new long[] { 0 });

        // Clean: z0 = 0.6 - 0.4 + 0.25 = 0.45 > z1 = 0, class 0 (right).
        using var clean = Fgsm.Predict(classifier, x);
        using var sign = Fgsm.GradientSign(classifier, x, y);
        using var perturbed = Fgsm.Perturb(classifier, x, y, 0.25);
        using var after = Fgsm.Predict(classifier, perturbed);

        Assert.Equal(0L, clean.item<long>());
        Assert.Equal([-1f, 1f, -1f], Row(sign, 0));
        // x' = (0.6 - 0.25, 0.2 + 0.25, 0.5 - 0.25); z0 = 0.35 - 0.9 + 0.125 = -0.425 < 0: class 1.
        var expected = new[] { 0.35f, 0.45f, 0.25f };
        var actual = Row(perturbed, 0);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], actual[i], 6);
        }

        Assert.Equal(1L, after.item<long>());
    }

    [Fact]
    public void The_sign_follows_the_label()
    {
        using var classifier = HandClassifier();
        using var x = tensor(new float[,] { { 0.6f, 0.2f, 0.5f }, { 0.5f, 0.5f, 0.5f } });
        using var y = tensor(new long[] { 0, 1 });

        using var sign = Fgsm.GradientSign(classifier, x, y);

        Assert.Equal([-1f, 1f, -1f], Row(sign, 0));
        Assert.Equal([1f, -1f, 1f], Row(sign, 1));
    }

    [Fact]
    public void A_classifier_reading_minus_one_to_one_sees_the_mapped_pixels_and_flips_the_same_way()
    {
        // It reads u = 2x - 1 = (0.2, -0.6, 0): z0 = 1.4, class 0. The gradient through the map is 2x the one above,
        // the same sign; x' = (0.35, 0.45, 0.25), u' = (-0.3, -0.1, -0.5): z0 = -0.35, class 1.
        using var classifier = HandClassifier();
        using var x = tensor(new float[,] { { 0.6f, 0.2f, 0.5f } });
        using var y = tensor(new long[] { 0 });

        using var clean = Fgsm.Predict(classifier, x, SampleRange.Symmetric);
        using var perturbed = Fgsm.Perturb(classifier, x, y, 0.25, SampleRange.Symmetric);
        using var after = Fgsm.Predict(classifier, perturbed, SampleRange.Symmetric);

        Assert.Equal(0L, clean.item<long>());
        var actual = Row(perturbed, 0);
        Assert.Equal(0.35f, actual[0], 6);
        Assert.Equal(0.45f, actual[1], 6);
        Assert.Equal(0.25f, actual[2], 6);
        Assert.Equal(1L, after.item<long>());
    }

    [Fact]
    public void Perturbed_pixels_are_clipped_to_the_data_range()
    {
        using var classifier = HandClassifier();
        using var x = tensor(new float[,] { { 0.1f, 0.9f, 0.5f } });
        using var y = tensor(new long[] { 0 });

        // x + 0.25 (-1, +1, -1) = (-0.15, 1.15, 0.25), clipped to (0, 1, 0.25).
        using var perturbed = Fgsm.Perturb(classifier, x, y, 0.25);
        using var onEdge = new SampleSet(tensor(new float[,] { { 0f, 1f, 0.5f } }), tensor(new long[] { 0 }), 2, "edge");
        var result = Fgsm.Evaluate(classifier, onEdge, [0.25]);

        var actual = Row(perturbed, 0);
        Assert.Equal(0f, actual[0]);
        Assert.Equal(1f, actual[1]);
        Assert.Equal(0.25f, actual[2], 6);
        // (0, 1, 0.5) is pushed out of range in its first two pixels: the clipping leaves them where they are.
        Assert.Equal(2.0 / 3, result.Epsilons[0].UnchangedPixelShare, 9);
    }

    [Fact]
    public void Every_perturbed_image_stays_in_range_and_within_epsilon_for_both_input_ranges()
    {
        manual_seed(5);
        using var classifier = nn.Sequential(nn.Flatten(), nn.Linear(16, 10));
        using var x = rand(64, 1, 4, 4);
        using var y = randint(0, 10, [64]);

        foreach (var range in new[] { SampleRange.UnitInterval, SampleRange.Symmetric })
        {
            foreach (var epsilon in new[] { 0.1, 0.25, 0.9 })
            {
                using var perturbed = Fgsm.Perturb(classifier, x, y, epsilon, range);
                Assert.True(perturbed.min().item<float>() >= 0f, $"{range} eps {epsilon}: below 0");
                Assert.True(perturbed.max().item<float>() <= 1f, $"{range} eps {epsilon}: above 1");
                Assert.True(perturbed.sub(x).abs().max().item<float>() <= epsilon + 1e-6, $"{range} eps {epsilon}: moved more than epsilon");
            }
        }
    }

    [Fact]
    public void Epsilon_zero_leaves_the_images_and_the_error_unchanged()
    {
        manual_seed(7);
        using var classifier = nn.Sequential(nn.Flatten(), nn.Linear(16, 10));
        using var data = new SampleSet(rand(300, 1, 4, 4), randint(0, 10, [300]), 10, "random");

        using var perturbed = Fgsm.Perturb(classifier, data.Samples, data.Labels, 0);
        var result = Fgsm.Evaluate(classifier, data, [0.0, 0.25]);

        Assert.True(perturbed.eq(data.Samples).all().item<bool>());
        Assert.Equal(300, result.Examples);
        Assert.Equal(result.CleanError, result.Epsilons[0].Error);
        Assert.Equal(0.0, result.Epsilons[0].FlippedFromCorrect);
        Assert.True(result.CleanError > 0, "a random classifier errs");
    }

    [Fact]
    public void Evaluate_counts_errors_flips_and_the_confidence_of_wrong_answers_by_hand()
    {
        // Digit 1 flips (see above); digit 2, x = (1, 0, 1), goes to (0.75, 0.25, 0.75): z0 = 0.625 > 0, stays right.
        using var classifier = HandClassifier();
        using var data = new SampleSet(tensor(new float[,] { { 0.6f, 0.2f, 0.5f }, { 1f, 0f, 1f } }), tensor(new long[] { 0, 0 }), 2, "hand");

        var result = Fgsm.Evaluate(classifier, data, [0.25]);

        Assert.Equal(0.0, result.CleanError);
        Assert.Equal(0.5, result.Epsilons[0].Error);
        Assert.Equal(0.5, result.Epsilons[0].FlippedFromCorrect);
        // The wrong answer's probability: softmax(-0.425, 0)[1] = 1 / (1 + e^-0.425).
        Assert.Equal(1 / (1 + Math.Exp(-0.425)), result.Epsilons[0].MeanConfidenceOnErrors, 5);
        // Every pixel moves (none is pushed out of [0, 1], no weight is 0).
        Assert.Equal(0.0, result.Epsilons[0].UnchangedPixelShare);
    }

    [Fact]
    public void A_transfer_attack_uses_the_source_classifiers_gradient_and_the_targets_predictions()
    {
        // Target W' = -W[0] in row 0: at x = (0.5, 0.5, 0.5), label 0, z0 = -0.5 + 1 - 0.25 = 0.25 > 0 (right). Its own
        // sign is (+1, -1, +1): x' = (0.75, 0.25, 0.75), z0 = -0.625, wrong. The hand classifier's sign is (-1, +1, -1):
        // x' = (0.25, 0.75, 0.25), z0 = 1.125, still right.
        using var source = HandClassifier();
        using var target = nn.Linear(3, 2);
        using (no_grad())
        {
            using var w = tensor(new float[,] { { -1, 2, -0.5f }, { 0, 0, 0 } });
            target.weight!.copy_(w);
            target.bias!.zero_();
        }

        using var data = new SampleSet(tensor(new float[,] { { 0.5f, 0.5f, 0.5f } }), tensor(new long[] { 0 }), 2, "hand");

        var own = Fgsm.Evaluate(target, data, [0.25]);
        var transferred = Fgsm.Evaluate(target, data, [0.25], source: source);

        Assert.Equal(0.0, own.CleanError);
        Assert.Equal(1.0, own.Epsilons[0].Error);
        Assert.Equal(0.0, transferred.CleanError);
        Assert.Equal(0.0, transferred.Epsilons[0].Error);
    }

    [Fact]
    public void Pixels_the_loss_does_not_depend_on_are_left_unchanged_and_counted()
    {
        // W[0][2] = 0: the third pixel has no influence, sign 0, so x' keeps it; one pixel of three.
        using var classifier = nn.Linear(3, 2);
        using (no_grad())
        {
            using var w = tensor(new float[,] { { 1, -2, 0 }, { 0, 0, 0 } });
            classifier.weight!.copy_(w);
            classifier.bias!.zero_();
        }

        using var data = new SampleSet(tensor(new float[,] { { 0.6f, 0.2f, 0.5f } }), tensor(new long[] { 0 }), 2, "hand");
        using var perturbed = Fgsm.Perturb(classifier, data.Samples, data.Labels, 0.25);

        var result = Fgsm.Evaluate(classifier, data, [0.25]);

        Assert.Equal(0.5f, Row(perturbed, 0)[2]);
        Assert.Equal(1.0 / 3, result.Epsilons[0].UnchangedPixelShare, 9);
    }

    [Fact]
    public void The_classifier_is_attacked_in_eval_mode_and_left_in_its_mode()
    {
        manual_seed(3);
        using var classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(16, 10));
        using var x = rand(32, 1, 4, 4);
        using var y = randint(0, 10, [32]);
        classifier.train();

        // Dropout on would give a different gradient each call; eval mode gives the same one.
        using var first = Fgsm.GradientSign(classifier, x, y);
        using var second = Fgsm.GradientSign(classifier, x, y);

        Assert.True(first.eq(second).all().item<bool>());
        Assert.True(classifier.training);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void An_epsilon_outside_zero_to_one_is_refused_naming_the_field(double epsilon)
    {
        using var classifier = HandClassifier();
        using var x = tensor(new float[,] { { 0.6f, 0.2f, 0.5f } });
        using var y = tensor(new long[] { 0 });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Fgsm.Perturb(classifier, x, y, epsilon));

        Assert.StartsWith("epsilon: ", error.Message);
        Assert.Contains("[0, 1]", error.Message);
    }
}
