using GanCluster.Training.Adversarial;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Data;
using GanCluster.Training.Tests.Families;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Adversarial;

/// <summary>
/// <c>gancluster attack</c> on a checkpoint of a family whose D classifies digits (ssgan, catgan): the target is the
/// network the family's figure reads (D's weight average when discriminatorEma is on), its logits are that network's
/// digit logits, and its clean error under FGSM is the figure's error on the same digits.
/// </summary>
public sealed class DiscriminatorClassifierTests
{
    private static readonly IReadOnlyList<double> NoStep = [0.0];

    [Fact]
    public void A_digits_logit_is_the_largest_of_its_classes_so_the_most_likely_digit_names_the_most_likely_class()
    {
        using var scope = NewDisposeScope();
        // Classes 0 and 1 are named digit 1, class 2 digit 0; digit 2 has no class. In the last row classes 0 and 1
        // together outweigh class 2 (2 e^2 > e^2.5), but class 2 is the most likely one: the prediction is its digit, 0.
        var logits = tensor(new float[,] { { 1, 2, 3 }, { 0, 0, 5 }, { 4, 1, -1 }, { 2, 2, 2.5f } });
        var digits = CatGanEvaluation.DigitLogits(logits, [1, 1, 0], 3);

        Assert.Equal(new long[] { 4, 3 }, digits.shape);
        var expected = new[] { new[] { 3f, 2f }, [5f, 0f], [-1f, 4f], [2.5f, 2f] };
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], digits[i].data<float>().ToArray()[..2]);
            Assert.Equal((float)CatGanEvaluation.UnnamedDigitLogit, digits[i, 2].item<float>());
        }

        Assert.Equal(new long[] { 0, 0, 1, 0 }, digits.argmax(1).data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => CatGanEvaluation.DigitLogits(logits, [0, 1], 3));
    }

    [Fact]
    public void An_ssgan_checkpoint_is_attacked_through_its_weight_average_and_its_clean_error_is_the_figures()
    {
        var spec = SsganFamilyTests.Tiny(1) with { DiscriminatorEma = 0.5 };
        Attack(spec, (trainer, target, heldOut) =>
        {
            Assert.Equal(SampleRange.UnitInterval, target.Input);
            Assert.Contains("semi-supervised GAN discriminator (mlp, 100 labels)", target.Description, StringComparison.Ordinal);
            Assert.Contains("D's weight average", target.Description, StringComparison.Ordinal);
            var average = (SsganClassifier)trainer.Discriminator.EvaluationNetwork;
            var live = (SsganClassifier)trainer.Discriminator.Network;
            var x = heldOut.Samples.narrow(0, 0, 16);
            using (no_grad())
            {
                average.eval();
                live.eval();
                target.Classifier.eval();
                Assert.True(target.Classifier.call(x).eq(average.Classify(x).Logits).all().item<bool>());
                Assert.False(target.Classifier.call(x).eq(live.Classify(x).Logits).all().item<bool>());
            }

            return SsganEvaluation.Error(average, heldOut);
        });
    }

    [Theory]
    [InlineData(10, null)]
    [InlineData(0, null)]
    [InlineData(0, 20)]
    [InlineData(10, null, true)]
    [InlineData(0, 20, true)]
    public void A_catgan_checkpoint_is_attacked_as_a_digit_classifier_and_its_clean_error_is_the_figures(int labelsPerClass, int? clusters, bool batchNorm = false)
    {
        var spec = CatGanFamilyTests.Tiny(1, labelsPerClass) with
        {
            Catgan = clusters is null && !batchNorm ? null : new CatGanSpec { Clusters = clusters, BatchNorm = batchNorm ? true : null },
        };
        Attack(spec, (trainer, target, heldOut) =>
        {
            // With BatchNorm both read the statistics of the training digits (the figure's and the attack's).
            var (train, unused) = DatasetCatalog.Load(spec);
            using var digits = train;
            using var alsoLoaded = unused;
            using var statistics = CatGanEvaluation.RealStatistics((CatGanDiscriminator)trainer.Discriminator.EvaluationNetwork, train);
            Assert.Equal(SampleRange.Symmetric, target.Input);
            Assert.Contains(labelsPerClass > 0 ? "100 labels" : $"unsupervised, its {clusters ?? 10} classes named", target.Description, StringComparison.Ordinal);
            var d = (CatGanDiscriminator)trainer.Discriminator.EvaluationNetwork;
            var score = CatGanEvaluation.Score(d, heldOut);
            var x = heldOut.Samples.narrow(0, 0, 16).mul(KeptScalars.Two).sub(KeptScalars.One);
            using (no_grad())
            {
                d.eval();
                target.Classifier.eval();
                var expected = labelsPerClass > 0 ? d.Logits(x) : CatGanEvaluation.DigitLogits(d.Logits(x), score.Assignment, 10);
                Assert.True(target.Classifier.call(x).eq(expected).all().item<bool>());
            }

            return labelsPerClass > 0 ? score.Error : score.ClusteringError;
        });
    }

    /// <summary>
    /// Trains <paramref name="spec"/> for two rounds, saves the checkpoint, loads it as an attack target and checks it with
    /// <paramref name="check"/>, which returns the family's own error on the held-out digits: FGSM at epsilon 0 must give it.
    /// </summary>
    private static void Attack(ExperimentSpec spec, Func<LocalTrainer, AttackTarget, SampleSet, double> check)
    {
        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        using (var trainer = new LocalTrainer(spec, train, CPU))
        using (var folder = new TempFolder())
        {
            trainer.RunRound();
            trainer.RunRound();
            var path = Path.Combine(folder.Path, "d.ckpt");
            trainer.Capture().Save(path);

            using var target = AttackTargets.Load(path);
            Assert.Contains(path, target.Description, StringComparison.Ordinal);
            Assert.Contains("(round 2", target.Description, StringComparison.Ordinal);
            Assert.Equal(Hashing.Sha256Hex(File.ReadAllBytes(path)), target.Sha256);
            var expected = check(trainer, target, heldOut);
            var attacked = Fgsm.Evaluate(target.Classifier, heldOut, NoStep, target.Input);
            Assert.Equal(heldOut.Count, attacked.Examples);
            Assert.Equal(expected, attacked.CleanError);
            Assert.Equal(expected, attacked.Epsilons[0].Error);
        }
    }
}
