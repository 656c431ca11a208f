using System.IO.Compression;
using GanCluster.Training.Data;

namespace GanCluster.Training.Tests.Data;

public sealed class IdxReaderTests
{
    [Theory]
    [InlineData(false, "images-idx3-ubyte")]
    [InlineData(true, "images-idx3-ubyte")]
    [InlineData(true, "misnamed-idx3-ubyte")] // gzip content without .gz: detected from the magic bytes
    [InlineData(false, "misnamed-idx3-ubyte.gz")] // plain content with .gz: read as plain
    public void Images_and_labels_round_trip_through_the_writer(bool gzip, string name)
    {
        using var folder = new TempFolder();
        var pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 11)).ToArray();
        IdxWriter.WriteImages(folder.File(name), pixels, 2, 3, 4, gzip);
        IdxWriter.WriteLabels(folder.File("labels"), [7, 3], gzip);

        var (images, labels) = IdxReader.ReadPair(folder.File(name), folder.File("labels"));

        Assert.Equal(gzip, IdxReader.IsGzip(File.ReadAllBytes(folder.File(name))));
        Assert.Equal(IdxReader.ImagesMagic, images.Magic);
        Assert.Equal([2, 3, 4], images.Dimensions);
        Assert.Equal(pixels, images.Data);
        Assert.Equal([2], labels.Dimensions);
        Assert.Equal([7, 3], labels.Data);
    }

    [Fact]
    public void Header_is_big_endian_as_in_the_original_MNIST_files()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteImages(folder.File("x"), new byte[60_000 * 4], 60_000, 2, 2);
        var bytes = File.ReadAllBytes(folder.File("x"));
        Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 2, 0, 0, 0, 2 }, bytes[..16]);
    }

    [Fact]
    public void A_label_file_given_as_images_is_rejected_with_both_magic_numbers_and_a_hint()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteLabels(folder.File("train-labels-idx1-ubyte"), [1, 2, 3]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(folder.File("train-labels-idx1-ubyte")));

        Assert.Contains(folder.File("train-labels-idx1-ubyte"), e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("expected 0x00000803", e.Message);
        Assert.Contains("swapped", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_IDX_is_rejected()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("page.gz"), "<html>Not Found</html>");

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(folder.File("page.gz")));

        Assert.Contains("page.gz", e.Message);
        Assert.Contains("not an IDX file", e.Message);
        Assert.Contains("download", e.Message);
    }

    [Fact]
    public void A_file_shorter_than_its_header_promises_is_reported_as_truncated()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteImages(folder.File("images"), new byte[5 * 28 * 28], 5, 28, 28);
        var bytes = File.ReadAllBytes(folder.File("images"));
        File.WriteAllBytes(folder.File("images"), bytes[..^100]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(folder.File("images")));

        Assert.Contains(folder.File("images"), e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("5 x 28 x 28 = 3920", e.Message);
        Assert.Contains("3820", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_is_reported_and_not_read_as_partial_data()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteImages(folder.File("images"), Enumerable.Range(0, 5 * 784).Select(i => (byte)(i * 31)).ToArray(), 5, 28, 28, gzip: true);
        var bytes = File.ReadAllBytes(folder.File("images"));
        File.WriteAllBytes(folder.File("images"), bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(folder.File("images")));

        Assert.Contains(folder.File("images"), e.Message);
    }

    [Fact]
    public void A_header_cut_short_is_reported()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Parse([0, 0, 8, 3, 0, 0, 0, 1, 0, 0], IdxReader.ImagesMagic, "cut"));
        Assert.Contains("cut: truncated header", e.Message);
        Assert.Contains("needs 16", e.Message);
    }

    [Fact]
    public void Trailing_bytes_after_the_announced_data_are_rejected()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Parse([0, 0, 8, 1, 0, 0, 0, 2, 4, 5, 6], IdxReader.LabelsMagic, "long"));
        Assert.Contains("1 bytes follow", e.Message);
    }

    [Fact]
    public void A_wrong_number_of_dimensions_is_a_wrong_magic_number()
    {
        // 0x00000802: unsigned bytes in 2 dimensions, e.g. images stored without their count.
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Parse([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 9], IdxReader.ImagesMagic, "flat"));
        Assert.Contains("0x00000802", e.Message);
        Assert.Contains("2 dimensions", e.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_rejected_naming_both_files()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteImages(folder.File("images"), new byte[3 * 4], 3, 2, 2);
        IdxWriter.WriteLabels(folder.File("labels"), [1, 2]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadPair(folder.File("images"), folder.File("labels")));

        Assert.Contains(folder.File("images"), e.Message);
        Assert.Contains(folder.File("labels"), e.Message);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void A_damaged_gzip_stream_is_a_data_format_error()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("bad"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(folder.File("bad")));

        Assert.Contains(folder.File("bad"), e.Message);
    }

    [Fact]
    public void A_missing_file_is_a_data_format_error_naming_it()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels("/nonexistent/labels-idx1-ubyte"));
        Assert.Contains("/nonexistent/labels-idx1-ubyte: file not found", e.Message);
    }

    [Fact]
    public void Writer_rejects_data_that_does_not_match_the_dimensions()
    {
        using var folder = new TempFolder();
        Assert.Throws<ArgumentException>(() => IdxWriter.WriteImages(folder.File("x"), new byte[10], 1, 3, 3));
    }

    [Fact]
    public void Gzip_output_is_a_standard_gzip_stream()
    {
        using var folder = new TempFolder();
        IdxWriter.WriteLabels(folder.File("labels.gz"), [4, 2], gzip: true);
        using var gzip = new GZipStream(File.OpenRead(folder.File("labels.gz")), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 4, 2 }, plain.ToArray());
    }
}
