using GanCluster.Training.Families;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// The split is exact: the generator half backpropagates the gradient the discriminator half sends, and
/// that gives the same weights as a plain single-module step of the same math.
/// </summary>
public sealed class HalvesEquivalenceTests
{
    public static TheoryData<LossKind, int> LossesAndK()
    {
        var data = new TheoryData<LossKind, int>();
        // The score losses the reference below writes out by hand; objectives with terms of their own have their own tests.
        foreach (var loss in new[] { LossKind.Minimax, LossKind.NonSaturating, LossKind.Hinge })
        {
            data.Add(loss, 1);
            data.Add(loss, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LossesAndK))]
    public void Toy_halves_match_the_single_module_reference(LossKind loss, int k)
    {
        var spec = TinyData.Toy(loss, k);
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3);
    }

    [Theory]
    [MemberData(nameof(LossesAndK))]
    public void Maxout_mlp_halves_with_dropout_match_the_single_module_reference(LossKind loss, int k)
    {
        var spec = TinyData.Mlp(loss, k);
        using var data = TinyData.Images();
        AssertHalvesMatchReference(spec, data, rounds: 2);
    }

    [Fact]
    public void Conditional_packed_halves_match_the_single_module_reference()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 2, conditional: true, packing: 2);
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3);
    }

    /// <summary>R1 (lazy, every second D step), instance noise and (except with hinge) label smoothing together, with the weight average on.</summary>
    private static ExperimentSpec WithQualityOptions(ExperimentSpec spec) => spec with
    {
        R1Gamma = 3.0,
        R1Interval = 2,
        InstanceNoise = 0.1,
        RealLabelSmoothing = spec.Loss == LossKind.Hinge ? 0 : 0.1,
        GeneratorEma = 0.9,
    };

    [Theory]
    [MemberData(nameof(LossesAndK))]
    public void Toy_halves_with_the_quality_options_match_the_single_module_reference(LossKind loss, int k)
    {
        var spec = WithQualityOptions(TinyData.Toy(loss, k));
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3, tolerance: 1e-5);
    }

    /// <summary>The ring presets' additions: z ~ U(-1, 1) and an R1 weight falling over the run (3 of its 10 rounds trained; the weight moves every D step).</summary>
    [Theory]
    [MemberData(nameof(LossesAndK))]
    public void Toy_halves_with_uniform_noise_and_a_falling_R1_weight_match_the_single_module_reference(LossKind loss, int k)
    {
        var toy = TinyData.Toy(loss, k);
        var spec = WithQualityOptions(toy) with { R1Interval = 1, R1FinalGamma = 0.3, Toy = toy.Toy with { Noise = LatentNoise.Uniform } };
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3, tolerance: 1e-5);
    }

    [Theory]
    [InlineData(LossKind.NonSaturating, 1)]
    [InlineData(LossKind.Hinge, 2)]
    public void Maxout_mlp_halves_with_the_quality_options_match_the_single_module_reference(LossKind loss, int k)
    {
        var spec = WithQualityOptions(TinyData.Mlp(loss, k));
        using var data = TinyData.Images();
        AssertHalvesMatchReference(spec, data, rounds: 2, tolerance: 1e-5);
    }

    [Fact]
    public void Maxout_mlp_halves_with_minibatch_std_match_the_single_module_reference()
    {
        var spec = WithQualityOptions(TinyData.Mlp(LossKind.NonSaturating, 1)) with { MinibatchStd = true, Packing = 2 };
        using var data = TinyData.Images();
        AssertHalvesMatchReference(spec, data, rounds: 2, tolerance: 1e-5);
    }

    [Fact]
    public void Conditional_packed_halves_with_the_quality_options_match_the_single_module_reference()
    {
        var spec = WithQualityOptions(TinyData.Toy(LossKind.NonSaturating, 2, conditional: true, packing: 2));
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3, tolerance: 1e-5);
    }

    /// <summary>Top-k training with k falling every generator step (batch 8 -> 4 -> 2 with packing 2: 4, 2, 1 groups kept).</summary>
    [Theory]
    [InlineData(LossKind.NonSaturating, 1, 1)]
    [InlineData(LossKind.Hinge, 2, 1)]
    [InlineData(LossKind.NonSaturating, 2, 2)]
    public void Toy_halves_with_top_k_match_the_single_module_reference(LossKind loss, int k, int packing)
    {
        var spec = TinyData.Toy(loss, k, packing: packing) with { TopK = new TopKSpec { MinFraction = 0.25, Gamma = 0.5, Interval = 1 } };
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 4);
    }

    [Theory]
    [InlineData(1.0, 0.99, 100, 0, 100)]
    [InlineData(1.0, 0.5, 1, 50, 100)]
    [InlineData(0.5, 0.99, 100, 0, 100)]
    [InlineData(0.5, 0.99, 100, 99, 100)]
    [InlineData(0.5, 0.99, 100, 100, 99)]
    [InlineData(0.5, 0.99, 100, 250, 99)]
    [InlineData(0.5, 0.99, 100, 1000, 91)]
    [InlineData(0.5, 0.99, 100, 1_000_000, 50)]
    [InlineData(0.3, 0.5, 1, 5, 30)]
    public void Top_k_decays_by_gamma_every_interval_down_to_its_floor(double minFraction, double gamma, int interval, long step, int expected)
    {
        var topK = new TopKSpec { MinFraction = minFraction, Gamma = gamma, Interval = interval };
        Assert.Equal(expected, topK.Keep(100, step));
    }

    /// <param name="tolerance">
    /// Largest absolute parameter difference allowed. The halves add the real and the fake term's gradients in two
    /// backward passes where the reference does one; with R1's double backward that reordering of float32 sums shows
    /// up around 1e-6 after a few Adam steps, so the quality-option tests allow 1e-5.
    /// </param>
    private static void AssertHalvesMatchReference(ExperimentSpec spec, SampleSet data, int rounds, double tolerance = 1e-6)
    {
        using var trainer = new LocalTrainer(spec, data, CPU);
        using var reference = new ReferenceGan(spec, data);
        for (var round = 0; round < rounds; round++)
        {
            var split = trainer.RunRound();
            var (dLoss, gLoss) = reference.Round();
            // A tolerance, not rounding to 5 places: 1.19240499 and 1.19240502 round apart.
            Assert.Equal(dLoss, split.DLoss, 1e-5);
            Assert.Equal(gLoss, split.GLoss, 1e-5);
        }

        AssertSameParameters(reference.G, trainer.Generator.Network, tolerance);
        AssertSameParameters(reference.D, trainer.Discriminator.Network, tolerance);
        if (spec.GeneratorEma > 0)
        {
            var expected = reference.Average!;
            var actual = trainer.Generator.SamplingNetwork.parameters().ToList();
            for (var i = 0; i < expected.Count; i++)
            {
                var diff = (expected[i] - actual[i]).abs().max().item<float>();
                Assert.True(diff <= tolerance, $"average of parameter {i} differs by {diff}");
            }
        }
    }

    private static void AssertSameParameters(nn.Module expected, nn.Module actual, double tolerance)
    {
        var e = expected.named_parameters().ToList();
        var a = actual.named_parameters().ToList();
        Assert.Equal(e.Select(p => p.name), a.Select(p => p.name));
        var anyChanged = false;
        for (var i = 0; i < e.Count; i++)
        {
            var diff = (e[i].parameter - a[i].parameter).abs().max().item<float>();
            Assert.True(diff <= tolerance, $"{e[i].name} differs by {diff}");
            anyChanged |= e[i].parameter.requires_grad;
        }

        Assert.True(anyChanged);
    }

    /// <summary>
    /// The textbook step, written as plainly as possible: G and D in one graph, loss.backward(), step. It
    /// uses the same seeds and random streams as the halves so that the two see the same noise and data.
    /// </summary>
    private sealed class ReferenceGan : ScoreReferenceTrainer
    {
        private long _dSteps;
        private long _gSteps;

        public ReferenceGan(ExperimentSpec spec, SampleSet data)
            : base(spec, data)
        {
            Average = spec.GeneratorEma > 0 ? G.parameters().Select(p => p.detach().clone()).ToList() : null;
        }

        /// <summary>The weight average, kept by hand: avg = beta avg + (1 - beta) w with beta = min(decay, (1 + t) / (10 + t)).</summary>
        public List<Tensor>? Average { get; }

        public (double DLoss, double GLoss) Round()
        {
            double dLoss = 0;
            for (var step = 0; step < Spec.K; step++)
            {
                var (fake, fakeLabels) = GeneratorRng.Run(() =>
                {
                    using var noGrad = no_grad();
                    var (z, labels) = Noise();
                    return (G.call(z, labels), labels);
                });
                dLoss += DiscriminatorRng.Run(() =>
                {
                    var (real, realLabels) = Sampler.Next(Spec.BatchSize);
                    var realInput = Noisy(real);
                    // Lazy R1: on D steps 0, n, 2n, ... at n times the weight.
                    var r1 = Spec.R1Gamma > 0 && _dSteps % Spec.R1Interval == 0;
                    if (r1)
                    {
                        realInput = realInput.detach().requires_grad_(true);
                    }

                    var realScores = Score(realInput, Spec.Conditional ? realLabels : null);
                    var fakeScores = Score(Noisy(fake.detach()), fakeLabels);

                    // One-sided label smoothing written as the cross-entropy against the target 1 - epsilon.
                    var realLoss = Spec.RealLabelSmoothing > 0
                        ? F.binary_cross_entropy_with_logits(realScores, full_like(realScores, KeptScalars.Of(1.0 - Spec.RealLabelSmoothing)))
                        : Losses.DiscriminatorReal(Spec.Loss, realScores);
                    var loss = realLoss + Losses.DiscriminatorFake(Spec.Loss, fakeScores);
                    var objective = loss;
                    if (r1)
                    {
                        var gradient = autograd.grad(new[] { realScores.sum() }, new[] { realInput }, retain_graph: true, create_graph: true)[0];
                        // R1 per D(x): one D(x) is one packed group of samples (PacGAN), so the mean is over groups.
                        // With r1FinalGamma, gamma runs on a line from r1Gamma at D step 0 to r1FinalGamma at the last (k x rounds - 1).
                        var gamma = Spec.R1FinalGamma is { } final
                            ? Spec.R1Gamma + ((final - Spec.R1Gamma) * _dSteps / ((Spec.K * Spec.Rounds) - 1))
                            : Spec.R1Gamma;
                        objective = loss + (gamma * Spec.R1Interval / 2 * gradient.pow(KeptScalars.OfInteger(2)).sum() / (gradient.shape[0] / Spec.Packing));
                    }

                    DiscriminatorOptimizer.zero_grad();
                    objective.backward();
                    DiscriminatorOptimizer.step();
                    _dSteps++;
                    return loss.item<float>();
                });
            }

            var (fakeForG, labelsForG) = GeneratorRng.Run(() =>
            {
                var (z, labels) = Noise();
                return (G.call(z, labels), labels);
            });
            var gLoss = DiscriminatorRng.Run(() =>
            {
                var scores = Score(Noisy(fakeForG), labelsForG);
                if (Spec.TopK.On)
                {
                    // Sinha et al. (2020): the ceil(max(nu, gamma^floor(t / interval)) n) best-scored samples, t = G steps so far.
                    var n = (int)scores.shape[0];
                    var fraction = Math.Max(Spec.TopK.MinFraction, Math.Pow(Spec.TopK.Gamma, Math.Floor((double)_gSteps / Spec.TopK.Interval)));
                    var keep = (int)Math.Ceiling(fraction * n);
                    scores = scores.sort(descending: true).Values.narrow(0, 0, keep);
                }

                var loss = Losses.Generator(Spec.Loss, scores);
                GeneratorOptimizer.zero_grad();
                loss.backward();
                GeneratorOptimizer.step();
                return loss.item<float>();
            });
            if (Average is not null)
            {
                var beta = Math.Min(Spec.GeneratorEma, (1.0 + _gSteps) / (10.0 + _gSteps));
                using var noGrad = no_grad();
                foreach (var (avg, w) in Average.Zip(G.parameters()))
                {
                    avg.copy_((beta * avg) + ((1 - beta) * w));
                }
            }

            _gSteps++;
            return (dLoss / Spec.K, gLoss);
        }

        /// <summary>Instance noise: std annealed linearly from its start to 0 over k x rounds discriminator steps.</summary>
        private Tensor Noisy(Tensor x)
        {
            var std = Spec.InstanceNoise * Math.Max(0, 1 - ((double)_dSteps / (Spec.K * Spec.Rounds)));
            return std > 0 ? x + (randn_like(x) * std) : x;
        }
    }
}
