using GanCluster.Training.Data;

namespace GanCluster.Training.Tests.Data;

/// <summary>A <see cref="TempDirectory"/> with helpers that write small IDX data sets into it.</summary>
internal sealed class TempFolder : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("tests");

    public string Path => _directory.Path;

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

    public void Dispose() => _directory.Dispose();
}
