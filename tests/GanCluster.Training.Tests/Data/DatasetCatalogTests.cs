using GanCluster.Training.Data;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

public sealed class DatasetCatalogTests
{
    [Theory]
    [InlineData(0.2, 8_000)]
    [InlineData(0.25, 7_500)]
    [InlineData(0.0, 10_000)]
    public void Mnist_without_data_path_splits_the_bundled_digits(double heldOutFraction, int trainCount)
    {
        var (train, heldOut) = DatasetCatalog.Load(new ExperimentSpec { Dataset = DatasetKind.Mnist, HeldOutFraction = heldOutFraction });
        using (train)
        using (heldOut)
        {
            Assert.Equal(trainCount, train.Count);
            Assert.Equal(10_000 - trainCount, heldOut.Count);
            Assert.Equal([1L, 28, 28], train.SampleShape);
        }
    }

    [Fact]
    public void Mnist_with_data_path_reads_train_and_t10k_files()
    {
        using var folder = new TempFolder();
        folder.WriteMnistPair("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 6, gzip: true);
        folder.WriteMnistPair("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 4, gzip: true);

        var (train, heldOut) = DatasetCatalog.Load(new ExperimentSpec { Dataset = DatasetKind.Mnist, DataPath = folder.Path });
        using (train)
        using (heldOut)
        {
            Assert.Equal(6, train.Count);
            Assert.Equal(4, heldOut.Count);
        }
    }

    [Fact]
    public void Fashion_mnist_reads_its_data_path()
    {
        using var folder = new TempFolder();
        folder.WriteMnistPair("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 3, gzip: false);
        folder.WriteMnistPair("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 2, gzip: false);

        var (train, heldOut) = DatasetCatalog.Load(new ExperimentSpec { Dataset = DatasetKind.FashionMnist, DataPath = folder.Path });
        using (train)
        using (heldOut)
        {
            Assert.Equal(3, train.Count);
            Assert.Equal(2, heldOut.Count);
            Assert.Contains("fashion-mnist", train.Description);
        }
    }

    [Fact]
    public void Fashion_mnist_missing_names_the_folder_and_both_fixes()
    {
        var e = Assert.Throws<DataFormatException>(() =>
            DatasetCatalog.Load(new ExperimentSpec { Dataset = DatasetKind.FashionMnist, DataPath = "/nonexistent/fashion" }));

        Assert.Contains("/nonexistent/fashion", e.Message);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
        Assert.Contains("dataPath", e.Message);
    }

    [Theory]
    [InlineData(DatasetKind.Ring8, 8)]
    [InlineData(DatasetKind.Grid25, 25)]
    public void Mixtures_draw_the_configured_counts_with_component_labels(DatasetKind kind, int modes)
    {
        var spec = new ExperimentSpec { Dataset = kind, Seed = 3, HeldOutFraction = 0.25, Mixture = new MixtureSpec { Samples = 1_002 } };

        var (train, heldOut) = DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        {
            Assert.Equal([1_002L, 2], train.Samples.shape);
            Assert.Equal(251, heldOut.Count); // round(1002 * 0.25) = round(250.5), half away from zero
            Assert.Equal(modes, train.Classes);
            Assert.Equal(modes - 1, train.Labels.max().item<long>());
            Assert.Equal(0, train.Labels.min().item<long>());
            Assert.False(Tensors.Same(heldOut.Samples, train.Samples[..251]), "held-out points must come from another seed");
        }
    }

    [Fact]
    public void A_zero_held_out_fraction_gives_an_empty_held_out_mixture_set()
    {
        var (train, heldOut) = DatasetCatalog.Load(new ExperimentSpec { Dataset = DatasetKind.Ring8, HeldOutFraction = 0, Mixture = new MixtureSpec { Samples = 10 } });
        using (train)
        using (heldOut)
        {
            Assert.Equal(10, train.Count);
            Assert.Equal(0, heldOut.Count);
            Assert.Equal([0L, 2], heldOut.Samples.shape);
        }
    }

    [Fact]
    public void Mixture_data_is_a_function_of_the_seed()
    {
        var spec = new ExperimentSpec { Dataset = DatasetKind.Ring8, Seed = 5, Mixture = new MixtureSpec { Samples = 100 } };
        var (a, aHeld) = DatasetCatalog.Load(spec);
        var (b, bHeld) = DatasetCatalog.Load(spec);
        var (c, cHeld) = DatasetCatalog.Load(spec with { Seed = 6 });
        using (a)
        using (aHeld)
        using (b)
        using (bHeld)
        using (c)
        using (cHeld)
        {
            Assert.True(Tensors.Same(a.Samples, b.Samples));
            Assert.True(Tensors.Same(aHeld.Samples, bHeld.Samples));
            Assert.False(Tensors.Same(a.Samples, c.Samples));
        }
    }
}
