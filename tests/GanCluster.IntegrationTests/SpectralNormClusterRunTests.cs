namespace GanCluster.IntegrationTests;

/// <summary>
/// DCGAN with a spectrally normalised D on a real three-node cluster equals <c>gancluster train --local</c> bit for bit:
/// the power iteration's vectors move on every training forward of D, so an extra or a missing forward on D's node (the
/// real half prepared ahead, the checkpoint taken while it is prepared) would show in the weights.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class SpectralNormClusterRunTests(SharedCluster shared) : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("it-sn");

    [Fact]
    public void A_cluster_run_with_a_spectrally_normalised_d_ends_with_the_weights_of_the_local_run()
    {
        const int rounds = 4;
        ExactClusterRun.AssertClusterEqualsLocal(shared, _temp.Path, $$"""
            {
              "name": "sn-exact",
              "model": "dcgan",
              "spectralNorm": true,
              "k": 2,
              "batchSize": 8,
              "latentSize": 16,
              "rounds": {{rounds}},
              "checkpointInterval": 2,
              "seed": 7,
              "device": "cpu"
            }
            """, rounds);
    }

    public void Dispose() => _temp.Dispose();
}
