namespace GanCluster.TestSupport;

/// <summary>The checkout the tests run from: the folder above the test assembly that holds GanCluster.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(System.IO.Path.Combine(folder.FullName, "GanCluster.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new DirectoryNotFoundException("GanCluster.sln not found above " + AppContext.BaseDirectory);
    }
}
