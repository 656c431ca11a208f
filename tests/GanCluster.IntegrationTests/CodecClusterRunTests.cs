namespace GanCluster.IntegrationTests;

/// <summary>
/// The image codec on a real three-node cluster equals <c>gancluster train --local</c> bit for bit: the generator node
/// reads the training split itself, draws the encoder's batch from G's stream and sends the binary codes as the fake batch
/// with the coded images as a side input; the decoder node answers with dLoss/dCode. Nothing else crosses the wire.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class CodecClusterRunTests(SharedCluster shared) : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("it-codec");

    [Fact]
    public void A_cluster_codec_run_ends_with_the_weights_of_the_local_run()
    {
        const int rounds = 4;
        ExactClusterRun.AssertClusterEqualsLocal(shared, _temp.Path, $$"""
            {
              "name": "codec-exact",
              "model": "codec",
              "loss": "codec",
              "codec": { "bits": 32 },
              "batchSize": 8,
              "rounds": {{rounds}},
              "checkpointInterval": 2,
              "seed": 5,
              "device": "cpu",
              "generatorOptimizer": { "learningRate": 0.001, "beta1": 0.9 },
              "discriminatorOptimizer": { "learningRate": 0.001, "beta1": 0.9 }
            }
            """, rounds);
    }

    public void Dispose() => _temp.Dispose();
}
