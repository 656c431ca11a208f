namespace GanCluster.IntegrationTests;

/// <summary>
/// One three-node cluster for the tests that only submit an experiment and compare its result (the families'
/// cluster-equals-local checks): each submits its own experiment to it instead of starting and stopping three node
/// processes of its own. Started on first use; started again if a node of it has exited (a crash in one test must
/// not fail the next with a confusing error). Tests that kill, restart or reconfigure nodes keep their own cluster.
/// </summary>
public sealed class SharedCluster : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("it-shared");
    private LocalCluster? _cluster;
    private int _started;

    /// <summary>The running cluster (started now if it is not running).</summary>
    public LocalCluster Cluster
    {
        get
        {
            if (_cluster is { AllRunning: true })
            {
                return _cluster;
            }

            _cluster?.Dispose();
            _cluster = new LocalCluster(Path.Combine(_temp.Path, $"cluster-{++_started}"));
            _cluster.Start();
            return _cluster;
        }
    }

    public void Dispose()
    {
        if (_cluster is { AllRunning: true })
        {
            _cluster.Stop();
        }

        _cluster?.Dispose();
        _temp.Dispose();
    }
}

/// <summary>The test classes that share one <see cref="SharedCluster"/> (xunit runs them one after another).</summary>
[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "shared cluster";
}
