using GanCluster.TestSupport;

namespace GanCluster.Node.Tests;

/// <summary>One private PostgreSQL server shared by every test class that needs one (starting it takes seconds).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
