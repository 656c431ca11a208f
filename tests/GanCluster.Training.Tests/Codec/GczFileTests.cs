using GanCluster.Training.Codec;
using GanCluster.Training.Families;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Codec;

/// <summary>
/// The .gcz byte format: a round trip of header and codes, a codec model's compress/decompress through it, and the
/// refusals of a truncated file, a foreign file, a damaged file and codes of another model, each naming the problem and
/// the fix.
/// </summary>
public sealed class GczFileTests
{
    private static readonly byte[] HashA = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static GczHeader Header(int count = 3) => new(HashA, count, 28, 28, 8, 4);

    private static byte[] Codes(int count = 3) => Enumerable.Range(0, count * 4).Select(i => (byte)(i * 37)).ToArray();

    [Fact]
    public void A_file_round_trips_its_header_and_codes()
    {
        var file = GczFile.Write(Header(), Codes());
        Assert.Equal(GczFile.HeaderSize + 12, file.Length);
        Assert.Equal("GCZ"u8.ToArray(), file[..3]);
        var read = GczFile.Read(file, "a.gcz");
        Assert.Equal(HashA, read.Header.ModelHash);
        Assert.Equal((3, 28, 28, 8, 4, 1), (read.Header.Count, read.Header.Height, read.Header.Width, read.Header.CodeRows, read.Header.CodeColumns, read.Header.BitsPerValue));
        Assert.Equal(Codes(), read.Codes.ToArray());
        Assert.Empty(GczFile.Read(GczFile.Write(Header(0), []), "empty.gcz").Codes.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(GczFile.HeaderSize - 1)]
    [InlineData(GczFile.HeaderSize)]
    [InlineData(GczFile.HeaderSize + 11)]
    public void A_truncated_file_is_refused_naming_the_problem_and_the_fix(int length)
    {
        var file = GczFile.Write(Header(), Codes())[..length];
        var error = Assert.Throws<GczFormatException>(() => GczFile.Read(file, "cut.gcz"));
        Assert.StartsWith("cut.gcz ", error.Message, StringComparison.Ordinal);
        Assert.Contains(length < 4 ? "is not a .gcz file" : "is truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("gancluster compress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreign_file_is_refused_naming_the_problem_and_the_fix()
    {
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };
        var error = Assert.Throws<GczFormatException>(() => GczFile.Read(png, "digits.png"));
        Assert.Equal("digits.png is not a .gcz file (it starts with 0x89504E47, a .gcz file with 0x475A431A \"GCZ\"): give a file written by gancluster compress", error.Message);

        var newer = GczFile.Write(Header(), Codes());
        newer[4] = 2;
        Assert.Contains("is .gcz version 2; this gancluster reads version 1", Assert.Throws<GczFormatException>(() => GczFile.Read(newer, "new.gcz")).Message, StringComparison.Ordinal);

        var joined = GczFile.Write(Header(), Codes()).Concat(new byte[] { 1, 2 }).ToArray();
        Assert.Contains("has 2 bytes after the 12 bytes of codes", Assert.Throws<GczFormatException>(() => GczFile.Read(joined, "joined.gcz")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_codec_model_compresses_and_decompresses_through_the_format_as_its_networks_compute()
    {
        using var encoder = new CodecEncoder(32);
        using var decoder = new CodecDecoder(32);
        using var scope = NewDisposeScope();
        var model = new CodecModel(encoder, decoder);
        var images = rand(5, 1, 28, 28);
        var codes = model.Encode(images);
        Assert.Equal(5 * 4, codes.Length);
        var file = GczFile.Write(model.Header(5), codes);
        var read = GczFile.Read(file, "x.gcz");
        GczFile.RequireModel(read.Header, model, "x.gcz", "a.ckpt");
        var decoded = model.Decode(read.Codes.Span, read.Header.Count);

        using (no_grad())
        {
            encoder.eval();
            decoder.eval();
            var expectedCodes = encoder.Encode(images.ToSymmetric());
            var expected = decoder.Decode(expectedCodes).add(KeptScalars.OfInteger(1)).div(KeptScalars.OfInteger(2)).clamp(KeptScalars.OfInteger(0), KeptScalars.OfInteger(1));
            // Not bit for bit: the same float math in another allocation may round differently in the BLAS kernels.
            Assert.True(decoded.allclose(expected, rtol: 0, atol: 1e-6), "decompress gives the decoder's images of the encoder's codes");
            var bits = expectedCodes.reshape(5, 32).gt(KeptScalars.OfInteger(0)).data<bool>().ToArray();
            for (var i = 0; i < bits.Length; i++)
            {
                Assert.Equal(bits[i], (codes[i / 8] & (0x80 >> (i % 8))) != 0);
            }
        }
    }

    [Fact]
    public void Codes_of_another_model_are_refused_naming_both_and_the_fix()
    {
        using var encoder = new CodecEncoder(32);
        using var decoder = new CodecDecoder(32);
        using var otherEncoder = new CodecEncoder(32);
        using var wider = new CodecEncoder(64);
        using var widerDecoder = new CodecDecoder(64);
        var model = new CodecModel(encoder, decoder);
        var other = new CodecModel(otherEncoder, decoder);
        Assert.NotEqual(model.Hash, other.Hash);
        Assert.Equal(model.Hash, new CodecModel(encoder, decoder).Hash);

        var header = GczFile.Read(GczFile.Write(model.Header(2), new byte[8]), "x.gcz").Header;
        var error = Assert.Throws<GczFormatException>(() => GczFile.RequireModel(header, other, "x.gcz", "other.ckpt"));
        Assert.Contains($"x.gcz was compressed by the codec with weights sha256 {Convert.ToHexStringLower(model.Hash)[..16]}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("decompress with the checkpoint it was compressed with", error.Message, StringComparison.Ordinal);
        Assert.Throws<GczFormatException>(() => GczFile.RequireModel(header with { ModelHash = new CodecModel(wider, widerDecoder).Hash }, new CodecModel(wider, widerDecoder), "x.gcz", "wide.ckpt"));
    }
}
