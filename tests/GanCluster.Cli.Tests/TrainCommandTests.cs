using System.Globalization;
using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary><c>gancluster train</c> with bad input: exit code 2, the field and the fix on the first line, nothing written.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-train");

    public TrainCommandTests()
    {
        Directory.CreateDirectory(Work);
    }

    /// <summary>The working directory of the command; runs/ is created under it.</summary>
    private string Work => _temp.Combine("work");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Missing_data_path_is_a_clear_error_and_creates_no_run_folder()
    {
        var spec = _temp.Combine("missing-data.json");
        File.WriteAllText(spec, $$"""{ "name": "nodata", "dataset": "mnist", "dataPath": "{{_temp.Combine("no-such-folder")}}", "rounds": 1 }""");

        var result = await Gancluster.RunAsync(Work, "train", "--local", spec, "--eval-samples", "0");

        result.AssertExitCode(2);
        Assert.Contains("dataPath", result.FirstLine());
        Assert.Contains("does not exist", result.FirstLine());
        result.AssertNoStackTrace();
        Assert.False(Directory.Exists(Path.Combine(Work, "runs")), "a run folder was created for a run that never started");
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public async Task A_cuda_device_on_the_cpu_build_says_how_to_rebuild_and_creates_no_run_folder(string device)
    {
        var result = await Gancluster.RunAsync(Work, "train", "--local", "ring8", "--rounds", "2", "--device", device, "--eval-samples", "0");

        result.AssertExitCode(2);
        Assert.Contains($"device: '{device}'", result.FirstLine());
        Assert.Contains("-p:TorchBackend=cuda", result.FirstLine());
        result.AssertNoStackTrace();
        Assert.False(Directory.Exists(Path.Combine(Work, "runs")), "a run folder was created for a run that never started");
    }

    [Theory]
    [InlineData("../escaped")]
    [InlineData("sub/dir")]
    [InlineData("ABSOLUTE")]
    public async Task Name_that_would_leave_the_runs_folder_is_rejected_naming_the_allowed_characters(string name)
    {
        if (name == "ABSOLUTE")
        {
            name = _temp.Combine("absolute");
        }

        var spec = _temp.Combine("escape.json");
        File.WriteAllText(spec, Gancluster.TinyExperiment(name.Replace("\\", "\\\\", StringComparison.Ordinal)));

        var result = await Gancluster.RunAsync(Work, "train", "--local", spec, "--eval-samples", "0");

        result.AssertExitCode(2);
        Assert.Contains("name", result.FirstLine());
        Assert.Contains("letters, digits", result.FirstLine());
        result.AssertNoStackTrace();
        Assert.Equal([Work], Directory.GetDirectories(_temp.Path));
        Assert.False(Directory.Exists(Path.Combine(Work, "runs")));
    }

    [Fact]
    public async Task Duplicate_key_is_rejected_naming_the_key()
    {
        var spec = _temp.Combine("duplicate.json");
        File.WriteAllText(spec, """{ "name": "dup", "model": "toy", "dataset": "ring8", "k": 1, "k": 5 }""");

        var result = await Gancluster.RunAsync(Work, "train", "--local", spec, "--eval-samples", "0");

        result.AssertExitCode(2);
        Assert.Contains("k: duplicate", result.FirstLine());
        Assert.False(Directory.Exists(Path.Combine(Work, "runs")));
    }

    [Fact]
    public async Task Train_without_local_trains_in_this_process_as_its_help_says()
    {
        var spec = _temp.Combine("tiny.json");
        File.WriteAllText(spec, Gancluster.TinyExperiment("tiny"));

        var result = await Gancluster.RunAsync(Work, "train", spec, "--out", "runs/t", "--eval-samples", "0");

        result.AssertExitCode(0);
        Assert.True(File.Exists(Path.Combine(Work, "runs", "t", "options.json")), result.AllOutput);
    }

    [Fact]
    public async Task A_run_that_diverges_exits_with_1_and_says_how_to_go_on()
    {
        var result = await TrainDiverging("""{ "name": "blowup", "dataset": "ring8", "model": "toy", "rounds": 50""", "runs/b", evalSamples: 0);

        Assert.Contains("--resume", result.AllOutput);
    }

    [Fact]
    public async Task A_pyramid_whose_levels_diverge_trains_every_level_and_does_not_score_the_chain()
    {
        var result = await TrainDiverging(
            """{ "name": "pyramid-blowup", "model": "lapgan", "loss": "lapgan", "lapgan": { "level": null }, "batchSize": 8, "latentSize": 16, "rounds": 20""",
            "runs/p", evalSamples: 20);

        Assert.Contains("chain was not evaluated", result.AllOutput);
        var run = Path.Combine(Work, "runs", "p");
        foreach (var level in new[] { 0, 1, 2 })
        {
            Assert.True(File.Exists(Path.Combine(run, $"level-{level}", "metrics.jsonl")), $"level {level} was not trained");
        }

        Assert.False(File.Exists(Path.Combine(run, "evaluation.json")), "the chain of a diverged pyramid was scored");
    }

    /// <summary>
    /// Trains <paramref name="specStart"/> (a JSON object's first fields) with SGD at 1e30 on both halves, which sends the
    /// losses to NaN within a few rounds (real training, a real divergence), and asserts the run failed as a divergence.
    /// </summary>
    private async Task<ChildProcessResult> TrainDiverging(string specStart, string output, int evalSamples)
    {
        var spec = _temp.Combine($"diverging-{Path.GetFileName(output)}.json");
        File.WriteAllText(spec, specStart + """
            , "checkpointInterval": 0,
              "generatorOptimizer": { "type": "sgd", "learningRate": 1e30 },
              "discriminatorOptimizer": { "type": "sgd", "learningRate": 1e30 } }
            """);

        var result = await Gancluster.RunAsync(Work, "train", "--local", spec, "--out", output, "--eval-samples", evalSamples.ToString(CultureInfo.InvariantCulture));

        result.AssertExitCode(1);
        Assert.Contains("Diverged at round", result.AllOutput);
        result.AssertNoStackTrace();
        return result;
    }
}
