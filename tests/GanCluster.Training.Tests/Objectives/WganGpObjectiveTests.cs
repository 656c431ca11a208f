using GanCluster.Training.Families;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Objectives;

/// <summary>WGAN-GP through the objective seam: selectable by name, exact against a single-process step, its penalty reported.</summary>
public sealed class WganGpObjectiveTests
{
    [Fact]
    public void Wgan_gp_is_selected_by_its_json_name()
    {
        var spec = SpecJson.Parse("{\"model\": \"toy\", \"dataset\": \"ring8\", \"loss\": \"wgan-gp\"}");
        Assert.Equal(LossKind.WganGp, spec.Loss);
        Assert.IsType<WganGpObjective>(ObjectiveCatalog.Create(spec));
    }

    [Fact]
    public void Label_smoothing_is_refused_naming_the_objective()
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse("{\"model\": \"toy\", \"dataset\": \"ring8\", \"loss\": \"wgan-gp\", \"realLabelSmoothing\": 0.1}"));
        Assert.Contains("wgan-gp", Assert.Single(error.Errors, e => e.Field == "realLabelSmoothing").Message);
    }

    [Fact]
    public void A_discriminator_with_batch_normalization_is_refused()
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse("{\"model\": \"dcgan\", \"loss\": \"wgan-gp\"}"));
        var message = Assert.Single(error.Errors, e => e.Field == "loss").Message;
        Assert.Contains("batch normalization in dcgan", message);
        Assert.Contains("\"spectralNorm\": true", message);

        // A spectrally normalised D has no BatchNorm: the per-sample penalty holds.
        Assert.True(SpecJson.Parse("{\"model\": \"dcgan\", \"loss\": \"wgan-gp\", \"spectralNorm\": true}").SpectralNorm);
    }

    [Fact]
    public void The_penalty_of_a_linear_critic_is_lambda_times_the_squared_distance_of_its_norm_to_one()
    {
        // D(x) = x . w has gradient w everywhere: ||w|| = 5, so the penalty is 10 * (5 - 1)^2 = 160 for any interpolate.
        using var scope = NewDisposeScope();
        using var unused = new ToyDiscriminator(1, 0, 2, 1);
        var w = tensor(new float[] { 3, 4 });
        var critic = new Critic(unused, (x, _) => x.matmul(w), packing: 1, instanceNoiseStd: 0);
        var penalty = WganGpObjective.Penalty(critic, randn(6, 2), randn(6, 2), null);
        Assert.Equal(160.0, penalty.item<float>(), 3);
    }

    [Theory]
    [InlineData(1, false, 1)]
    [InlineData(2, true, 2)]
    public void Split_steps_match_a_single_process_wgan_gp_step_and_report_the_penalty(int k, bool conditional, int packing)
    {
        var spec = TinyData.Toy(LossKind.WganGp, k, conditional, packing);
        using var data = TinyData.Points(spec);
        using var split = new LocalTrainer(spec, data, CPU);
        using var reference = new Reference(spec, data);
        for (var round = 0; round < 3; round++)
        {
            for (var step = 0; step < k; step++)
            {
                // As a cluster discriminator does: the real phase ahead, the penalty when the fake batch arrives.
                split.Discriminator.PrepareStep();
                using var fake = split.Generator.ProduceForDiscriminator();
                var result = split.Discriminator.Step(fake.Samples, fake.Labels);
                var expected = reference.DiscriminatorStep();
                Assert.Equal(expected.Adversarial, result.Loss, 5);
                Assert.Equal(expected.Penalty, result.Terms[WganGpObjective.GradientPenaltyTerm], 5);
                Assert.True(expected.Penalty > 0);
                if (round == 0 && step == 0)
                {
                    // D's gradients of the first step (still in place after its update) are those of the one-graph loss.
                    AssertClose(reference.DiscriminatorGradients, split.Discriminator.Network.parameters().Select(p => p.grad!).ToList(), 1e-6);
                }
            }

            using var forUpdate = split.Generator.ProduceForUpdate();
            using var feedback = split.Discriminator.Feedback(forUpdate.Samples, forUpdate.Labels);
            split.Generator.ApplyGradient(feedback.Gradient);
            Assert.Equal(reference.GeneratorStep(), feedback.Terms[MetricNames.GLoss], 5);
        }

        AssertClose(reference.D.parameters().ToList(), split.Discriminator.Network.parameters().ToList(), 1e-6);
        AssertClose(reference.G.parameters().ToList(), split.Generator.Network.parameters().ToList(), 1e-6);
    }

    private static void AssertClose(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual, double tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            using var diff = (expected[i] - actual[i]).abs().max();
            Assert.True(diff.item<float>() <= tolerance, $"tensor {i} differs by {diff.item<float>()}");
        }
    }

    /// <summary>Algorithm 1 of Gulrajani et al. in one graph per step, with the halves' seeds and random streams.</summary>
    private sealed class Reference(ExperimentSpec spec, SampleSet data) : ScoreReferenceTrainer(spec, data)
    {

        public List<Tensor> DiscriminatorGradients { get; private set; } = [];

        public (double Adversarial, double Penalty) DiscriminatorStep()
        {
            var (fake, fakeLabels) = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                var (z, labels) = Noise();
                return (G.call(z, labels), labels);
            });
            return DiscriminatorRng.Run(() =>
            {
                var (real, realLabels) = Sampler.Next(Spec.BatchSize);
                var labels = Spec.Conditional ? realLabels : null;
                var adversarial = Score(fake, fakeLabels).mean() - Score(real, labels).mean();

                var m = Spec.Packing;
                var eps = rand(Spec.BatchSize / m).repeat_interleave(m, 0).reshape(-1, 1);
                var interpolates = ((eps * real) + ((1 - eps) * fake)).detach().requires_grad_(true);
                var gradient = autograd.grad(new[] { Score(interpolates, labels).sum() }, new[] { interpolates }, retain_graph: true, create_graph: true)[0];
                var norms = (gradient.reshape(Spec.BatchSize / m, -1).pow(KeptScalars.OfInteger(2)).sum(1) + 1e-12).sqrt();
                var penalty = 10.0 * (norms - KeptScalars.OfInteger(1)).pow(KeptScalars.OfInteger(2)).mean();

                DiscriminatorOptimizer.zero_grad();
                (adversarial + penalty).backward();
                DiscriminatorGradients = D.parameters().Select(p => p.grad!.clone()).ToList();
                DiscriminatorOptimizer.step();
                return ((double)adversarial.item<float>(), (double)penalty.item<float>());
            });
        }

        public double GeneratorStep()
        {
            var (fake, labels) = GeneratorRng.Run(() =>
            {
                var (z, l) = Noise();
                return (G.call(z, l), l);
            });
            return DiscriminatorRng.Run(() =>
            {
                var loss = -Score(fake, labels).mean();
                GeneratorOptimizer.zero_grad();
                loss.backward();
                GeneratorOptimizer.step();
                return (double)loss.item<float>();
            });
        }
    }
}
