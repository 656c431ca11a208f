namespace GanCluster.TestSupport;

/// <summary>A fresh folder under the temp folder (or a given parent), deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path)
    {
        Path = path;
    }

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>Creates gancluster-&lt;prefix&gt;-&lt;random&gt; under <paramref name="parent"/> (default: the system temp folder).</summary>
    public static TempDirectory Create(string prefix = "test", string? parent = null)
    {
        var path = System.IO.Path.Combine(parent ?? System.IO.Path.GetTempPath(), $"gancluster-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return new TempDirectory(System.IO.Path.GetFullPath(path));
    }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public override string ToString() => Path;

    public void Dispose()
    {
        // A process that was just killed may still hold files for a moment (or create one while dying); retry briefly.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(Path))
                {
                    Directory.Delete(Path, recursive: true);
                }

                return;
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt < 10)
            {
                Thread.Sleep(100);
            }
        }
    }
}
