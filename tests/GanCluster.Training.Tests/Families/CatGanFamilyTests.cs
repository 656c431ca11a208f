using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Loop;
using GanCluster.Training.Metrics;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Objectives;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// CatGAN through the family and objective seams: selection and validation by name, the entropies, the split D step
/// and G feedback against a one-graph single-process step (unsupervised and with 100 labels, k = 1 and 2), and the
/// figures: the best matching of D's classes, and evaluation.json after a real run. Like ssgan it has no side inputs:
/// its labelled batch is drawn on D's side.
/// </summary>
public sealed class CatGanFamilyTests
{
    internal static ExperimentSpec Tiny(int k, int labelsPerClass = 0) => new()
    {
        Name = "tiny-catgan",
        Model = ModelKind.CatGan,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.CatGan,
        LabelsPerClass = labelsPerClass,
        K = k,
        BatchSize = 8,
        LatentSize = 16,
        Rounds = 4,
        CheckpointInterval = 2,
        Seed = 17,
        Device = "cpu",
        GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 2e-4, Beta1 = 0.5 },
        DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 2e-4, Beta1 = 0.5 },
    };

    [Fact]
    public void Catgan_is_selected_by_its_json_names_and_the_presets_differ_only_in_their_labels()
    {
        var spec = SpecJson.Parse("{\"model\": \"catgan\", \"loss\": \"catgan\", \"labelsPerClass\": 10}");
        Assert.IsType<CatGanFamily>(FamilyCatalog.Get(spec.Model));
        Assert.Equal(10, spec.LabelsPerClass);
        Assert.Equal(0, SpecJson.Parse("{\"model\": \"catgan\", \"loss\": \"catgan\"}").LabelsPerClass);

        Assert.True(Presets.TryGet("catgan-mnist", out var unsupervised));
        Assert.True(Presets.TryGet("catgan-mnist-100", out var labelled));
        Assert.Empty(SpecValidator.Validate(unsupervised));
        Assert.Empty(SpecValidator.Validate(labelled));
        Assert.Equal((ModelKind.CatGan, LossKind.CatGan, 0, 100), (unsupervised.Model, unsupervised.Loss, unsupervised.LabelsPerClass, unsupervised.BatchSize));
        Assert.Equal(10, labelled.LabelsPerClass);
        // Unsupervised, the paper's marginal weights 1; with labels 5 in D's loss (stop 42: over three seeds 5 helped only with
        // labels) and in G's (stop 45: better class balance of the samples at seeds 1 and 2); D's weight steps down to the
        // paper's 1 after round 3,000 (stops 54-55: D a little ahead and the samples' smallest class larger at seeds 1-3); VAT
        // weight 1 at the default e (stops 60-61: D ahead on the training digits at seeds 1-3).
        Assert.Null(unsupervised.Catgan);
        Assert.Equal(new CatGanSpec { MarginalWeight = 5, GeneratorMarginalWeight = 5, MarginalWeightChange = new MarginalWeightChange { AfterRound = 3000, Weight = 1 }, VatWeight = 1 }, labelled.Catgan);
        Assert.Equal(unsupervised with { Name = labelled.Name, LabelsPerClass = labelled.LabelsPerClass, Catgan = labelled.Catgan }, labelled);
        Assert.IsType<CatGanObjective>(ObjectiveCatalog.Create(unsupervised));
        Assert.True(((CatGanObjective)ObjectiveCatalog.Create(labelled)).IsSemiSupervised);
        Assert.False(((CatGanObjective)ObjectiveCatalog.Create(unsupervised)).IsSemiSupervised);

        // The paper's unsupervised protocol: the unsupervised preset with 20 clusters, and D's marginal term weighted 10
        // (stop 52: with many-to-one scoring a push to use every cluster helped at all three seeds).
        Assert.True(Presets.TryGet("catgan-mnist-20", out var twenty));
        Assert.Empty(SpecValidator.Validate(twenty));
        Assert.Equal(unsupervised with { Name = twenty.Name, Catgan = new CatGanSpec { MarginalWeight = 10, Clusters = 20 } }, twenty);
        Assert.Equal(20, CatGanFamily.Clusters(twenty));
    }

    [Theory]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"non-saturating\"}", "loss", "use \"loss\": \"catgan\"")]
    [InlineData("{\"model\": \"mlp\", \"loss\": \"catgan\"}", "loss", "needs the class-per-cluster discriminator of model catgan; got model mlp")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"imageSize\": 64}", "imageSize", "catgan supports 28")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"dataset\": \"ring8\"}", "dataset", "catgan supports mnist or fashion-mnist")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"conditional\": true}", "conditional", "no conditional form")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"packing\": 2}", "packing", "does not support packing")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"r1Gamma\": 10}", "r1Gamma", "use 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"instanceNoise\": 0.1}", "instanceNoise", "its own Gaussian noise")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"realLabelSmoothing\": 0.1}", "realLabelSmoothing", "use 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"labelsPerClass\": -1}", "labelsPerClass", "must be 0 (unsupervised) to 100")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"labelsPerClass\": 101}", "labelsPerClass", "must be 0 (unsupervised) to 100")]
    [InlineData("{\"model\": \"ssgan\", \"loss\": \"ssgan\", \"labelsPerClass\": 10}", "labelsPerClass", "only loss catgan trains on a labelled subset")]
    [InlineData("{\"model\": \"mlp\", \"labelsPerClass\": 5}", "labelsPerClass", "with loss non-saturating; use 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"marginalWeight\": 0}}", "catgan.marginalWeight", "must be in (0, 100]; the paper's objective has 1; got 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"marginalWeight\": 101}}", "catgan.marginalWeight", "must be in (0, 100]")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"generatorMarginalWeight\": 0}}", "catgan.generatorMarginalWeight", "must be in (0, 100]; the paper's objective has 1 (or leave it out); got 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"generatorMarginalWeight\": -2}}", "catgan.generatorMarginalWeight", "must be in (0, 100]")]
    [InlineData("{\"model\": \"dcgan\", \"catgan\": {\"marginalWeight\": 2}}", "catgan", "only model catgan weighs a marginal class entropy")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"rounds\": 100, \"catgan\": {\"marginalWeightChange\": {\"afterRound\": 0, \"weight\": 1}}}", "catgan.marginalWeightChange.afterRound", "must be in [1, rounds) = [1, 100); got 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"rounds\": 100, \"catgan\": {\"marginalWeightChange\": {\"afterRound\": 100, \"weight\": 1}}}", "catgan.marginalWeightChange.afterRound", "[1, 100); got 100")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"marginalWeightChange\": {\"afterRound\": 10, \"weight\": 0}}}", "catgan.marginalWeightChange.weight", "must be in (0, 100]; the paper's objective has 1; got 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"translate\": 9}}", "catgan.translate", "0-8 whole pixels per axis")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"clusters\": 1}}", "catgan.clusters", "must be 2 to 50 (the paper's unsupervised MNIST figure used 20; leave it out for the digits' 10); got 1")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"clusters\": 51}}", "catgan.clusters", "must be 2 to 50")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"labelsPerClass\": 10, \"catgan\": {\"clusters\": 20}}", "catgan.clusters", "with labelsPerClass 10 D's classes are the 10 digits; got 20; leave clusters out, or set labelsPerClass 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"discriminator\": 7}}", "catgan.discriminator", "allowed: small, deep (small is the default, deep the paper's layer plan); got 7")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"discriminator\": \"huge\"}}", "catgan.discriminator", "unknown value; allowed: small, deep")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"vatWeight\": -2}}", "catgan.vatWeight", "a weight >= 0")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"vatWeight\": 1, \"vatEpsilon\": -0.3}}", "catgan.vatEpsilon", "got -0.3")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"vatEpsilon\": 0.3}}", "catgan.vatEpsilon", "set catgan.vatWeight > 0 or remove catgan.vatEpsilon")]
    public void Incompatible_combinations_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_entropies_are_zero_for_certain_predictions_and_log_k_for_uniform_ones()
    {
        using var scope = NewDisposeScope();
        var oneHot = F.log_softmax(eye(10).mul(KeptScalars.Of(100.0)), 1);
        var uniform = F.log_softmax(zeros(6, 10), 1);
        var allOne = F.log_softmax(zeros(4, 10).index_fill(1, tensor(new long[] { 3 }), KeptScalars.Of(100.0)), 1);
        // Float32: log 10 to 1e-6 relative.
        Assert.Equal(0, CatGanObjective.MeanEntropy(oneHot).item<float>(), 4);
        Assert.Equal(Math.Log(10), CatGanObjective.MarginalEntropy(oneHot).item<float>(), 4);
        Assert.Equal(Math.Log(10), CatGanObjective.MeanEntropy(uniform).item<float>(), 4);
        Assert.Equal(Math.Log(10), CatGanObjective.MarginalEntropy(uniform).item<float>(), 4);
        Assert.Equal(0, CatGanObjective.MarginalEntropy(allOne).item<float>(), 4);
    }

    [Theory]
    [InlineData(CatGanNetwork.Small)]
    [InlineData(CatGanNetwork.Deep)]
    public void The_score_is_the_negative_entropy_of_the_class_distribution_and_eval_mode_adds_no_noise(CatGanNetwork network)
    {
        using var d = new CatGanDiscriminator(network: network);
        Assert.Equal(network, d.Network);
        d.eval();
        using var noGrad = no_grad();
        var x = rand(4, 1, 28, 28);
        var logits = d.Logits(x);
        Assert.Equal(new long[] { 4, 10 }, logits.shape);
        Assert.True(d.Logits(x).eq(logits).all().item<bool>());
        var p = logits.softmax(1);
        Assert.True(d.call(x, null).allclose((p * p.log()).sum(1), rtol: 1e-5, atol: 1e-6));
        d.train();
        Assert.False(d.Logits(x).eq(logits).all().item<bool>());
    }

    [Fact]
    public void The_deep_discriminator_has_the_papers_layer_plan()
    {
        // Parameters of 5x5 conv 32, 3x3 conv 64, 3x3 conv 64, 3x3 conv 128, 1x1 conv 10 (weights + biases), FC from the
        // 10 maps of 7x7 to 128, FC 128 -> K: the plan with "same" padding and two 3x3 max-pools of stride 2 (28 -> 14 -> 7).
        static long Expected(int classes) => (25 * 32 + 32) + (32 * 9 * 64 + 64) + (64 * 9 * 64 + 64) + (64 * 9 * 128 + 128)
            + (128 * 10 + 10) + (10 * 7 * 7 * 128 + 128) + (128 * classes + classes);
        var parsed = SpecJson.Parse("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"discriminator\": \"deep\"}}");
        Assert.Equal(CatGanNetwork.Deep, CatGanFamily.Network(parsed));
        Assert.Equal(CatGanNetwork.Small, CatGanFamily.Network(SpecJson.Parse("{\"model\": \"catgan\", \"loss\": \"catgan\"}")));
        foreach (var classes in new[] { 10, 20 })
        {
            using var d = new CatGanDiscriminator(classes, CatGanNetwork.Deep);
            Assert.Equal(Expected(classes), d.parameters().Sum(p => p.numel()));
            d.eval();
            using var noGrad = no_grad();
            Assert.Equal(new long[] { 3, classes }, d.Logits(rand(3, 1, 28, 28)).shape);
        }

        using var small = new CatGanDiscriminator();
        Assert.Equal((16 * 32 + 32) + (32 * 16 * 64 + 64) + (64 * 7 * 7 * 128 + 128) + (128 * 10 + 10), small.parameters().Sum(p => p.numel()));

        // With batch normalization: no bias before a BatchNorm, a scale and a shift per channel instead, and none after the
        // first convolution.
        using var normalized = new CatGanDiscriminator(10, CatGanNetwork.Small, batchNorm: true);
        Assert.Equal((16 * 32 + 32) + (32 * 16 * 64 + 2 * 64) + (64 * 7 * 7 * 128 + 2 * 128) + (128 * 10 + 10), normalized.parameters().Sum(p => p.numel()));
        Assert.Equal(2, normalized.modules().OfType<TorchSharp.Modules.BatchNorm>().Count());
        using var deep = new CatGanDiscriminator(20, CatGanNetwork.Deep, batchNorm: true);
        Assert.Equal(Expected(20) + 64 + 64 + 128 + 10 + 128, deep.parameters().Sum(p => p.numel()));
        var parsedNorm = SpecJson.Parse("{\"model\": \"catgan\", \"loss\": \"catgan\", \"catgan\": {\"batchNorm\": true}}");
        Assert.True(((CatGanDiscriminator)FamilyCatalog.Get(parsedNorm.Model).CreateDiscriminator(parsedNorm)).HasBatchNorm);
        Assert.Throws<ArgumentException>(() => new CatGanDiscriminator(network: (CatGanNetwork)7));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(1, 0, 3.0)]
    [InlineData(2, 10, 3.0)]
    [InlineData(1, 0, 1.0, 4.0)]
    [InlineData(2, 10, 3.0, 4.0)]
    [InlineData(1, 10, 1.0, 1.0, 2)]
    [InlineData(2, 0, 1.0, 1.0, 3)]
    [InlineData(1, 0, 1.0, 1.0, null, 20)]
    [InlineData(2, 0, 3.0, 1.0, null, 20)]
    [InlineData(1, 10, 5.0, 5.0, null, null, CatGanNetwork.Deep)]
    [InlineData(2, 0, 1.0, 1.0, null, 20, CatGanNetwork.Deep)]
    [InlineData(1, 10, 1.0, 1.0, null, null, null, true)]
    [InlineData(2, 0, 10.0, 1.0, null, 20, null, true)]
    [InlineData(2, 10, 1.0, 1.0, null, null, CatGanNetwork.Deep, true)]
    [InlineData(1, 0, 10.0, 1.0, null, 20, null, false, 1)]
    [InlineData(2, 10, 5.0, 5.0, null, null, null, false, 1)]
    [InlineData(1, 0, 1.0, 1.0, null, null, null, false, null, 1.0)]
    [InlineData(1, 10, 1.0, 1.0, 2, null, null, false, null, 1.0)]
    [InlineData(2, 0, 1.0, 1.0, null, 20, null, false, null, 1.0)]
    public void Split_steps_match_a_single_process_catgan_step(int k, int labelsPerClass, double marginalWeight = 1, double generatorMarginalWeight = 1, int? translate = null, int? clusters = null, CatGanNetwork? network = null, bool batchNorm = false, int? changeAfterRound = null, double? vat = null)
    {
        // SGD, not the presets' Adam: Adam divides each gradient by its own size, so where G's gradient is last-ulp noise
        // (measured here with 100 labels: BN-fed weights of G) the two graphs' rounding turns into steps of +-lr, 1e-5 apart
        // after two rounds although every loss agrees to 1e-5; SGD keeps such noise at its size. The objective is the same.
        var spec = Tiny(k, labelsPerClass) with
        {
            // With a change after round 1, the second round's D steps weigh the marginal by 1 (the reference counts its steps).
            Catgan = (marginalWeight, generatorMarginalWeight, translate, clusters, network, batchNorm, changeAfterRound, vat) == (1, 1, null, null, null, false, null, null) ? null
                : new CatGanSpec
                {
                    MarginalWeight = marginalWeight, GeneratorMarginalWeight = generatorMarginalWeight, Translate = translate, Clusters = clusters, Discriminator = network, BatchNorm = batchNorm ? true : null,
                    MarginalWeightChange = changeAfterRound is { } after ? new MarginalWeightChange { AfterRound = after, Weight = 1 } : null,
                    VatWeight = vat, VatEpsilon = vat is null ? null : 0.1,
                },
            GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.5 },
            DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.5 },
        };
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new Reference(spec, data))
        {
            SplitAssert.Close(reference.D, split.Discriminator.Network);
            SplitAssert.Close(reference.G, split.Generator.Network);
            Assert.Equal(clusters ?? 10, ((CatGanDiscriminator)split.Discriminator.Network).ClassCount);
            Assert.Equal(network ?? CatGanNetwork.Small, ((CatGanDiscriminator)split.Discriminator.Network).Network);
            Assert.Equal(batchNorm, ((CatGanDiscriminator)split.Discriminator.Network).HasBatchNorm);
            for (var round = 0; round < 2; round++)
            {
                for (var step = 0; step < k; step++)
                {
                    var result = SplitSteps.Discriminator(split);
                    var (unsupervised, supervised, accuracy) = reference.DiscriminatorStep();
                    SplitAssert.Near(unsupervised, result.Loss, $"loss/d round {round} step {step}");
                    if (labelsPerClass > 0)
                    {
                        SplitAssert.Near(supervised, result.Terms[CatGanObjective.SupervisedTerm], $"loss/d_supervised round {round} step {step}");
                        Assert.Equal(accuracy, result.Terms[CatGanObjective.LabelledAccuracyTerm], 6);
                    }
                    else
                    {
                        Assert.DoesNotContain(CatGanObjective.SupervisedTerm, result.Terms.Keys);
                    }

                    Assert.InRange(result.DReal, 1.0 / (clusters ?? 10) - 1e-6, 1);
                    Assert.InRange(result.Terms[CatGanObjective.RealMarginalTerm], 0, Math.Log(clusters ?? 10) + 1e-5);
                }

                SplitAssert.Near(reference.GeneratorStep(), SplitSteps.Generator(split), $"loss/g round {round}");
                SplitAssert.Close(reference.D, split.Discriminator.Network);
                SplitAssert.Close(reference.G, split.Generator.Network);
            }
        }
    }

    [Fact]
    public void The_clustering_error_forgives_any_renaming_of_the_classes_but_the_plain_error_does_not()
    {
        var (train, heldOut) = DatasetCatalog.Load(Tiny(1));
        using (train)
        using (heldOut)
        using (var d = new CatGanDiscriminator())
        {
            var digits = new SampleSet(heldOut.Samples.narrow(0, 0, 37), heldOut.Labels.narrow(0, 0, 37), 10, "37 digits");
            var predicted = CatGanEvaluation.Predict(d, digits.Samples, batchSize: 16);
            Assert.Equal(predicted, CatGanEvaluation.Predict(d, digits.Samples, batchSize: 37));
            Assert.True(d.training);

            // The information is CatGAN's two entropies of D's eval-mode probabilities over all 37 digits, whatever the batching.
            var (classes, information) = CatGanEvaluation.Classify(d, digits.Samples, batchSize: 16);
            Assert.Equal(predicted, classes);
            d.eval();
            using (NewDisposeScope())
            using (no_grad())
            using (var logP = d.Logits(digits.Samples.ToSymmetric()).to(float64).log_softmax(1))
            {
                var p = logP.exp();
                var marginal = p.mean([0]);
                var expected = -marginal.mul(marginal.log()).sum().item<double>() + p.mul(logP).sum(1).mean().item<double>();
                Assert.Equal(expected, information, 9);
            }

            d.train();
            Assert.InRange(information, 0, Math.Log(10));

            // Classes that are a fixed renaming of the labels (label + 1 mod 10): no clustering error, all wrong without the matching.
            var labels = digits.Labels.data<long>().ToArray();
            var score = CatGanEvaluation.Score([.. labels.Select(l => (l + 1) % 10)], labels, 10);
            Assert.Equal(0, score.ClusteringError);
            Assert.Equal(1, score.Error);
            Assert.Equal(Enumerable.Range(0, 10).Select(c => (c + 9) % 10), score.Assignment);
            Assert.Equal(37, score.ClassSizes.Sum());

            var plain = CatGanEvaluation.Score(d, digits);
            Assert.Equal(predicted.Zip(labels).Count(p => p.First != p.Second) / 37.0, plain.Error, 12);
            Assert.True(plain.ClusteringError <= plain.Error);
        }
    }

    [Fact]
    public void With_more_clusters_than_digits_each_cluster_counts_as_its_most_frequent_label()
    {
        // 12 digits of labels 0-2 in 4 clusters: cluster 0 holds 0,0,1 (-> 0), cluster 1 holds 1,1,1,2 (-> 1), cluster 2
        // holds 2,2,0 (-> 2), cluster 3 holds 0,2 (a tie: the lower label, 0). Matched: 2 + 3 + 2 + 1 = 8 of 12.
        long[] predicted = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3];
        long[] labels = [0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 0, 2];
        var score = CatGanEvaluation.Score(predicted, labels, labelClasses: 3, clusters: 4);
        Assert.Equal(4.0 / 12, score.ClusteringError, 12);
        Assert.Equal([0, 1, 2, 0], score.Assignment);
        Assert.Equal([3L, 4, 3, 2], score.ClassSizes);

        // Under the many-to-one matching clusters may share a label; the one-to-one matching forbids it. Rows 0 and 1
        // both hold mostly 0s: majority 3 + 2 + 3 = 8, one-to-one at best 3 + 0 + 3 or 1 + 2 + 3 = 6.
        long[][] confusion = [[3, 1, 0], [2, 0, 1], [0, 0, 3]];
        var (majority, majorityMatched) = ClusterMatching.Majority(confusion);
        Assert.Equal([0, 0, 2], majority);
        Assert.Equal(8, majorityMatched);
        Assert.Equal(6, ClusterMatching.Best(confusion).Matched);
    }

    [Fact]
    public void A_discriminator_with_twenty_clusters_scores_its_digits_many_to_one()
    {
        var (train, heldOut) = DatasetCatalog.Load(Tiny(1));
        using (train)
        using (heldOut)
        using (var d = new CatGanDiscriminator(20))
        {
            var digits = new SampleSet(heldOut.Samples.narrow(0, 0, 64), heldOut.Labels.narrow(0, 0, 64), 10, "64 digits");
            var predicted = CatGanEvaluation.Predict(d, digits.Samples);
            Assert.All(predicted, c => Assert.InRange(c, 0, 19));
            var labels = digits.Labels.data<long>().ToArray();
            var score = CatGanEvaluation.Score(d, digits);
            Assert.Equal(20, score.ClassSizes.Length);
            Assert.Equal(CatGanEvaluation.Score(predicted, labels, 10, 20).ClusteringError, score.ClusteringError, 12);
            Assert.InRange(score.Information!.Value, 0, Math.Log(20));
        }

        Assert.Throws<ArgumentException>(() => new CatGanDiscriminator(51));
    }

    [Fact]
    public void A_marginal_weight_change_trains_what_a_resume_at_the_later_weight_trains()
    {
        // The step change is where D's step number reaches afterRound x k: the same weights as training to that round at the
        // first weight and resuming from its checkpoint with the later one (how the change was first measured).
        var catgan = new CatGanSpec { MarginalWeight = 10, Clusters = 20 };
        var tiny = Tiny(2) with { Catgan = catgan };
        using var changed = new TempFolder();
        using var resumed = new TempFolder();
        using var unchanged = new TempFolder();
        Train(tiny with { Catgan = catgan with { MarginalWeightChange = new MarginalWeightChange { AfterRound = 2, Weight = 1 } } }, changed.Path);
        Train(tiny with { Rounds = 2 }, resumed.Path);
        Train(tiny with { Catgan = catgan with { MarginalWeight = 1 } }, resumed.Path, resume: true);
        Train(tiny, unchanged.Path);

        var changedEnd = States(changed.Path, tiny.Rounds);
        Assert.Equal(changedEnd, States(resumed.Path, tiny.Rounds));
        Assert.NotEqual(changedEnd.Discriminator, States(unchanged.Path, tiny.Rounds).Discriminator); // the later weight trained rounds 3-4
        Assert.Equal(States(unchanged.Path, 2), States(changed.Path, 2)); // the first weight up to the change

        static void Train(ExperimentSpec spec, string folder, bool resume = false) =>
            new LocalRun(spec, new LocalRunOptions(folder, Resume: resume, EvaluationSamples: 0, TensorBoard: false), new Observer()).Run(CancellationToken.None);

        static (string Generator, string Discriminator) States(string folder, int round)
        {
            var checkpoint = Checkpoint.Load(Path.Combine(folder, "checkpoints", $"round-{round:D6}.ckpt"));
            return (checkpoint.Generator.Sha256, checkpoint.Discriminator.Sha256);
        }
    }

    [Fact]
    public void A_real_run_writes_the_figures_to_evaluation_json_as_its_checkpoint_gives_them()
    {
        var spec = Tiny(1, labelsPerClass: 10);
        using var folder = new TempFolder();
        var observer = new Observer();
        new LocalRun(spec, new LocalRunOptions(folder.Path, LogEvery: 2, EvaluationSamples: 20, TensorBoard: false), observer).Run(CancellationToken.None);

        var written = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName)));
        var figure = Assert.IsType<CatGanResult>(written.CatGan);
        Assert.Equal((100, 2000, spec.Rounds), (figure.Labels, figure.TestDigits, written.Round));
        Assert.NotNull(figure.TestError);
        Assert.NotNull(figure.UnlabelledTrainError);
        Assert.True(figure.ClusteringError <= figure.TestError);
        Assert.True(figure.UnlabelledTrainClusteringError <= figure.UnlabelledTrainError);
        Assert.Equal(2000, figure.ClassSizes.Sum());
        Assert.Equal(Enumerable.Range(0, 10), figure.Assignment.Order());
        Assert.Null(figure.ClusteringErrorWithoutAverage); // no discriminatorEma: one set of weights
        Assert.Contains("D's clustering error", written.Headline, StringComparison.Ordinal);
        Assert.Contains(observer.Terms, t => t.ContainsKey(CatGanObjective.SupervisedTerm) && t.ContainsKey(CatGanObjective.RealEntropyTerm));

        // `gancluster evaluate` on the final checkpoint gives the same figure (D restored from its half).
        var checkpoint = Checkpoint.Load(Path.Combine(folder.Path, "checkpoints", $"round-{spec.Rounds:D6}.ckpt"));
        var again = Evaluation.Checkpoint(checkpoint.Spec, checkpoint.Generator, checkpoint.Round, 20, discriminatorState: checkpoint.Discriminator).CatGan!;
        Assert.Equal((figure.ClusteringError, figure.TestError, figure.UnlabelledTrainClusteringError, figure.UnlabelledTrainError), (again.ClusteringError, again.TestError, again.UnlabelledTrainClusteringError, again.UnlabelledTrainError));
        Assert.Equal(figure.Assignment, again.Assignment);
        Assert.Equal(figure.ClassSizes, again.ClassSizes);
        Assert.InRange(figure.UnlabelledTrainInformation!.Value, 0, Math.Log(10));
        Assert.Equal(figure.UnlabelledTrainInformation, again.UnlabelledTrainInformation);
    }

    [Fact]
    public void With_an_average_of_D_the_figures_read_the_average_and_the_current_weights_go_beside_them()
    {
        var spec = Tiny(1, labelsPerClass: 10) with { DiscriminatorEma = 0.5 };
        using var folder = new TempFolder();
        new LocalRun(spec, new LocalRunOptions(folder.Path, LogEvery: 2, EvaluationSamples: 20, TensorBoard: false), new Observer()).Run(CancellationToken.None);
        var written = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName))).CatGan!;

        var checkpoint = Checkpoint.Load(Path.Combine(folder.Path, "checkpoints", $"round-{spec.Rounds:D6}.ckpt"));
        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        using (var half = new DiscriminatorHalf(spec, CPU, train))
        {
            half.LoadState(checkpoint.Discriminator!);
            Assert.NotSame(half.Network, half.EvaluationNetwork);
            var average = CatGanEvaluation.Score((CatGanDiscriminator)half.EvaluationNetwork, heldOut);
            var current = CatGanEvaluation.Score((CatGanDiscriminator)half.Network, heldOut);
            Assert.Equal((average.ClusteringError, average.Error), (written.ClusteringError, written.TestError!.Value));
            Assert.Equal((current.ClusteringError, current.Error), (written.ClusteringErrorWithoutAverage!.Value, written.TestErrorWithoutAverage!.Value));
            Assert.NotNull(written.UnlabelledTrainClusteringErrorWithoutAverage);
            // Two sets of weights: after 4 rounds at decay 0.5 the average is not D's current weights.
            Assert.Contains(half.Network.parameters().Zip(half.EvaluationNetwork.parameters()), p => p.First.ne(p.Second).any().item<bool>());
        }
    }

    [Fact]
    public void With_batch_norm_the_figures_read_statistics_of_the_training_digits_and_leave_the_trained_ones_as_they_were()
    {
        var spec = Tiny(1, labelsPerClass: 10) with { Catgan = new CatGanSpec { BatchNorm = true } };
        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        using (var trainer = new LocalTrainer(spec, train, CPU))
        {
            trainer.RunRound();
            trainer.RunRound();
            var d = (CatGanDiscriminator)trainer.Discriminator.Network;
            var norms = d.modules().OfType<TorchSharp.Modules.BatchNorm>().ToList();
            Assert.Equal(2, norms.Count);
            var trained = norms.SelectMany(n => new[] { n.running_mean!.clone(), n.running_var!.clone() }).ToList();

            var figure = CatGanEvaluation.Evaluate(spec, d, train, heldOut);

            // The trained statistics are back bit for bit, and D is in the mode it was in.
            Assert.True(d.training);
            Assert.All(norms.SelectMany(n => new[] { n.running_mean!, n.running_var! }).Zip(trained), p => Assert.True(p.First.eq(p.Second).all().item<bool>()));
            // The figure is D's with every BatchNorm's statistics recomputed on the 8,000 training digits, no input noise.
            ClassScore expected, withTrained;
            using (PreciseBatchNorm.Recalibrate(d, train.Samples, x => d.Logits(x.ToSymmetric(), inputNoise: false)))
            {
                Assert.All(norms.Zip(trained.Where((_, i) => i % 2 == 0)), p => Assert.False(p.First.running_mean!.eq(p.Second).all().item<bool>()));
                expected = CatGanEvaluation.Score(d, heldOut);
            }

            withTrained = CatGanEvaluation.Score(d, heldOut);
            Assert.Equal((expected.ClusteringError, expected.Error), (figure.ClusteringError, figure.TestError!.Value));
            Assert.Equal(expected.ClassSizes, figure.ClassSizes);
            Assert.NotEqual(expected.ClassSizes, withTrained.ClassSizes);
        }
    }

    [Fact]
    public void An_unsupervised_figure_has_no_plain_error_and_travels_in_the_evaluation_json()
    {
        var figure = new CatGanResult(0.0427, null, 0.05, null, 0, 2000, [3, 1, 4, 0, 2, 5, 9, 6, 7, 8], [200, 201, 199, 200, 200, 200, 200, 200, 200, 200]);
        var result = new EvaluationResult("parzen", 10, null, null) { CatGan = figure, Round = 8000 };
        var back = EvaluationLog.Deserialize(EvaluationLog.Serialize(result)).CatGan!;
        Assert.Equal((figure.ClusteringError, figure.TestError, figure.UnlabelledTrainClusteringError, figure.Labels), (back.ClusteringError, back.TestError, back.UnlabelledTrainClusteringError, back.Labels));
        Assert.Equal(figure.Assignment, back.Assignment);
        Assert.Equal(figure.ClassSizes, back.ClassSizes);
        Assert.Contains("D's clustering error 4.27% (no labels)", result.Headline, StringComparison.Ordinal);
    }

    private sealed class Observer : ILocalRunObserver
    {
        public List<IReadOnlyDictionary<string, double>> Terms { get; } = [];

        public void Started(ExperimentSpec spec, string device, int startRound, string dataDescription)
        {
        }

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
        }

        public void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds) => Terms.Add(result.Terms);

        public void Checkpointed(int round, string path)
        {
        }

        public void Alarmed(Alarm alarm)
        {
        }

        public void Diverged(RoundResult result)
        {
        }

        public void Evaluated(EvaluationResult result)
        {
        }
    }

    /// <summary>
    /// CatGAN written plainly in one graph per step (the paper's equations 7 to 9: D on the real, labelled and fake
    /// batches, then G), with the halves' streams and the objective's order of draws.
    /// </summary>
    private sealed class Reference : ReferenceTrainer<CatGanGenerator, CatGanDiscriminator>
    {
        private readonly Tensor? _labelled;
        private readonly Tensor? _classes;
        private long _steps;

        public Reference(ExperimentSpec spec, SampleSet data)
            : base(spec, data, () => new CatGanGenerator(spec.LatentSize), () => new CatGanDiscriminator(CatGanFamily.Clusters(spec), CatGanFamily.Network(spec), CatGanFamily.BatchNorm(spec)))
        {
            if (spec.LabelsPerClass > 0)
            {
                var chosen = tensor(LabelledSubset.Select(data, spec.Seed, spec.LabelsPerClass), dtype: int64);
                _labelled = Pixels.ToSymmetric(data.Samples.index_select(0, chosen));
                _classes = data.Labels.index_select(0, chosen);
            }
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
                var order = _classes is null ? null : randperm(_classes.shape[0], dtype: int64).narrow(0, 0, Math.Min(Spec.BatchSize, _classes.shape[0]));
                var realP = F.log_softmax(D.Logits(Seen(Pixels.ToSymmetric(real))), 1);
                var change = Spec.Catgan?.MarginalWeightChange;
                var weight = change is not null && _steps >= (long)change.AfterRound * Spec.K ? change.Weight : Spec.Catgan?.MarginalWeight ?? 1;
                _steps++;
                var realLoss = Entropy(realP) - (Marginal(realP) * weight);
                double supervised = 0, accuracy = 0;
                var total = realLoss;
                if (order is not null)
                {
                    var logits = D.Logits(Seen(_labelled!.index_select(0, order)));
                    var crossEntropy = F.cross_entropy(logits, _classes!.index_select(0, order));
                    total = realLoss + (crossEntropy * 1.0);
                    supervised = crossEntropy.item<float>();
                    accuracy = logits.argmax(1).eq(_classes!.index_select(0, order)).to(float32).mean().item<float>();
                }

                // catgan.vatWeight: VAT on the real batch as D reads it ([-1, 1]: twice the [0, 1] length), unshifted.
                if (Spec.Catgan?.VatWeight is { } vat)
                {
                    total = total + (PlainVat.Term(D, x => D.Logits(x), Pixels.ToSymmetric(real), 2 * Spec.Catgan.VatEpsilon!.Value) * vat);
                }

                total.backward();

                var fakeLoss = -Entropy(F.log_softmax(D.Logits(Seen(fake.detach())), 1));
                fakeLoss.backward();
                DiscriminatorOptimizer.step();
                return ((double)realLoss.item<float>() + fakeLoss.item<float>(), supervised, accuracy);
            });
        }

        public double GeneratorStep()
        {
            var fake = GeneratorRng.Run(() => G.call(randn(Spec.BatchSize, Spec.LatentSize), null));
            return DiscriminatorRng.Run(() =>
            {
                var p = F.log_softmax(D.Logits(Seen(fake)), 1);
                var loss = Entropy(p) - (Marginal(p) * (Spec.Catgan?.GeneratorMarginalWeight ?? 1));
                GeneratorOptimizer.zero_grad();
                loss.backward();
                GeneratorOptimizer.step();
                return (double)loss.item<float>();
            });
        }

        // catgan.translate: each batch shifted over a background of -1 just before D's noise on it, from D's stream.
        private Tensor Seen(Tensor images) => (Spec.Catgan?.Translate ?? 0) == 0 ? images : RandomTranslation.Apply(images, Spec.Catgan!.Translate!.Value, fill: -1);

        /// <summary>Mean entropy of the rows of p, from log p.</summary>
        private static Tensor Entropy(Tensor logP) => -(logP.exp() * logP).sum(1).mean();

        /// <summary>Entropy of the batch's mean distribution, log mean p = logsumexp(log p) - log N.</summary>
        private static Tensor Marginal(Tensor logP)
        {
            var logMean = logP.logsumexp(0) - Math.Log(logP.shape[0]);
            return -(logMean.exp() * logMean).sum();
        }
    }
}
