using GanCluster.Training.Adversarial;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Adversarial;

/// <summary>The adversarial objective alpha J(x) + (1 - alpha) J(x + eps sign(grad_x J(x))) on the hand classifier of <see cref="FgsmTests"/>.</summary>
public sealed class AdversarialTrainingTests
{
    // Two examples: (0.6, 0.2, 0.5) with label 0 (sign (-1, +1, -1)) and (0.5, 0.5, 0.5) with label 1 (sign (+1, -1, +1)).
    private static readonly float[,] Pixels = { { 0.6f, 0.2f, 0.5f }, { 0.5f, 0.5f, 0.5f } };
    private static readonly long[] Labels = [0, 1];

    /// <summary>Mean cross-entropy of z = W x (W = [[1, -2, 0.5], [0, 0, 0]]) in doubles: log(e^z0 + e^z1) - z_y.</summary>
    private static double HandLoss(double[][] xs, long[] ys)
    {
        var total = 0.0;
        for (var i = 0; i < xs.Length; i++)
        {
            var z0 = xs[i][0] - (2 * xs[i][1]) + (0.5 * xs[i][2]);
            var z = new[] { z0, 0.0 };
            total += Math.Log(Math.Exp(z[0]) + Math.Exp(z[1])) - z[ys[i]];
        }

        return total / xs.Length;
    }

    [Theory]
    [InlineData(0.5, 0.25)]
    [InlineData(0.3, 0.1)]
    [InlineData(1.0, 0.25)]
    public void The_loss_equals_the_hand_combined_formula(double alpha, double epsilon)
    {
        using var classifier = FgsmTests.HandClassifier();
        using var x = tensor(Pixels);
        using var y = tensor(Labels);

        using var loss = AdversarialTraining.Loss(classifier, x, y, new AdversarialTrainingOptions(epsilon, alpha));

        var e = (float)epsilon;
        var clean = new[] { new double[] { 0.6f, 0.2f, 0.5f }, new double[] { 0.5f, 0.5f, 0.5f } };
        var adversarial = new[]
        {
            new double[] { 0.6f - e, 0.2f + e, 0.5f - e },
            new double[] { 0.5f + e, 0.5f - e, 0.5f + e },
        };
        var expected = (alpha * HandLoss(clean, Labels)) + ((1 - alpha) * HandLoss(adversarial, Labels));
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Its_parameter_gradient_is_that_of_the_combination_with_the_adversarial_examples_held_constant()
    {
        using var classifier = FgsmTests.HandClassifier();
        using var x = tensor(Pixels);
        using var y = tensor(Labels);
        using var xAdversarial = tensor(new float[,] { { 0.35f, 0.45f, 0.25f }, { 0.75f, 0.25f, 0.75f } });

        using (var loss = AdversarialTraining.Loss(classifier, x, y, new AdversarialTrainingOptions(0.25, 0.5)))
        {
            loss.backward();
        }

        using var actual = classifier.parameters().First().grad!.clone();
        classifier.zero_grad();
        using (var scope = NewDisposeScope())
        {
            var reference = nn.functional.cross_entropy(classifier.call(x), y).mul(GanCluster.Training.Runtime.KeptScalars.Of(0.5))
                .add(nn.functional.cross_entropy(classifier.call(xAdversarial), y).mul(GanCluster.Training.Runtime.KeptScalars.Of(0.5)));
            reference.backward();
        }

        using var expected = classifier.parameters().First().grad!;
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-7), $"{actual.ToString(TorchSharp.TensorStringStyle.Julia)} vs {expected.ToString(TorchSharp.TensorStringStyle.Julia)}");
    }

    [Fact]
    public void Alpha_outside_zero_to_one_is_refused_naming_the_field()
    {
        using var classifier = FgsmTests.HandClassifier();
        using var x = tensor(Pixels);
        using var y = tensor(Labels);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AdversarialTraining.Loss(classifier, x, y, new AdversarialTrainingOptions(0.25, 1.5)));

        Assert.StartsWith("alpha: ", error.Message);
    }

    [Fact]
    public void Adversarial_training_of_the_classifier_is_deterministic_for_a_seed()
    {
        var (train, heldOut) = BundledMnist.Load(0.2);
        using (train)
        using (heldOut)
        {
            using var few = new SampleSet(train.Samples.narrow(0, 0, 128), train.Labels.narrow(0, 0, 128), 10, "128 digits");
            using var check = new SampleSet(heldOut.Samples.narrow(0, 0, 100), heldOut.Labels.narrow(0, 0, 100), 10, "100 digits");
            var options = new AdversarialTrainingOptions(0.25, 0.5);

            var (a, reportA) = MnistEvaluationClassifier.Train(few, check, seed: 3, epochs: 1, adversarial: options);
            var (b, _) = MnistEvaluationClassifier.Train(few, check, seed: 3, epochs: 1, adversarial: options);
            var (c, _) = MnistEvaluationClassifier.Train(few, check, seed: 3, epochs: 1);
            using (a)
            using (b)
            using (c)
            {
                Assert.Equal(a.Sha256, b.Sha256);
                Assert.NotEqual(a.Sha256, c.Sha256);
                Assert.Equal(options, reportA.Adversarial);
            }
        }
    }
}
