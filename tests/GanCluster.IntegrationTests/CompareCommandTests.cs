using System.Text.Json;

namespace GanCluster.IntegrationTests;

/// <summary>
/// <c>gancluster compare</c> (GAM) through the real executable: two tiny local runs (GRAN and DCGAN) compared as a table
/// and as JSON, and wrong arguments ending with one line naming the argument, and exit code 2.
/// </summary>
public sealed class CompareCommandTests : IDisposable
{
    // A hang guard only: each command takes seconds; a loaded machine may take much longer.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _temp = TempDirectory.Create("compare");

    private string Train(string model)
    {
        var experiment = Path.Combine(_temp.Path, $"{model}.json");
        File.WriteAllText(experiment, $$"""
            { "name": "tiny-{{model}}", "model": "{{model}}", "batchSize": 8, "latentSize": 16, "rounds": 2,
              "checkpointInterval": 2, "seed": 5, "device": "cpu" }
            """);
        var run = Path.Combine(_temp.Path, model);
        var trained = Gancluster.Run(Guard, "train", "--local", experiment, "--out", run, "--eval-samples", "0", "--torch-threads", "1");
        Assert.True(trained.ExitCode == 0, trained.AllOutput);
        return run;
    }

    private static void AssertOneLineError(ChildProcessResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.AllOutput);
        Assert.Contains(expected, result.AllOutput);
        Assert.DoesNotContain("   at ", result.AllOutput); // no stack trace
    }

    [Fact]
    public void Two_local_runs_are_compared_as_a_table_and_as_json()
    {
        var gran = Train("gran");
        var dcgan = Train("dcgan");

        var table = Gancluster.Run(Guard, "compare", gran, dcgan, "--samples", "100", "--torch-threads", "1");
        Assert.True(table.ExitCode == 0, table.AllOutput);
        Assert.Contains("A: tiny-gran (model gran, round 2; D judges batches of 8", table.StandardOutput);
        Assert.Contains("r_sample =", table.StandardOutput);
        Assert.Contains("verdict:", table.StandardOutput);

        var json = Gancluster.Run(Guard, "compare", gran, Path.Combine(dcgan, "checkpoints", "round-000002.ckpt"), "--samples", "100", "--json", "--torch-threads", "1");
        Assert.True(json.ExitCode == 0, json.AllOutput);
        using var report = JsonDocument.Parse(json.StandardOutput);
        var result = report.RootElement.GetProperty("result");
        Assert.Equal(2000, report.RootElement.GetProperty("testDigits").GetInt32());
        Assert.Equal("dcgan", report.RootElement.GetProperty("b").GetProperty("model").GetString());
        Assert.Contains(result.GetProperty("verdict").GetString(), new[] { "a", "b", "tie", "undecided" });
        Assert.InRange(result.GetProperty("testErrorA").GetDouble(), 0, 1);

        AssertOneLineError(Gancluster.Run(Guard, "compare", gran, Path.Combine(_temp.Path, "missing")), "B: '");
        AssertOneLineError(Gancluster.Run(Guard, "compare", _temp.Path, dcgan), "A: ");
        AssertOneLineError(Gancluster.Run(Guard, "compare", gran, Path.Combine(_temp.Path, "gran.json")), "B: ");
        AssertOneLineError(Gancluster.Run(Guard, "compare", gran, dcgan, "--tolerance", "1.5"), "--tolerance: must be in [0, 1)");
    }

    public void Dispose() => _temp.Dispose();
}
