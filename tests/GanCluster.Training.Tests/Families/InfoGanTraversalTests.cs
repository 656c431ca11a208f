using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// InfoGAN's traversal grid, its sample grid: rows are the categorical values, columns the first continuous code from -2
/// to 2, each row one noise vector of the fixed batch. Only which codes each cell gets and the grid's size; no quality.
/// </summary>
public sealed class InfoGanTraversalTests
{
    private static readonly ExperimentSpec Spec = new()
    {
        Name = "tiny-infogan-grid",
        Model = ModelKind.InfoGan,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.InfoGan,
        BatchSize = 8,
        LatentSize = 62,
        Rounds = 2,
        Seed = 21,
        Device = "cpu",
    };

    [Fact]
    public void Each_cell_gets_its_row_as_category_and_noise_and_its_column_as_the_first_continuous_code()
    {
        Assert.Equal((10, 10, 100), (InfoGanTraversal.Rows, InfoGanTraversal.Columns, InfoGanTraversal.Cells));
        Assert.Equal(-2.0, InfoGanTraversal.Value(0), 12);
        Assert.Equal(2.0, InfoGanTraversal.Value(9), 12);
        for (var cell = 0; cell < InfoGanTraversal.Cells; cell++)
        {
            var (category, continuous, noiseRow) = InfoGanTraversal.CellCodes(cell);
            Assert.Equal(cell / 10, category);
            Assert.Equal(cell / 10, noiseRow);
            Assert.Equal(2, continuous.Length);
            Assert.Equal(-2 + (4.0 * (cell % 10) / 9), continuous[0], 12);
            Assert.Equal(0.0, continuous[1]);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => InfoGanTraversal.CellCodes(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => InfoGanTraversal.Value(10));
    }

    [Fact]
    public void The_input_folds_noise_row_r_one_hot_r_and_the_column_value_into_each_cell()
    {
        var noise = randn(12, 62);
        var input = InfoGanTraversal.Input(noise);

        Assert.Equal(new long[] { 100, 62 + 12 }, input.shape);
        for (var cell = 0; cell < 100; cell++)
        {
            var (row, column) = (cell / 10, cell % 10);
            var expected = cat(new[] { noise[row], F.one_hot(tensor((long)row), 10).to(float32), tensor(new[] { (float)InfoGanTraversal.Value(column), 0f }) }, 0);
            Assert.True(input[cell].eq(expected).all().item<bool>(), $"cell {cell}");
        }

        var error = Assert.Throws<ArgumentException>(() => InfoGanTraversal.Input(randn(9, 62)));
        Assert.StartsWith("noise", error.Message);
    }

    [Fact]
    public void The_sample_grid_of_infogan_is_the_traversal_of_the_fixed_noise_ten_by_ten()
    {
        using var half = new GeneratorHalf(Spec, CPU);
        using var fixedRng = new RngStream(RngStream.Derive(Spec.Seed, 3));
        var fixedNoise = fixedRng.Run(() => randn(GeneratorHalf.FixedNoiseCount, Spec.LatentSize));

        var (images, columns) = half.SampleFixed();

        // The cells built here one by one, independently of InfoGanTraversal.Input, through the same network in eval mode.
        var cells = Enumerable.Range(0, 100).Select(cell => cat(new[]
        {
            fixedNoise[cell / 10],
            F.one_hot(tensor((long)(cell / 10)), 10).to(float32),
            tensor(new[] { (float)(-2 + (4.0 * (cell % 10) / 9)), 0f }),
        }, 0)).ToArray();
        var network = half.SamplingNetwork;
        network.eval();
        Tensor expected;
        using (no_grad())
        {
            expected = network.call(stack(cells), null);
        }

        network.train();
        Assert.Equal(10, columns);
        Assert.Equal(new long[] { 100, 1, 28, 28 }, images.shape);
        Assert.True(images.eq(expected).all().item<bool>());
    }

    [Fact]
    public void The_run_folder_grid_is_a_ten_by_ten_png_and_other_families_keep_eight_columns_of_64()
    {
        using var folder = new TempFolder();
        using (var half = new GeneratorHalf(Spec, CPU))
        {
            SampleRenderer.WriteSamples(half, Spec, Path.Combine(folder.Path, "infogan.png"));
        }

        var dcgan = Spec with { Model = ModelKind.Dcgan, Loss = LossKind.NonSaturating, LatentSize = 16 };
        using (var half = new GeneratorHalf(dcgan, CPU))
        {
            Assert.Equal(8, half.SampleFixed().Columns);
            SampleRenderer.WriteSamples(half, dcgan, Path.Combine(folder.Path, "dcgan.png"));
        }

        // 28-pixel cells with 2 pixels of padding around and between them.
        Assert.Equal((302, 302), PngSize(Path.Combine(folder.Path, "infogan.png")));
        Assert.Equal((242, 242), PngSize(Path.Combine(folder.Path, "dcgan.png")));
    }

    /// <summary>Width and height from the PNG's IHDR chunk (bytes 16-23, big-endian).</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes.Take(4));
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
