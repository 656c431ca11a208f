using GanCluster.Training.Metrics;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Tests.Metrics;

public sealed class PreciseBatchNormTests
{
    [Fact]
    public void Inside_the_scope_the_statistics_are_the_averages_of_the_batches_statistics()
    {
        // Two batches of 3 rows in one channel: means 2 and 10, unbiased variances 1 and 4 (rows 1, 2, 3 and 8, 10, 12).
        using var norm = BatchNorm1d(1);
        using var data = tensor(new float[] { 1, 2, 3, 8, 10, 12 }).view(6, 1);
        using (PreciseBatchNorm.Recalibrate(norm, data, x => norm.call(x).Dispose(), batchSize: 3))
        {
            Assert.Equal(6.0, norm.running_mean!.item<float>(), 5);
            Assert.Equal(2.5, norm.running_var!.item<float>(), 5);
            Assert.False(norm.training);
        }
    }

    [Fact]
    public void The_trained_statistics_and_mode_come_back_bit_for_bit()
    {
        using var net = Sequential(Linear(4, 5), BatchNorm1d(5), ReLU(), Linear(5, 3), BatchNorm1d(3, momentum: 0.3));
        using var generator = new Generator(7);
        using (no_grad())
        {
            for (var i = 0; i < 3; i++)
            {
                net.call(randn(8, 4, generator: generator)).Dispose(); // running statistics away from their reset values
            }
        }

        var before = net.buffers().Select(b => b.clone()).ToList();
        using var data = randn(20, 4, generator: generator).mul(KeptScalars.OfInteger(3)).add(KeptScalars.OfInteger(5));
        using (PreciseBatchNorm.Recalibrate(net, data, x => net.call(x).Dispose(), batchSize: 8))
        {
            Assert.False(net.buffers().Zip(before).All(pair => pair.First.eq(pair.Second).all().item<bool>()));
        }

        Assert.True(net.buffers().Zip(before).All(pair => pair.First.eq(pair.Second).all().item<bool>()));
        Assert.True(net.training);
    }

    [Fact]
    public void A_batchnorm_the_forward_never_reaches_keeps_its_statistics()
    {
        // Two branches; the batches pass through the first only (as a VAE-GAN generator samples without its encoder).
        using var reached = BatchNorm1d(1);
        using var unreached = BatchNorm1d(1);
        using var net = Sequential(("reached", reached), ("unreached", unreached));
        using (no_grad())
        using (var four = 4.0.ToScalar())
        using (var nine = 9.0.ToScalar())
        {
            unreached.running_mean!.fill_(four);
            unreached.running_var!.fill_(nine);
        }

        using (PreciseBatchNorm.Recalibrate(net, batches: 2, b =>
               {
                   using var x = tensor(b == 0 ? new float[] { 1, 2, 3 } : new float[] { 8, 10, 12 }).view(3, 1);
                   reached.call(x).Dispose();
               }))
        {
            Assert.Equal(6.0, reached.running_mean!.item<float>(), 5);
            Assert.Equal(2.5, reached.running_var!.item<float>(), 5);
            Assert.Equal(4.0, unreached.running_mean!.item<float>(), 5);
            Assert.Equal(9.0, unreached.running_var!.item<float>(), 5);
        }
    }
}
