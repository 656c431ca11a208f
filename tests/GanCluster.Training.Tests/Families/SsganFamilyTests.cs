using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Objectives;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// The semi-supervised GAN through the family and objective seams: selection and validation by name, the labelled
/// subset (10 per class, a pure function of the seed), the split D step and G feedback against a one-graph
/// single-process step, and the classifier figure's pieces. The family has no side inputs: its labels are drawn on D's
/// side, so nothing extra travels with the fake batch.
/// </summary>
public sealed class SsganFamilyTests
{
    /// <summary>A semi-supervised GAN small enough for a unit test (batch 8), k D steps per round.</summary>
    internal static ExperimentSpec Tiny(int k, SsganNetwork network = SsganNetwork.Mlp, int? translate = null, double? vat = null, double? entropy = null) => new()
    {
        Ssgan = network == SsganNetwork.Mlp && translate is null && vat is null && entropy is null
            ? null
            : new SsganSpec { Discriminator = network, Translate = translate, VatWeight = vat, VatEpsilon = vat is null ? null : 0.5, EntropyWeight = entropy },
        Name = "tiny-ssgan",
        Model = ModelKind.Ssgan,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.Ssgan,
        K = k,
        BatchSize = 8,
        LatentSize = 100,
        Rounds = 10,
        Seed = 17,
        Device = "cpu",
        GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 3e-3, Beta1 = 0.5 },
        DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 3e-3, Beta1 = 0.5 },
    };

    [Fact]
    public void Ssgan_is_selected_by_its_json_names_and_the_preset_uses_the_paper_settings()
    {
        var spec = SpecJson.Parse("{\"model\": \"ssgan\", \"loss\": \"ssgan\"}");
        Assert.IsType<SsganFamily>(FamilyCatalog.Get(spec.Model));
        Assert.IsType<SsganObjective>(ObjectiveCatalog.Create(spec));

        Assert.True(Presets.TryGet("ssgan-mnist", out var preset));
        Assert.Empty(SpecValidator.Validate(preset));
        Assert.Equal((ModelKind.Ssgan, LossKind.Ssgan, 100, 100), (preset.Model, preset.Loss, preset.BatchSize, preset.LatentSize));
        Assert.Equal((0.003, 0.003, 0.5, 0.5), (preset.DiscriminatorOptimizer.LearningRate, preset.GeneratorOptimizer.LearningRate, preset.DiscriminatorOptimizer.Beta1, preset.GeneratorOptimizer.Beta1));
        // Samples from the average of G with standing statistics; D, and so the semi-supervised figure, never reads it.
        Assert.Equal((0.999, (bool?)true), (preset.GeneratorEma, preset.StandingStatistics));
    }

    [Theory]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"non-saturating\"}", "loss", "use \"loss\": \"ssgan\"")]
    [InlineData("{\"model\": \"mlp\", \"loss\": \"ssgan\"}", "loss", "needs the 10-class discriminator of model ssgan; got model mlp")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"imageSize\": 64}", "imageSize", "ssgan supports 28")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"dataset\": \"ring8\"}", "dataset", "ssgan supports mnist or fashion-mnist")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"conditional\": true}", "conditional", "no conditional form")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"packing\": 2}", "packing", "does not support packing")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"r1Gamma\": 10}", "r1Gamma", "use 0")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"instanceNoise\": 0.1}", "instanceNoise", "its own Gaussian noise")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"realLabelSmoothing\": 0.1}", "realLabelSmoothing", "use 0")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"discriminator\": \"resnet\"}}", "ssgan.discriminator", "allowed")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"discriminator\": 7}}", "ssgan.discriminator", "allowed: mlp, conv")]
    [InlineData("{\"model\": \"mlp\", \"ssgan\": {\"discriminator\": \"conv\"}}", "ssgan", "remove the ssgan section")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"translate\": 9}}", "ssgan.translate", "0-8 whole pixels per axis")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"translate\": -1}}", "ssgan.translate", "got -1")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"vatWeight\": -1}}", "ssgan.vatWeight", "a weight >= 0")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"vatWeight\": 1, \"vatEpsilon\": 0}}", "ssgan.vatEpsilon", "got 0")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"vatWeight\": 1, \"vatEpsilon\": 30}}", "ssgan.vatEpsilon", "<= 28")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"vatEpsilon\": 0.3}}", "ssgan.vatEpsilon", "set ssgan.vatWeight > 0 or remove ssgan.vatEpsilon")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"entropyWeight\": -0.5}}", "ssgan.entropyWeight", "got -0.5")]
    public void Incompatible_combinations_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_labelled_subset_is_ten_digits_of_each_class_from_the_training_split_chosen_by_the_seed_alone()
    {
        var (train, heldOut) = DatasetCatalog.Load(Tiny(1));
        using (train)
        using (heldOut)
        {
            var labels = train.Labels.data<long>().ToArray();
            var chosen = LabelledSubset.Select(train, 17);
            Assert.Equal(100, chosen.Length);
            Assert.Equal(100, chosen.Distinct().Count());
            Assert.All(chosen, i => Assert.InRange(i, 0, 7_999));
            Assert.All(chosen.GroupBy(i => labels[i]), g => Assert.Equal(10, g.Count()));
            Assert.Equal(10, chosen.Select(i => labels[i]).Distinct().Count());

            Assert.Equal(chosen, LabelledSubset.Select(train, 17));
            Assert.Equal(chosen, LabelledSubset.Select(labels, 10, 17));
            Assert.NotEqual(chosen, LabelledSubset.Select(train, 18));
        }
    }

    [Fact]
    public void A_split_too_small_for_ten_labels_per_class_is_refused_naming_the_fix()
    {
        var error = Assert.Throws<ArgumentException>(() => LabelledSubset.Select(new long[] { 0, 1, 2, 3 }, 10, 1));
        Assert.Contains("heldOutFraction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_score_is_the_logit_of_z_over_z_plus_one_and_eval_mode_adds_no_noise()
    {
        using var d = new SsganDiscriminator();
        d.eval();
        using var noGrad = no_grad();
        var x = rand(4, 1, 28, 28);
        var outputs = d.Classify(x);
        Assert.Equal(new long[] { 4, 10 }, outputs.Logits.shape);
        Assert.Equal(new long[] { 4, 250 }, outputs.Features.shape);
        var z = outputs.Logits.exp().sum(1);
        Assert.True(d.call(x, null).sigmoid().allclose(z / (z + 1), rtol: 1e-5, atol: 1e-6));
        Assert.True(d.Classify(x).Logits.eq(outputs.Logits).all().item<bool>());
        // The paper's code trains the output layer's scale only: the hidden layers' g are buffers, saved but fixed.
        Assert.Equal(["layers.5.g"], d.named_parameters().Select(p => p.name).Where(n => n.EndsWith(".g", StringComparison.Ordinal)));
        Assert.Equal(5, d.named_buffers().Count(b => b.name.EndsWith(".g", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_conv_discriminator_is_chosen_by_the_spec_and_scores_like_the_mlp()
    {
        Assert.IsType<SsganDiscriminator>(new SsganFamily().CreateDiscriminator(Tiny(1)));
        Assert.IsType<SsganDiscriminator>(new SsganFamily().CreateDiscriminator(SpecJson.Parse("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"discriminator\": \"mlp\"}}")));
        Assert.Equal(SsganNetwork.Conv, SpecJson.Parse("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"ssgan\": {\"discriminator\": \"conv\"}}").Ssgan!.Discriminator);
        using var d = Assert.IsType<SsganConvDiscriminator>(new SsganFamily().CreateDiscriminator(Tiny(1, SsganNetwork.Conv)));
        using var noGrad = no_grad();
        var x = rand(4, 1, 28, 28);
        d.eval();
        var outputs = d.Classify(x);
        Assert.Equal(new long[] { 4, 10 }, outputs.Logits.shape);
        Assert.Equal(new long[] { 4, SsganConvDiscriminator.FeatureCount }, outputs.Features.shape);
        var z = outputs.Logits.exp().sum(1);
        Assert.True(d.call(x, null).sigmoid().allclose(z / (z + 1), rtol: 1e-5, atol: 1e-6));
        Assert.True(d.Classify(x).Logits.eq(outputs.Logits).all().item<bool>());
        // Train mode adds the input noise: two passes differ, and the features are the last hidden layer (LeakyReLU's output).
        d.train();
        Assert.False(d.Classify(x).Logits.eq(d.Classify(x).Logits).all().item<bool>());
        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias", "out.weight", "out.bias"],
            d.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void Weight_normalization_gives_each_output_unit_the_length_g()
    {
        using var layer = new WeightNormLinear(5, 3);
        using var noGrad = no_grad();
        var weight = layer.call(eye(5)).t();
        Assert.True(weight.mul(weight).sum(1).sqrt().allclose(ones(3), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Data_dependent_initialization_gives_every_unit_zero_mean_and_unit_variance_on_the_data()
    {
        using var layer = new WeightNormLinear(20, 4, trainScale: false);
        Assert.Equal(["v", "b"], layer.named_parameters().Select(p => p.name));
        var x = rand(64, 20);
        layer.InitializeFrom(x);
        using var noGrad = no_grad();
        var output = layer.call(x);
        var centered = output - output.mean([0]);
        Assert.True(output.mean([0]).abs().max().item<float>() < 1e-4);
        Assert.True((centered * centered).mean([0]).sub(KeptScalars.OfInteger(1)).abs().max().item<float>() < 1e-3);
    }

    [Theory]
    [InlineData(1, SsganNetwork.Mlp, null)]
    [InlineData(2, SsganNetwork.Mlp, null)]
    [InlineData(1, SsganNetwork.Conv, null)]
    [InlineData(2, SsganNetwork.Conv, null)]
    [InlineData(1, SsganNetwork.Mlp, 2)]
    [InlineData(2, SsganNetwork.Mlp, 3)]
    [InlineData(1, SsganNetwork.Mlp, null, 1.0, 0.5)]
    [InlineData(2, SsganNetwork.Mlp, null, 1.0, null)]
    [InlineData(2, SsganNetwork.Conv, null, 2.0, 1.0)]
    public void Split_steps_match_a_single_process_semi_supervised_step(int k, SsganNetwork network, int? translate, double? vat = null, double? entropy = null)
    {
        var spec = Tiny(k, network, translate, vat, entropy);
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new Reference(spec, data))
        {
            SplitAssert.Close(reference.D, split.Discriminator.Network);
            for (var round = 0; round < 2; round++)
            {
                for (var step = 0; step < k; step++)
                {
                    var result = SplitSteps.Discriminator(split);
                    var (unsupervised, supervised, accuracy) = reference.DiscriminatorStep();
                    SplitAssert.Near(unsupervised, result.Loss, $"loss/d round {round} step {step}");
                    SplitAssert.Near(supervised, result.Terms[SsganObjective.SupervisedTerm], $"loss/d_supervised round {round} step {step}");
                    Assert.Equal(accuracy, result.Terms[SsganObjective.LabelledAccuracyTerm], 6);
                }

                SplitAssert.Near(reference.GeneratorStep(), SplitSteps.Generator(split), $"loss/g round {round}");
                SplitAssert.Close(reference.D, split.Discriminator.Network);
                SplitAssert.Close(reference.G, split.Generator.Network);
            }
        }
    }

    [Theory]
    [InlineData(SsganNetwork.Mlp, null)]
    [InlineData(SsganNetwork.Conv, null)]
    [InlineData(SsganNetwork.Mlp, 2)]
    public void The_baseline_starts_from_the_gan_discriminators_weights_and_is_a_pure_function_of_the_spec(SsganNetwork network, int? translate)
    {
        var spec = Tiny(1, network, translate);
        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        using (var half = new DiscriminatorHalf(spec, CPU, train))
        using (var untrained = SsganEvaluation.TrainBaseline(spec, train, steps: 0))
        using (var once = SsganEvaluation.TrainBaseline(spec, train, steps: 2))
        using (var again = SsganEvaluation.TrainBaseline(spec, train, steps: 2))
        {
            Assert.Equal(half.Network.GetType(), untrained.GetType());
            SplitAssert.Close(half.Network, untrained);
            SplitAssert.Close(once, again);
            Assert.False(once.named_parameters().Zip(untrained.named_parameters()).All(p => p.First.parameter.eq(p.Second.parameter).all().item<bool>()));
        }
    }

    [Fact]
    public void The_conditional_entropy_is_the_mean_entropy_of_the_softmax_rows()
    {
        // Rows [0, ln 3] -> (1/4, 3/4) and [0, 0] -> (1/2, 1/2).
        using var logits = tensor(new[,] { { 0f, (float)Math.Log(3) }, { 0f, 0f } });
        var expected = (-(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75)) + Math.Log(2)) / 2;
        Assert.Equal(expected, SsganObjective.ConditionalEntropy(logits).item<float>(), 5);
    }

    [Fact]
    public void Unit_length_keeps_each_rows_direction_even_for_gradients_of_order_1e_minus_8()
    {
        using var t = tensor(new[,] { { 3e-8f, 4e-8f }, { 0f, -2f } }).reshape(2, 1, 2);
        var unit = VirtualAdversarialTraining.UnitLength(t).reshape(2, 2);
        Assert.Equal(new[] { 0.6f, 0.8f, 0f, -1f }, unit.data<float>().ToArray().Select(v => (float)Math.Round(v, 5)));
    }

    [Fact]
    public void Vat_finds_the_direction_that_changes_a_linear_classifier_most_and_scores_it_at_epsilon()
    {
        // Two classes with logits (0, w.x); at a digit with w.x = 0, p = (1/2, 1/2), the direction that changes p most is
        // +-w/|w| and the term is KL((1/2, 1/2) || (sigmoid(-a), sigmoid(a))) with a = epsilon |w|, the same for either sign.
        using var w = tensor(new[] { 1f, -2f, 0f, 2f }).reshape(4, 1);
        using var x = tensor(new[] { 0.5f, 0.25f, 0.75f, 0f }).reshape(1, 1, 2, 2);
        Func<Tensor, Tensor> logits = images =>
        {
            var score = images.reshape(images.shape[0], 4).matmul(w);
            return cat([zeros_like(score), score], 1);
        };
        const double epsilon = 0.4;
        var a = epsilon * 3; // |w| = 3
        var sigmoid = 1 / (1 + Math.Exp(-a));
        var expected = 0.5 * Math.Log(0.5 / sigmoid) + 0.5 * Math.Log(0.5 / (1 - sigmoid));
        torch.manual_seed(5);
        var term = VirtualAdversarialTraining.Term(logits, x, epsilon);
        Assert.Equal(expected, term.item<float>(), 4);
        Assert.True(expected > 0.1);
    }

    [Fact]
    public void Vat_reads_d_without_noise_and_leaves_it_in_train_mode_with_gradients_for_d_only()
    {
        using var d = new SsganDiscriminator();
        d.train();
        using var x = rand(3, 1, 28, 28);
        torch.manual_seed(9);
        var once = SsganObjective.VirtualAdversarial(d, x, 0.3);
        torch.manual_seed(9);
        var again = SsganObjective.VirtualAdversarial(d, x, 0.3);
        Assert.True(d.training);
        // Without the noise layers the only draw is the probe: the same seed gives the same term.
        Assert.Equal(once.item<float>(), again.item<float>());
        once.backward();
        Assert.Contains(d.parameters(), p => p.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.False(x.requires_grad);
    }

    [Fact]
    public void The_error_counts_every_digit_once_in_eval_mode()
    {
        using var d = new SsganDiscriminator();
        var (train, heldOut) = DatasetCatalog.Load(Tiny(1));
        using (train)
        using (heldOut)
        using (var digits = new SampleSet(heldOut.Samples.narrow(0, 0, 37), heldOut.Labels.narrow(0, 0, 37), 10, "37 digits"))
        {
            var error = SsganEvaluation.Error(d, digits, batchSize: 16);
            using var noGrad = no_grad();
            d.eval();
            var wrong = d.Classify(digits.Samples).Logits.argmax(1).ne(digits.Labels).sum().item<long>();
            d.train();
            Assert.Equal(wrong / 37.0, error, 12);
            Assert.True(d.training);
        }
    }

    [Fact]
    public void The_figure_travels_in_the_evaluation_json()
    {
        var figure = new SemiSupervisedResult(0.0195, 0.2311, 0.02, 0.22, 100, 2000, 2000);
        var result = new EvaluationResult("parzen", 10, null, null) { SemiSupervised = figure, Round = 4000 };
        var back = EvaluationLog.Deserialize(EvaluationLog.Serialize(result));
        Assert.Equal(figure, back.SemiSupervised);
        Assert.Contains("D's test error 1.95% with 100 labels (supervised only: 23.11%)", result.Headline, StringComparison.Ordinal);
    }

    /// <summary>
    /// The semi-supervised GAN written plainly in one graph per step (Salimans et al.'s mnist_feature_matching.py: D on
    /// labelled, unlabelled and fake batches, then G by feature matching), with the halves' seeds and streams and the
    /// objective's order of draws, so both see the same noise, labels and data.
    /// </summary>
    private sealed class Reference : ReferenceTrainer<SsganGenerator, SsganClassifier>
    {
        private readonly Tensor _pool;
        private readonly Tensor _labelled;
        private readonly Tensor _classes;
        private readonly int _translate;
        private readonly double _vat;
        private readonly double _vatEpsilon;
        private readonly double _entropy;

        public Reference(ExperimentSpec spec, SampleSet data)
            : base(spec, data, () => new SsganGenerator(spec.LatentSize), () => (SsganClassifier)new SsganFamily().CreateDiscriminator(spec))
        {
            var chosen = tensor(LabelledSubset.Select(data, spec.Seed), dtype: int64);
            _pool = data.Samples;
            _labelled = data.Samples.index_select(0, chosen);
            _classes = data.Labels.index_select(0, chosen);
            _translate = spec.Ssgan?.Translate ?? 0;
            _vat = spec.Ssgan?.VatWeight ?? 0;
            _vatEpsilon = spec.Ssgan?.VatEpsilon ?? 0.3;
            _entropy = spec.Ssgan?.EntropyWeight ?? 0;
        }

        public (double Unsupervised, double Supervised, double Accuracy) DiscriminatorStep()
        {
            var fake = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                return G.call(randn(Spec.BatchSize, Spec.LatentSize), null);
            });
            return DiscriminatorRng.Run(() =>
            {
                var (real, _) = Sampler.Next(Spec.BatchSize);
                DiscriminatorOptimizer.zero_grad();
                var order = randperm(100, dtype: int64).narrow(0, 0, Spec.BatchSize);
                var realLogits = D.Classify(Seen(real)).Logits;
                var realScores = realLogits.logsumexp(1);
                var logits = D.Classify(Seen(_labelled.index_select(0, order))).Logits;
                var supervised = F.cross_entropy(logits, _classes.index_select(0, order));
                var realLoss = (Softplus(realScores) - realScores).mean() * 0.5;
                var total = supervised + realLoss;
                if (_entropy > 0)
                {
                    var logP = F.log_softmax(realLogits, 1);
                    total += -(logP.exp() * logP).sum(1).mean() * _entropy;
                }

                if (_vat > 0)
                {
                    total += PlainVat.Term(D, x => D.Classify(x).Logits, real, _vatEpsilon) * _vat;
                }

                total.backward();
                var fakeScores = D.Classify(Seen(fake.detach())).Logits.logsumexp(1);
                var fakeLoss = Softplus(fakeScores).mean() * 0.5;
                fakeLoss.backward();
                DiscriminatorOptimizer.step();
                var accuracy = logits.argmax(1).eq(_classes.index_select(0, order)).to(float32).mean().item<float>();
                return ((double)(realLoss + fakeLoss).item<float>(), (double)supervised.item<float>(), (double)accuracy);
            });
        }

        public double GeneratorStep()
        {
            var fake = GeneratorRng.Run(() => G.call(randn(Spec.BatchSize, Spec.LatentSize), null));
            return DiscriminatorRng.Run(() =>
            {
                var indices = randint(0, _pool.shape[0], Spec.BatchSize, dtype: int64);
                Tensor realMean;
                using (no_grad())
                {
                    realMean = D.Classify(Seen(_pool.index_select(0, indices))).Features.mean([0]);
                }

                var difference = D.Classify(Seen(fake)).Features.mean([0]) - realMean;
                var loss = (difference * difference).mean();
                GeneratorOptimizer.zero_grad();
                loss.backward();
                GeneratorOptimizer.step();
                return (double)loss.item<float>();
            });
        }

        private static Tensor Softplus(Tensor x) => x.relu() + (-x.abs()).exp().log1p();

        // ssgan.translate: each batch shifted just before D's noise on it, from D's stream.
        private Tensor Seen(Tensor images) => _translate == 0 ? images : RandomTranslation.Apply(images, _translate);
    }
}
