using System.Globalization;

namespace GanCluster.IntegrationTests;

/// <summary>
/// The discriminator crash of the cluster was TorchSharp freeing a native scalar in its finalizer while libtorch still
/// read it (Adam's <c>addcmul_(grad, grad, value: 1 - beta2)</c> passes a temporary). It needs a garbage collection at
/// the wrong moment, which a busy worker node's other threads cause now and then. Every process here runs with
/// <c>GANCLUSTER_GC_STRESS=2</c> (a thread that collects and runs finalizers continuously), which turns that once-a-day
/// crash into one within seconds: before the fix each of these runs died with a c10 check failure or SIGSEGV.
/// </summary>
public sealed class NativeMemorySafetyTests : IDisposable
{
    private static readonly Dictionary<string, string> Stress = new() { ["GANCLUSTER_GC_STRESS"] = "2" };

    private readonly TempDirectory _temp = TempDirectory.Create("gc");

    private string _folder => _temp.Path;

    [Theory]
    [InlineData("adam", "non-saturating")]
    [InlineData("sgd", "hinge")]
    public void Local_training_under_constant_garbage_collection_runs_to_the_end(string optimizer, string loss)
    {
        var experiment = WriteExperiment($"gc-{optimizer}", "ring8", 300, optimizer, loss);
        var (code, _, all) = Gancluster.Run(TimeSpan.FromMinutes(15), Stress,
            "train", "--local", experiment, "--out", Path.Combine(_folder, $"run-{optimizer}"), "--torch-threads", "1", "--eval-samples", "500");
        Assert.True(code == 0, $"exit code {code}\n{all}");
        Assert.True(File.Exists(Path.Combine(_folder, $"run-{optimizer}", "checkpoints", "round-000300.ckpt")), all);
    }

    [Fact]
    public void A_worker_pair_trains_experiment_a_then_b_then_a_again_under_constant_garbage_collection()
    {
        using var cluster = new LocalCluster(Path.Combine(_folder, "cluster"));
        foreach (var (key, value) in Stress)
        {
            cluster.NodeEnvironment[key] = value;
        }

        cluster.Start();
        var a = cluster.Submit(WriteExperiment("first", "ring8", 120, "adam", "non-saturating"));
        cluster.WaitForState(a, "completed", TimeSpan.FromMinutes(5));
        var b = cluster.Submit(WriteExperiment("second", "grid25", 120, "sgd", "hinge"));
        cluster.WaitForState(b, "completed", TimeSpan.FromMinutes(5));

        // The same experiment again on workers that have since trained another one (and disposed its halves).
        var (code, _, all) = cluster.Cli("resume", a, "--rounds", "240");
        Assert.True(code == 0, all);
        var final = cluster.WaitForState(a, "completed", TimeSpan.FromMinutes(5), status => status.GetProperty("roundsTotal").GetInt32() == 240);
        Assert.Equal(240, final.GetProperty("roundsDone").GetInt32());

        Assert.False(cluster.Node("generator").HasExited, cluster.Logs());
        Assert.False(cluster.Node("discriminator").HasExited, cluster.Logs());
        cluster.Stop();
    }

    /// <summary>
    /// oneDNN's input gradient of a convolution with one output channel comes back NaN now and then (OneOutputConv2d says
    /// which layers and how often); with its kernels limited to AVX2 it does so on most calls of LAPGAN's 3x3 32 -> 1
    /// layer, and level 0 diverged at round 2 in 20 of 24 runs before that layer left oneDNN. Three runs must all train.
    /// </summary>
    [Fact]
    public void Lapgan_level_0_trains_while_onednn_runs_its_avx2_kernels()
    {
        var experiment = Path.Combine(_folder, "lapgan-level0.json");
        File.WriteAllText(experiment, """
            { "name": "lapgan-level0", "model": "lapgan", "loss": "lapgan", "lapgan": { "level": 0 }, "batchSize": 64,
              "rounds": 4, "checkpointInterval": 0, "seed": 1, "device": "cpu" }
            """);
        var avx2 = new Dictionary<string, string> { ["DNNL_MAX_CPU_ISA"] = "AVX2" };
        for (var run = 0; run < 3; run++)
        {
            var (code, _, all) = Gancluster.Run(TimeSpan.FromMinutes(10), avx2,
                "train", "--local", experiment, "--out", Path.Combine(_folder, $"lapgan-{run}"), "--torch-threads", "1", "--eval-samples", "0", "--log-every", "1");
            Assert.True(code == 0, $"run {run}: exit code {code}\n{all}");
            Assert.DoesNotContain("NaN", all);
            Assert.Contains("Round 4/4", all);
        }
    }

    private string WriteExperiment(string name, string dataset, int rounds, string optimizer, string loss)
    {
        var optimizerJson = optimizer == "adam"
            ? """{ "type": "adam", "learningRate": 0.001, "beta1": 0.5, "beta2": 0.999 }"""
            : """{ "type": "sgd", "learningRate": 0.01, "momentum": 0.5 }""";
        var path = Path.Combine(_folder, name + ".json");
        File.WriteAllText(path, $$"""
            {
              "name": "{{name}}", "model": "toy", "dataset": "{{dataset}}", "loss": "{{loss}}",
              "batchSize": 64, "latentSize": 8, "mixture": { "samples": 2048 },
              "generatorOptimizer": {{optimizerJson}}, "discriminatorOptimizer": {{optimizerJson}},
              "rounds": {{rounds.ToString(CultureInfo.InvariantCulture)}}, "checkpointInterval": 60, "seed": 7
            }
            """);
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
