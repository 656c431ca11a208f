namespace GanCluster.IntegrationTests;

/// <summary>
/// GRAN on a real three-node cluster equals <c>gancluster train --local</c> bit for bit: its recurrent generator draws no
/// random numbers of its own, so only z (from G's stream), the fake batch and dLoss/dFake are involved, as for DCGAN.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class GranClusterRunTests(SharedCluster shared) : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("it-gran");

    [Fact]
    public void A_cluster_gran_run_ends_with_the_weights_of_the_local_run()
    {
        const int rounds = 4;
        ExactClusterRun.AssertClusterEqualsLocal(shared, _temp.Path, $$"""
            {
              "name": "gran-exact",
              "model": "gran",
              "gran": { "steps": 3 },
              "k": 2,
              "batchSize": 8,
              "latentSize": 16,
              "rounds": {{rounds}},
              "checkpointInterval": 2,
              "seed": 5,
              "device": "cpu"
            }
            """, rounds);
    }

    public void Dispose() => _temp.Dispose();
}
