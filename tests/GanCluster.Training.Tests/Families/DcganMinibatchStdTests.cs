using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Tests.Core;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// DCGAN with the minibatch standard deviation channel in D: the split D step and G feedback against a one-graph
/// single-process step. The feature couples the samples of a batch, so the G step's gradient of one fake depends on
/// every other fake; the split has to carry that through dLoss/dFake exactly.
/// </summary>
public sealed class DcganMinibatchStdTests
{
    private static ExperimentSpec Tiny(int k, int imageSize) => new()
    {
        Name = "tiny-dcgan-mbstd",
        Model = ModelKind.Dcgan,
        Dataset = DatasetKind.Mnist,
        ImageSize = imageSize,
        Loss = LossKind.NonSaturating,
        MinibatchStd = true,
        K = k,
        BatchSize = 8,
        LatentSize = 16,
        Rounds = 4,
        Seed = 29,
        Device = "cpu",
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Split_steps_match_a_single_process_dcgan_step(int k)
    {
        var spec = Tiny(k, 28);
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new Reference(spec, data))
        {
            SplitAssert.Close(reference.D, split.Discriminator.Network);
            SplitAssert.Close(reference.G, split.Generator.Network);
            for (var round = 0; round < 2; round++)
            {
                for (var step = 0; step < k; step++)
                {
                    SplitAssert.Near(reference.DiscriminatorStep(), SplitSteps.Discriminator(split).Loss, $"loss/d round {round} step {step}");
                }

                SplitAssert.Near(reference.GeneratorStep(), SplitSteps.Generator(split), $"loss/g round {round}");
                SplitAssert.Close(reference.D, split.Discriminator.Network);
                SplitAssert.Close(reference.G, split.Generator.Network);
            }
        }
    }

    [Fact]
    public void Spec_validation_accepts_it_for_dcgan()
    {
        Assert.Empty(SpecValidator.Validate(Tiny(1, 28)));
    }

    /// <summary>The non-saturating objective written plainly in one graph per step, with the halves' streams and order of draws.</summary>
    private sealed class Reference(ExperimentSpec spec, SampleSet data)
        : ReferenceTrainer<DcganGenerator, DcganDiscriminator>(
            spec, data, () => new DcganGenerator(spec.LatentSize, spec.ImageSize), () => new DcganDiscriminator(spec.ImageSize, minibatchStd: true))
    {
        public double DiscriminatorStep()
        {
            var fake = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                return G.call(randn(Spec.BatchSize, Spec.LatentSize), null);
            });
            return DiscriminatorRng.Run(() =>
            {
                var (real, _) = Sampler.Next(Spec.BatchSize);
                var realLoss = Losses.DiscriminatorReal(Spec.Loss, D.call((real * 2) - 1, null));
                var fakeLoss = Losses.DiscriminatorFake(Spec.Loss, D.call(fake.detach(), null));
                DiscriminatorOptimizer.zero_grad();
                (realLoss + fakeLoss).backward();
                DiscriminatorOptimizer.step();
                return (double)realLoss.item<float>() + fakeLoss.item<float>();
            });
        }

        public double GeneratorStep()
        {
            var fake = GeneratorRng.Run(() => G.call(randn(Spec.BatchSize, Spec.LatentSize), null));
            return DiscriminatorRng.Run(() =>
            {
                var loss = Losses.Generator(Spec.Loss, D.call(fake, null));
                GeneratorOptimizer.zero_grad();
                loss.backward();
                GeneratorOptimizer.step();
                return (double)loss.item<float>();
            });
        }
    }
}
