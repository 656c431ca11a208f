using GanCluster.Training.Data;

namespace GanCluster.Training.Tests.Data;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("gancluster-tests-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes count 28x28 images whose pixel p of image i is (i * 7 + p) % 256, and labels i % 10.</summary>
    public (byte[] Pixels, byte[] Labels) WriteMnistPair(string imagesName, string labelsName, int count, bool gzip)
    {
        var pixels = new byte[count * 28 * 28];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(((i / 784 * 7) + (i % 784)) % 256);
        }

        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        IdxWriter.WriteImages(File(imagesName), pixels, count, 28, 28, gzip);
        IdxWriter.WriteLabels(File(labelsName), labels, gzip);
        return (pixels, labels);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; failing the test over it would hide the real result.
        }
    }
}
