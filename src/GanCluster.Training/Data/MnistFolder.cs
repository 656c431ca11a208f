namespace GanCluster.Training.Data;

/// <summary>
/// A folder in the layout of the original MNIST distribution (and of Fashion-MNIST): train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally with .gz
/// (compression itself is detected from the content).
/// </summary>
public static class MnistFolder
{
    /// <summary>The four standard file names, without .gz.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Loads the training files as Train and the t10k files as Test.</summary>
    /// <param name="folder">The folder holding the four files.</param>
    /// <param name="name">Name of the data set, for descriptions and errors.</param>
    /// <param name="fix">What to tell the user when files are missing (defaults to setting dataPath).</param>
    public static (SampleSet Train, SampleSet Test) Load(string folder, string name = "mnist", string? fix = null)
    {
        fix ??= $"set dataPath to a folder holding {string.Join(", ", FileNames)} (each optionally .gz)";
        if (!Directory.Exists(folder))
        {
            throw new DataFormatException($"{name}: folder {folder} does not exist; expected a folder of MNIST-format IDX files. Fix: {fix}.");
        }

        var paths = FileNames.Select(n => Find(folder, n)).ToArray();
        var missing = FileNames.Where((_, i) => paths[i] is null).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException(
                $"{name}: {folder} lacks {string.Join(", ", missing)} (looked for each with and without .gz); expected all four of {string.Join(", ", FileNames)}. Fix: {fix}.");
        }

        var (trainImages, trainLabels) = IdxReader.ReadPair(paths[0]!, paths[1]!);
        var (testImages, testLabels) = IdxReader.ReadPair(paths[2]!, paths[3]!);
        var train = ImageData.FromIdx(trainImages, trainLabels, paths[0]!, $"{name} training set ({trainImages.Count} images from {folder})");
        try
        {
            var test = ImageData.FromIdx(testImages, testLabels, paths[2]!, $"{name} test set ({testImages.Count} images from {folder})");
            return (train, test);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static string? Find(string folder, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
