using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary><c>gancluster sweep</c> without a cluster: bad input is refused before connecting, naming the field and the fix.</summary>
public sealed class SweepCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-sweep");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("""{"parameters": {"generatorOptimizer.lr": [0.1]}}""", new string[0], "space.parameters.generatorOptimizer.lr", "not an experiment field")]
    [InlineData("""{"parameters": {"k": [1, 0]}}""", new string[0], "space.parameters.k", "configuration 2 (k=0)")]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", new[] { "--algorithm", "random" }, "--budget", "random search needs --budget")]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", new[] { "--mode", "best" }, "--mode", "use max or min")]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", new[] { "--algorithm", "asha", "--metric", "modes.modesCapturd" }, "--metric", "neither a round metric")]
    [InlineData("""{"parameters": {"k": {"min": 1}}}""", new string[0], "space.parameters.k", "give a list of values")]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", new[] { "--algorithm", "pbt" }, "space.parameters.k", "PBT explores only the learning rates")]
    [InlineData("""{"parameters": {"generatorOptimizer.learningRate": [0.001, 0.002]}}""", new[] { "--population", "4" }, "--population", "add --algorithm pbt")]
    [InlineData("""{"parameters": {"generatorOptimizer.learningRate": [0.001, 0.002]}}""", new[] { "--algorithm", "pbt", "--population", "4", "--budget", "4" }, "--budget", "--population N")]
    [InlineData("""{"parameters": {"generatorOptimizer.learningRate": [0.001, 0.002]}}""", new[] { "--algorithm", "pbt", "--resample", "2" }, "--resample", "probability in [0, 1]")]
    [InlineData("""{"parameters": {"generatorOptimizer.learningRate": [0.001, 0.002]}}""", new[] { "--algorithm", "pbt", "--perturb", "x,1.2" }, "--perturb", "down,up")]
    [InlineData("""{"parameters": {"generatorOptimizer.learningRate": [0.001]}}""", new[] { "--algorithm", "pbt" }, "--population", "at least 2 members")]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", new[] { "--algorithm", "asha", "--grace-period", "150" }, "--grace-period", "a multiple of checkpointInterval")]
    [InlineData("""{"parameters": {"k": [1, 2]}}""", new[] { "--grace-period", "1000" }, "--grace-period", "add --algorithm asha")]
    public async Task A_bad_sweep_is_refused_before_contacting_the_cluster(string space, string[] options, string field, string fix)
    {
        var spaceFile = _temp.Combine("space.json");
        await File.WriteAllTextAsync(spaceFile, space);

        // Nothing listens there: a command that tried to connect would fail with exit code 3 instead.
        var result = await Gancluster.RunAsync(_temp.Path, ["sweep", "ring8", "--space", spaceFile, .. options, "--contact", $"127.0.0.1:{FreePort.Next()}"]);

        result.AssertExitCode(2);
        Assert.Contains($"invalid sweep: {field}: ", result.FirstLine());
        Assert.Contains(fix, result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("sweep", "status", "Not_An_Id")]
    [InlineData("sweep", "cancel", "Not_An_Id")]
    [InlineData("sweep", "resume", "Not_An_Id")]
    [InlineData("sweep", "lineage", "Not_An_Id")]
    [InlineData("list", "--sweep", "Not_An_Id")]
    public async Task A_malformed_sweep_id_is_refused_before_contacting_the_cluster(string command, string option, string id)
    {
        var result = await Gancluster.RunAsync(_temp.Path, command, option, id, "--contact", $"127.0.0.1:{FreePort.Next()}");

        result.AssertExitCode(2);
        Assert.Contains("sweep id 'Not_An_Id' is invalid", result.FirstLine());
        result.AssertNoStackTrace();
    }
}
