using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Metrics;
using GanCluster.Training.Models;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Core;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// InfoGAN through the family and objective seams: selection and validation by name, the codes drawn into G's input and
/// carried as side inputs, the split steps against a one-graph single-process step, and the unsupervised-classifier
/// figure's exact matching.
/// </summary>
public sealed class InfoGanFamilyTests
{
    private static ExperimentSpec Tiny(int k, InfoGanSpec? info = null) => new()
    {
        Infogan = info ?? new InfoGanSpec(),
        Name = "tiny-infogan",
        Model = ModelKind.InfoGan,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.InfoGan,
        K = k,
        BatchSize = 8,
        LatentSize = 62,
        Rounds = 10,
        Seed = 13,
        Device = "cpu",
        GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 1e-3 },
        DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 2e-4 },
    };

    [Fact]
    public void Infogan_is_selected_by_its_json_names_and_the_preset_uses_the_paper_settings()
    {
        var spec = SpecJson.Parse("{\"model\": \"infogan\", \"loss\": \"infogan\", \"latentSize\": 62}");
        Assert.IsType<InfoGanFamily>(FamilyCatalog.Get(spec.Model));
        Assert.IsType<InfoGanObjective>(ObjectiveCatalog.Create(spec));

        Assert.True(Presets.TryGet("infogan-mnist", out var preset));
        Assert.Equal((ModelKind.InfoGan, LossKind.InfoGan, 62), (preset.Model, preset.Loss, preset.LatentSize));
        Assert.Equal((2e-4, 1e-3, 0.5), (preset.DiscriminatorOptimizer.LearningRate, preset.GeneratorOptimizer.LearningRate, preset.GeneratorOptimizer.Beta1));
        Assert.Equal(new InfoGanSpec { Noise = LatentNoise.Uniform, ContinuousWeight = 1 }, preset.Infogan);
    }

    [Fact]
    public void The_infogan_section_reads_the_noise_and_the_continuous_weight_and_defaults_to_normal_and_0_1()
    {
        var spec = SpecJson.Parse("{\"model\": \"infogan\", \"loss\": \"infogan\", \"infogan\": {\"noise\": \"uniform\", \"continuousWeight\": 1}}");
        Assert.Equal(new InfoGanSpec { Noise = LatentNoise.Uniform, ContinuousWeight = 1 }, spec.Infogan);
        Assert.Equal(new InfoGanSpec { Noise = LatentNoise.Normal, ContinuousWeight = 0.1 }, SpecJson.Parse("{\"model\": \"infogan\", \"loss\": \"infogan\"}").Infogan);
    }

    [Theory]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"non-saturating\"}", "loss", "use \"loss\": \"infogan\"")]
    [InlineData("{\"model\": \"dcgan\", \"loss\": \"infogan\"}", "loss", "needs the Q head of model infogan; got model dcgan")]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"infogan\", \"imageSize\": 64}", "imageSize", "infogan supports 28")]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"infogan\", \"conditional\": true}", "conditional", "no conditional form")]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"infogan\", \"packing\": 2, \"batchSize\": 64}", "packing", "does not support packing")]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"infogan\", \"infogan\": {\"continuousWeight\": -1}}", "infogan.continuousWeight", "finite number >= 0")]
    [InlineData("{\"model\": \"dcgan\", \"infogan\": {\"noise\": \"uniform\"}}", "infogan", "remove the infogan section")]
    [InlineData("{\"model\": \"infogan\", \"loss\": \"infogan\", \"infogan\": {\"noise\": 7}}", "infogan.noise", "allowed: normal, uniform")]
    public void Incompatible_combinations_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_codes_are_drawn_after_z_from_the_generator_stream_folded_into_z_and_returned_as_side_inputs()
    {
        var spec = Tiny(1);
        var family = new InfoGanFamily();
        using var rng = new RngStream(5);
        var input = rng.Run(() => family.DrawInput(spec, 16, CPU));
        var categorical = input.SideInputs[InfoGanFamily.CategoricalInput];
        var continuous = input.SideInputs[InfoGanFamily.ContinuousInput];
        Assert.Null(input.Labels);
        Assert.Equal(new long[] { 16, 62 + 12 }, input.Z.shape);
        Assert.Equal(ScalarType.Int64, categorical.dtype);
        Assert.Equal(new long[] { 16 }, categorical.shape);
        Assert.Equal(new long[] { 16, 2 }, continuous.shape);
        Assert.True(categorical.min().item<long>() >= 0 && categorical.max().item<long>() <= 9);
        Assert.True(continuous.abs().max().item<float>() <= 1f);

        // The same stream state draws z, then c1, then c2 and c3.
        using var again = new RngStream(5);
        var (noise, c1, c23) = again.Run(() => (randn(16, 62), randint(0, 10, 16, dtype: int64), Pixels.ToSymmetric(rand(16, 2))));
        Assert.True(Identical(input.Z, cat(new[] { noise, F.one_hot(c1, 10).to(float32), c23 }, 1)));
        Assert.True(Identical(categorical, c1));
    }

    [Fact]
    public void Uniform_noise_is_drawn_as_u_minus_1_to_1_in_place_of_the_normal_draw()
    {
        var spec = Tiny(1, new InfoGanSpec { Noise = LatentNoise.Uniform });
        using var rng = new RngStream(5);
        var input = rng.Run(() => new InfoGanFamily().DrawInput(spec, 16, CPU));
        using var again = new RngStream(5);
        var (noise, c1, c23) = again.Run(() => (Pixels.ToSymmetric(rand(16, 62)), randint(0, 10, 16, dtype: int64), Pixels.ToSymmetric(rand(16, 2))));
        Assert.True(Identical(input.Z, cat(new[] { noise, F.one_hot(c1, 10).to(float32), c23 }, 1)));
        Assert.True(input.Z.narrow(1, 0, 62).abs().max().item<float>() <= 1f);
    }

    [Fact]
    public void A_plain_noise_batch_such_as_the_sample_grid_gets_every_category_in_turn()
    {
        using var g = new InfoGanGenerator(62);
        g.eval();
        using var noGrad = no_grad();
        var z = randn(12, 62);
        var plain = g.call(z, null);
        var expected = g.call(InfoGanGenerator.Fold(z, arange(KeptScalars.OfInteger(12), dtype: int64).remainder(KeptScalars.OfInteger(10)), zeros(12, 2)), null);
        Assert.Equal(new long[] { 12, 1, 28, 28 }, plain.shape);
        Assert.True(Identical(plain, expected));
    }

    [Fact]
    public void The_q_head_shares_the_body_and_forward_returns_the_score_of_heads()
    {
        using var d = new InfoGanDiscriminator();
        d.eval();
        using var noGrad = no_grad();
        var x = rand(4, 1, 28, 28);
        var heads = d.Heads(x);
        Assert.Equal(new long[] { 4, 10 }, heads.CategoricalLogits.shape);
        Assert.Equal(new long[] { 4, 2 }, heads.ContinuousMeans.shape);
        Assert.True(Identical(d.call(x, null), heads.Score));
        Assert.Contains(d.named_parameters(), p => p.name.StartsWith("q.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void Split_steps_match_a_single_process_infogan_step_and_report_the_information_terms(int k, bool releasedCodeSettings)
    {
        var spec = Tiny(k, releasedCodeSettings ? new InfoGanSpec { Noise = LatentNoise.Uniform, ContinuousWeight = 1 } : null);
        using var data = TinyData.Images();
        using var split = new LocalTrainer(spec, data, CPU);
        using var reference = new Reference(spec, data);
        for (var round = 0; round < 2; round++)
        {
            for (var step = 0; step < k; step++)
            {
                split.Discriminator.PrepareStep();
                using var fake = split.Generator.ProduceForDiscriminator();
                var result = split.Discriminator.Step(fake.Samples, fake.Labels, sideInputs: fake.SideInputs);
                var (adversarial, info, accuracy) = reference.DiscriminatorStep();
                SplitAssert.Near(adversarial, result.Loss, $"loss/d round {round} step {step}");
                SplitAssert.Near(info, result.Terms[InfoGanObjective.DiscriminatorInfoTerm], $"loss/d_info round {round} step {step}");
                Assert.Equal(accuracy, result.Terms[InfoGanObjective.AccuracyTerm], 6);
                Assert.True(info > 0);
            }

            using var forUpdate = split.Generator.ProduceForUpdate();
            using var feedback = split.Discriminator.Feedback(forUpdate.Samples, forUpdate.Labels, forUpdate.SideInputs);
            split.Generator.ApplyGradient(feedback.Gradient);
            var (gAdversarial, gInfo) = reference.GeneratorStep();
            SplitAssert.Near(gAdversarial, feedback.Loss, $"loss/g round {round}");
            SplitAssert.Near(gInfo, feedback.Terms[InfoGanObjective.GeneratorInfoTerm], $"loss/g_info round {round}");
            SplitAssert.Close(reference.D, split.Discriminator.Network);
            SplitAssert.Close(reference.G, split.Generator.Network);
        }

        SplitAssert.Close(reference.D, split.Discriminator.Network);
        SplitAssert.Close(reference.G, split.Generator.Network);
    }

    [Fact]
    public void The_matching_is_exact_where_matching_each_code_to_its_largest_label_is_not()
    {
        // Greedy takes code 0 -> label 0 (10) and leaves code 1 with 0: 15 in all. The best matching swaps them: 23.
        long[][] confusion =
        [
            [10, 9, 0],
            [9, 0, 0],
            [0, 0, 5],
        ];
        Assert.Equal(new[] { 1, 0, 2 }, ClusterMatching.BestMatching(confusion));
    }

    [Fact]
    public void The_matching_equals_the_best_permutation_of_random_matrices()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 20; trial++)
        {
            var confusion = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 6).Select(_ => (long)random.Next(0, 50)).ToArray()).ToArray();
            var assignment = ClusterMatching.BestMatching(confusion);
            Assert.Equal(6, assignment.Distinct().Count());
            Assert.Equal(BestByEnumeration(confusion), assignment.Select((column, row) => confusion[row][column]).Sum());
        }
    }

    [Fact]
    public void A_permuted_ten_way_confusion_matrix_is_read_back_as_its_permutation_and_accuracy()
    {
        var permutation = new[] { 3, 7, 0, 9, 1, 5, 8, 2, 6, 4 };
        var confusion = new long[10][];
        for (var code = 0; code < 10; code++)
        {
            confusion[code] = Enumerable.Range(0, 10).Select(label => label == permutation[code] ? 95L : (label == permutation[(code + 1) % 10] ? 5L : 0L)).ToArray();
        }

        Assert.Equal(permutation, ClusterMatching.BestMatching(confusion));
    }

    [Fact]
    public void Classifying_with_the_codes_counts_every_digit_once_and_reports_the_matched_fraction()
    {
        using var d = new InfoGanDiscriminator();
        using var digits = TinyData.Images(40);
        var result = InfoGanEvaluation.ClassifyWithCodes(d, digits, batchSize: 16);
        Assert.Equal(40, result.Count);
        Assert.Equal(40, result.Confusion.Sum(row => row.Sum()));
        var matched = result.Assignment.Select((label, code) => result.Confusion[code][label]).Sum();
        Assert.Equal(matched / 40.0, result.Accuracy, 12);
        Assert.True(d.training);
    }

    [Fact]
    public void Code_information_is_the_entropy_of_the_mean_minus_the_mean_entropy_of_q()
    {
        // Two certain answers on different categories: H(mean) = ln 2, each H(q) = 0.
        var logits = full(2, 10, KeptScalars.Of(-1e4), dtype: float32);
        logits[0, 3] = tensor(0f);
        logits[1, 7] = tensor(0f);
        Assert.Equal(Math.Log(2), CodeInformation.Nats(LogQ(logits)), 9);

        // One input certain on category 0, one split evenly over 0 and 1.
        // mean q = (0.75, 0.25): H = -(0.75 ln 0.75 + 0.25 ln 0.25); mean H(q) = (0 + ln 2) / 2.
        var mixed = LogQ(tensor(new float[,] { { 0f, -1e4f }, { 5f, 5f } }));
        var expected = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25)) - Math.Log(2) / 2;
        Assert.Equal(expected, CodeInformation.Nats(mixed), 9);

        // An answer that does not depend on the input carries no information, however confident.
        var constant = LogQ(tensor(new float[,] { { 1f, 2f, 3f, 0f, 0f, 0f, 0f, 0f, 0f, 0f }, { 1f, 2f, 3f, 0f, 0f, 0f, 0f, 0f, 0f, 0f } }));
        Assert.Equal(0, CodeInformation.Nats(constant), 9);
        Assert.Equal(0, CodeInformation.Nats(zeros(0, 10, dtype: float64)));

        static Tensor LogQ(Tensor logits) => logits.to(float64).log_softmax(1);
    }

    [Fact]
    public void Classifying_with_the_codes_reports_q_information_between_zero_and_ln_10()
    {
        using var d = new InfoGanDiscriminator();
        using var digits = TinyData.Images(40);
        var result = InfoGanEvaluation.ClassifyWithCodes(d, digits, batchSize: 16);
        Assert.InRange(result.Information!.Value, 0, Math.Log(10));
        var whole = InfoGanEvaluation.ClassifyWithCodes(d, digits, batchSize: 40);
        Assert.Equal(whole.Information!.Value, result.Information.Value, 9);
    }

    [Fact]
    public void The_figure_recomputes_d_batchnorm_statistics_on_the_training_digits_and_leaves_d_as_it_was()
    {
        using var d = new InfoGanDiscriminator();
        using var other = new InfoGanDiscriminator();
        other.load_state_dict(d.state_dict());
        using (no_grad())
        {
            foreach (var norm in other.modules().OfType<TorchSharp.Modules.BatchNorm>())
            {
                norm.running_mean!.fill_(KeptScalars.Of(3.0)); // statistics of some other data: the recomputed figure must not read them
                norm.running_var!.fill_(KeptScalars.Of(0.01));
            }
        }

        using var train = TinyData.Images(40);
        using var heldOut = TinyData.Images(24);
        var buffers = other.buffers().Select(b => b.clone()).ToList();

        var result = InfoGanEvaluation.Evaluate(d, train, heldOut);
        var fromOther = InfoGanEvaluation.Evaluate(other, train, heldOut);

        Assert.Equal(result.HeldOut.Confusion, fromOther.HeldOut.Confusion);
        Assert.Equal(result.Train.Confusion, fromOther.Train.Confusion);
        Assert.Equal(24, fromOther.HeldOutRunningStatistics!.Count);
        Assert.True(other.buffers().Zip(buffers).All(pair => pair.First.eq(pair.Second).all().item<bool>()));
        Assert.True(other.training);
    }

    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static long BestByEnumeration(long[][] counts)
    {
        long best = long.MinValue;
        void Search(int row, bool[] used, long sum)
        {
            if (row == counts.Length)
            {
                best = Math.Max(best, sum);
                return;
            }

            for (var column = 0; column < counts.Length; column++)
            {
                if (!used[column])
                {
                    used[column] = true;
                    Search(row + 1, used, sum + counts[row][column]);
                    used[column] = false;
                }
            }
        }

        Search(0, new bool[counts.Length], 0);
        return best;
    }

    /// <summary>
    /// InfoGAN written as plainly as possible in one graph per step (Chen et al.'s Algorithm: D and Q on real and fake
    /// with L_I, then G with L_I), with the halves' seeds and random streams so both see the same noise, codes and data.
    /// </summary>
    private sealed class Reference(ExperimentSpec spec, SampleSet data)
        : ReferenceTrainer<InfoGanGenerator, InfoGanDiscriminator>(spec, data, () => new InfoGanGenerator(spec.LatentSize), () => new InfoGanDiscriminator())
    {

        public (double Adversarial, double Info, double Accuracy) DiscriminatorStep()
        {
            var (fake, c1, c23) = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                var (z, categorical, continuous) = Codes();
                return (G.call(z, null), categorical, continuous);
            });
            return DiscriminatorRng.Run(() =>
            {
                var (real, _) = Sampler.Next(Spec.BatchSize);
                // The canonical step of pytorch/examples' dcgan: the real term's backward, then the fake term's (here with L_I).
                DiscriminatorOptimizer.zero_grad();
                var realScores = D.call(Pixels.ToSymmetric(real), null);
                var realLoss = Losses.DiscriminatorReal(LossKind.NonSaturating, realScores);
                realLoss.backward();
                var heads = D.Heads(fake.detach());
                var fakeLoss = Losses.DiscriminatorFake(LossKind.NonSaturating, heads.Score);
                var info = Information(heads, c1, c23);
                (fakeLoss + info).backward();
                DiscriminatorOptimizer.step();
                var adversarial = realLoss + fakeLoss;
                var accuracy = heads.CategoricalLogits.argmax(1).eq(c1).to(float32).mean().item<float>();
                return ((double)adversarial.item<float>(), (double)info.item<float>(), (double)accuracy);
            });
        }

        public (double Adversarial, double Info) GeneratorStep()
        {
            var (fake, c1, c23) = GeneratorRng.Run(() =>
            {
                var (z, categorical, continuous) = Codes();
                return (G.call(z, null), categorical, continuous);
            });
            return DiscriminatorRng.Run(() =>
            {
                var heads = D.Heads(fake);
                var adversarial = Losses.Generator(LossKind.NonSaturating, heads.Score);
                var info = Information(heads, c1, c23);
                GeneratorOptimizer.zero_grad();
                (adversarial + info).backward();
                GeneratorOptimizer.step();
                return ((double)adversarial.item<float>(), (double)info.item<float>());
            });
        }

        /// <summary>
        /// L_I: cross-entropy of c1 (weight 1) plus continuousWeight x the N(mu, 1) negative log-likelihood of c2, c3 without its
        /// constant, in the objective's order of operations: Adam's first steps are about lr x sign(gradient), so a
        /// gradient that is zero but for rounding (weights of features BatchNorm makes constant over the batch) turns a
        /// last-bit difference into a step of lr.
        /// </summary>
        private Tensor Information(InfoGanHeads heads, Tensor c1, Tensor c23)
        {
            var difference = heads.ContinuousMeans - c23;
            return (F.cross_entropy(heads.CategoricalLogits, c1) * 1.0) + (Spec.Infogan.ContinuousWeight * ((difference * difference).sum(1).mean() * 0.5));
        }

        private (Tensor Z, Tensor Categorical, Tensor Continuous) Codes()
        {
            var noise = Spec.Infogan.Noise == LatentNoise.Uniform ? Pixels.ToSymmetric(rand(Spec.BatchSize, Spec.LatentSize)) : randn(Spec.BatchSize, Spec.LatentSize);
            var categorical = randint(0, 10, Spec.BatchSize, dtype: int64);
            var continuous = Pixels.ToSymmetric(rand(Spec.BatchSize, 2));
            return (cat(new[] { noise, F.one_hot(categorical, 10).to(float32), continuous }, 1), categorical, continuous);
        }
    }
}
