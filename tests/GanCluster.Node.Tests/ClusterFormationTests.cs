using Akka.Actor;
using Akka.Cluster;
using GanCluster.TestSupport;

namespace GanCluster.Node.Tests;

/// <summary>The loader's seeds, roles, host and port are what a real cluster forms with.</summary>
public sealed class ClusterFormationTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = TempDirectory.Create("cluster");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static async Task UpAsync(ActorSystem system)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_worker_joins_the_coordinator_it_names_as_seed_and_both_carry_their_roles()
    {
        var configDirectory = ClusterConfigLoader.LocateConfigDirectory(null, _ => null);
        var coordinatorOptions = new NodeOptions
        {
            Roles = new HashSet<NodeRole> { NodeRole.Coordinator },
            Port = FreePort.Next(),
            DataDirectory = _temp.Combine("data"),
        };
        var workerOptions = new NodeOptions
        {
            Roles = new HashSet<NodeRole> { NodeRole.Generator, NodeRole.Discriminator },
            SeedNodes = [$"127.0.0.1:{coordinatorOptions.ResolvedPort}"],
        };
        var coordinator = ActorSystem.Create("gancluster", ClusterConfigLoader.Load(coordinatorOptions, configDirectory, false));
        var worker = ActorSystem.Create("gancluster", ClusterConfigLoader.Load(workerOptions, configDirectory, false));
        try
        {
            await Task.WhenAll(UpAsync(coordinator), UpAsync(worker));

            var members = Akka.Cluster.Cluster.Get(coordinator).State.Members;
            Assert.Equal(2, members.Count);
            Assert.Contains(members, m => m.Address.Port == coordinatorOptions.ResolvedPort && m.HasRole("coordinator"));
            Assert.Contains(members, m => m.HasRole("generator") && m.HasRole("discriminator") && !m.HasRole("coordinator") && m.Address.Host == "127.0.0.1");
        }
        finally
        {
            await Task.WhenAll(worker.Terminate(), coordinator.Terminate()).WaitAsync(Timeout);
        }
    }
}
