namespace GanCluster.IntegrationTests;

/// <summary>
/// VAE-GAN on a real three-node cluster equals <c>gancluster train --local</c> bit for bit: the generator node reads the
/// training split itself and draws E's batch, eps and z_p from G's stream; the real images E encoded travel to D as a side
/// input with the 3N fake batch, and G's KL prior never leaves its node, so the wire carries only what it carries for
/// every family (fake batch, side inputs, dLoss/dFake).
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class VaeGanClusterRunTests(SharedCluster shared) : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("it-vaegan");

    [Fact]
    public void A_cluster_vaegan_run_ends_with_the_weights_of_the_local_run()
    {
        const int rounds = 4;
        ExactClusterRun.AssertClusterEqualsLocal(shared, _temp.Path, $$"""
            {
              "name": "vaegan-exact",
              "model": "vaegan",
              "loss": "vaegan",
              "vaegan": { "gamma": 0.05 },
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
