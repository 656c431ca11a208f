using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// A generator against DCGAN's discriminator on digits in [-1, 1], the spec's score loss written plainly in one graph per
/// step, with the halves' streams and order of draws: the single-process side of the split tests of GRAN and of DCGAN
/// with minibatch standard deviation.
/// </summary>
public sealed class ImageGanReference<TGenerator>(ExperimentSpec spec, SampleSet data, Func<TGenerator> generator, Func<DcganDiscriminator> discriminator)
    : ReferenceTrainer<TGenerator, DcganDiscriminator>(spec, data, generator, discriminator)
    where TGenerator : GeneratorNet
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
            // Each term backpropagated on its own, real first, as D's half does (it prepares the real term ahead): with a
            // spectrally normalised D each forward adds two terms to a kernel's gradient (through W and through sigma),
            // and one backward of the summed loss would add the four in another order.
            DiscriminatorOptimizer.zero_grad();
            var realLoss = Losses.DiscriminatorReal(Spec.Loss, D.call(Pixels.ToSymmetric(real), null));
            realLoss.backward();
            var fakeLoss = Losses.DiscriminatorFake(Spec.Loss, D.call(fake.detach(), null));
            fakeLoss.backward();
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

    /// <summary>k D steps and one G step per round on both sides, losses and weights compared after every round.</summary>
    public void AssertSplitMatches(LocalTrainer split, int rounds)
    {
        SplitAssert.Close(D, split.Discriminator.Network);
        SplitAssert.Close(G, split.Generator.Network);
        for (var round = 0; round < rounds; round++)
        {
            for (var step = 0; step < Spec.K; step++)
            {
                SplitAssert.Near(DiscriminatorStep(), SplitSteps.Discriminator(split).Loss, $"loss/d round {round} step {step}");
            }

            SplitAssert.Near(GeneratorStep(), SplitSteps.Generator(split), $"loss/g round {round}");
            SplitAssert.Close(D, split.Discriminator.Network);
            SplitAssert.Close(G, split.Generator.Network);
        }
    }
}
