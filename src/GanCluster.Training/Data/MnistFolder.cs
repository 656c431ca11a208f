namespace GanCluster.Training.Data;

/// <summary>
/// A folder in the layout of the original MNIST distribution (and Fashion-MNIST): train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally gzip-compressed (.gz).
/// </summary>
public static class MnistFolder
{
    private static readonly string[] Names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    public static (SampleSet Train, SampleSet Test) Load(string folder, string name)
    {
        if (!Directory.Exists(folder))
        {
            throw new DataFormatException($"{name}: folder {folder} does not exist; set dataPath to a folder holding {string.Join(", ", Names)} (optionally .gz)");
        }

        var paths = Names.Select(n => Find(folder, n)).ToArray();
        var missing = Names.Where((n, i) => paths[i] is null).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException($"{name}: {folder} lacks {string.Join(", ", missing)} (with or without .gz); it needs the four standard MNIST file names");
        }

        var train = ImageData.FromIdx(Idx.Read(paths[0]!, Idx.ImagesMagic), Idx.Read(paths[1]!, Idx.LabelsMagic), $"{name} training set ({folder})");
        var test = ImageData.FromIdx(Idx.Read(paths[2]!, Idx.ImagesMagic), Idx.Read(paths[3]!, Idx.LabelsMagic), $"{name} test set ({folder})");
        return (train, test);
    }

    private static string? Find(string folder, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz", name.Replace("-idx", ".idx", StringComparison.Ordinal), name.Replace("-idx", ".idx", StringComparison.Ordinal) + ".gz" })
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
