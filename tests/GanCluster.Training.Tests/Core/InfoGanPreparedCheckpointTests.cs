using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// A cluster discriminator scores the next real batch ahead (<see cref="DiscriminatorHalf.PrepareStep"/>); in train mode
/// that forward folds the batch's statistics into BatchNorm's running buffers. A checkpoint taken meanwhile must hold D
/// as a local run checkpoints it, before that batch: the same bytes, so cluster and local checkpoints stay equal.
/// </summary>
public sealed class InfoGanPreparedCheckpointTests
{
    private static readonly ExperimentSpec Spec = new()
    {
        Name = "tiny-infogan-prepared",
        Model = ModelKind.InfoGan,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.InfoGan,
        BatchSize = 8,
        LatentSize = 62,
        Rounds = 4,
        Seed = 11,
        Device = "cpu",
    };

    [Fact]
    public void A_checkpoint_taken_while_the_next_real_batch_is_prepared_holds_the_batch_norm_buffers_from_before_it()
    {
        var (train, heldOut) = DatasetCatalog.Load(Spec);
        using (train)
        using (heldOut)
        using (var g = new GeneratorHalf(Spec, CPU))
        using (var d = new DiscriminatorHalf(Spec, CPU, train))
        {
            using (var fake = g.ProduceForDiscriminator())
            {
                d.Step(fake.Samples, null, false, fake.SideInputs);
            }

            var unprepared = d.SaveState();
            var buffersBefore = d.Network.buffers().Select(b => b.clone()).ToArray();

            d.PrepareStep();

            // The prepared forward did move the live buffers (else this test would show nothing)...
            Assert.Contains(d.Network.buffers().Zip(buffersBefore), pair => !pair.First.eq(pair.Second).all().item<bool>());
            // ...and the checkpoint holds them as they were, while the live ones keep the prepared batch's statistics.
            var buffersPrepared = d.Network.buffers().Select(b => b.clone()).ToArray();
            Assert.Equal(unprepared.Sha256, d.SaveState().Sha256);
            Assert.All(d.Network.buffers().Zip(buffersPrepared), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));

            // A half restored from that checkpoint, stepped on the same fake batch, ends where the prepared one does.
            using var restored = new DiscriminatorHalf(Spec, CPU, train);
            restored.LoadState(d.SaveState());
            using (var fake = g.ProduceForDiscriminator())
            {
                d.Step(fake.Samples, null, false, fake.SideInputs);
                restored.Step(fake.Samples, null, false, fake.SideInputs);
            }

            Assert.Equal(d.SaveState().Sha256, restored.SaveState().Sha256);
        }
    }
}
