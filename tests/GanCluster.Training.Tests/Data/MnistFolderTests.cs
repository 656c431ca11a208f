using GanCluster.Training.Data;

namespace GanCluster.Training.Tests.Data;

public sealed class MnistFolderTests
{
    [Fact]
    public void Loads_train_and_t10k_files_with_or_without_gz_as_unit_range_images()
    {
        using var folder = new TempFolder();
        var (trainPixels, trainLabels) = folder.WriteMnistPair("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 5, gzip: true);
        folder.WriteMnistPair("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 3, gzip: false);

        var (train, test) = MnistFolder.Load(folder.Path);
        using (train)
        using (test)
        {
            Assert.Equal([5L, 1, 28, 28], train.Samples.shape);
            Assert.Equal([3L, 1, 28, 28], test.Samples.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Float32, train.Samples.dtype);
            Assert.Equal(TorchSharp.torch.ScalarType.Int64, train.Labels.dtype);
            Assert.Equal(10, train.Classes);
            Assert.Equal(trainLabels.Select(l => (long)l).ToArray(), train.Labels.data<long>().ToArray());
            var values = train.Samples.data<float>().ToArray();
            Assert.Equal(trainPixels.Select(p => p / 255f).ToArray(), values);
            Assert.Equal(0f, values.Min());
            Assert.Equal(1f, values.Max());
        }
    }

    [Fact]
    public void Lists_exactly_the_missing_files()
    {
        using var folder = new TempFolder();
        folder.WriteMnistPair("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 2, gzip: false);

        var e = Assert.Throws<DataFormatException>(() => MnistFolder.Load(folder.Path));

        Assert.Contains($"{folder.Path} lacks t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("dataPath", e.Message);
    }

    [Fact]
    public void A_missing_folder_names_the_folder()
    {
        var e = Assert.Throws<DataFormatException>(() => MnistFolder.Load("/nonexistent/mnist", "mnist"));
        Assert.Contains("/nonexistent/mnist does not exist", e.Message);
    }

    [Fact]
    public void Images_that_are_not_28x28_are_rejected()
    {
        using var folder = new TempFolder();
        folder.WriteMnistPair("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 2, gzip: false);
        IdxWriter.WriteImages(folder.File("t10k-images-idx3-ubyte"), new byte[2 * 32 * 32], 2, 32, 32);
        IdxWriter.WriteLabels(folder.File("t10k-labels-idx1-ubyte"), [0, 1]);

        var e = Assert.Throws<DataFormatException>(() => MnistFolder.Load(folder.Path));

        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("32 x 32", e.Message);
        Assert.Contains("expected 28 x 28", e.Message);
    }

    [Fact]
    public void Labels_outside_0_to_9_are_rejected()
    {
        using var folder = new TempFolder();
        folder.WriteMnistPair("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 2, gzip: false);
        IdxWriter.WriteImages(folder.File("train-images-idx3-ubyte"), new byte[2 * 784], 2, 28, 28);
        IdxWriter.WriteLabels(folder.File("train-labels-idx1-ubyte"), [3, 42]);

        var e = Assert.Throws<DataFormatException>(() => MnistFolder.Load(folder.Path));

        Assert.Contains("label 42 at item 1", e.Message);
    }
}
