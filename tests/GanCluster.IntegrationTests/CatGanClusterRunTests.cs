namespace GanCluster.IntegrationTests;

/// <summary>
/// CatGAN with 100 labels on a real three-node cluster equals <c>gancluster train --local</c> bit for bit: its labelled
/// batch is drawn on the discriminator's node from D's stream, so nothing but the fake batch and dLoss/dFake crosses the
/// wire. Also with VAT in D's loss (catgan.vatWeight), whose random probe is drawn on D's node too.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class CatGanClusterRunTests(SharedCluster shared) : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("it-catgan");

    [Theory]
    [InlineData("")]
    [InlineData("\"catgan\": { \"vatWeight\": 1 },")]
    public void A_cluster_catgan_run_ends_with_the_weights_of_the_local_run(string section)
    {
        const int rounds = 6;
        ExactClusterRun.AssertClusterEqualsLocal(shared, _temp.Path, $$"""
            {
              "name": "catgan-exact{{(section.Length > 0 ? "-vat" : "")}}",
              "model": "catgan",
              {{section}}
              "loss": "catgan",
              "labelsPerClass": 10,
              "k": 2,
              "batchSize": 8,
              "latentSize": 16,
              "rounds": {{rounds}},
              "checkpointInterval": 3,
              "seed": 5,
              "device": "cpu"
            }
            """, rounds);
    }

    public void Dispose() => _temp.Dispose();
}
