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
        using (var reference = new ImageGanReference<DcganGenerator>(spec, data, () => new DcganGenerator(spec.LatentSize, spec.ImageSize), () => new DcganDiscriminator(spec.ImageSize, minibatchStd: true)))
        {
            reference.AssertSplitMatches(split, rounds: 2);
        }
    }

    [Fact]
    public void Spec_validation_accepts_it_for_dcgan()
    {
        Assert.Empty(SpecValidator.Validate(Tiny(1, 28)));
    }
}
