using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary>
/// <c>gancluster compress</c> and <c>decompress</c> end to end on a tiny codec run: the .gcz file's size, a round trip
/// through IDX images, and the one-line refusals of a truncated file, a foreign file and codes of another model.
/// </summary>
public sealed class CodecCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-codec");

    public void Dispose() => _temp.Dispose();

    private async Task<string> Train(string name, int seed)
    {
        var spec = _temp.Combine($"{name}.json");
        File.WriteAllText(spec, $$"""
            { "name": "{{name}}", "model": "codec", "loss": "codec", "codec": { "bits": 16 }, "batchSize": 8, "rounds": 2,
              "checkpointInterval": 2, "seed": {{seed}}, "device": "cpu" }
            """);
        var train = await Gancluster.RunAsync(_temp.Path, "train", spec, "--out", $"runs/{name}", "--eval-samples", "0", "--torch-threads", "1");
        train.AssertExitCode(0);
        return _temp.Combine("runs", name);
    }

    [Fact]
    public async Task Compressed_digits_decompress_with_their_model_and_every_bad_file_is_refused_in_one_line()
    {
        var model = await Train("codec-a", 3);
        var compress = await Gancluster.RunAsync(_temp.Path, "compress", "mnist:8000-8009", "--model", model, "--out", "a.gcz", "--torch-threads", "1");
        compress.AssertExitCode(0);
        var file = File.ReadAllBytes(_temp.Combine("a.gcz"));
        Assert.Equal(50 + (10 * 2), file.Length);

        var idx = await Gancluster.RunAsync(_temp.Path, "decompress", "a.gcz", "--model", model, "--out", "a.idx", "--torch-threads", "1");
        idx.AssertExitCode(0);
        var png = await Gancluster.RunAsync(_temp.Path, "decompress", "a.gcz", "--model", model, "--out", "a.png", "--torch-threads", "1");
        png.AssertExitCode(0);
        Assert.Equal(16 + (10 * 784), new FileInfo(_temp.Combine("a.idx")).Length);
        Assert.True(new FileInfo(_temp.Combine("a.png")).Length > 0);
        var again = await Gancluster.RunAsync(_temp.Path, "compress", "a.idx", "--model", model, "--out", "b.gcz", "--torch-threads", "1");
        again.AssertExitCode(0);
        Assert.Equal(file.Length, new FileInfo(_temp.Combine("b.gcz")).Length);

        File.WriteAllBytes(_temp.Combine("cut.gcz"), file[..60]);
        var cut = await Gancluster.RunAsync(_temp.Path, "decompress", "cut.gcz", "--model", model, "--out", "c.png");
        cut.AssertExitCode(2);
        Assert.Contains("cut.gcz is truncated", cut.FirstLine());
        Assert.Contains("compress the images again with gancluster compress", cut.FirstLine());
        cut.AssertNoStackTrace();

        var foreign = await Gancluster.RunAsync(_temp.Path, "decompress", "a.png", "--model", model, "--out", "c.png");
        foreign.AssertExitCode(2);
        Assert.Contains("a.png is not a .gcz file", foreign.FirstLine());
        foreign.AssertNoStackTrace();

        var other = await Train("codec-b", 4);
        var mismatch = await Gancluster.RunAsync(_temp.Path, "decompress", "a.gcz", "--model", other, "--out", "c.png");
        mismatch.AssertExitCode(2);
        Assert.Contains("a.gcz was compressed by the codec with weights sha256", mismatch.FirstLine());
        Assert.Contains("decompress with the checkpoint it was compressed with", mismatch.FirstLine());
        mismatch.AssertNoStackTrace();
        Assert.False(File.Exists(_temp.Combine("c.png")));
    }
}
