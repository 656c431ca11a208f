using System.Reflection;
using GanCluster.Training.Options;

namespace GanCluster.Training.Data;

/// <summary>Loads the real data an experiment names, split into training and held-out parts.</summary>
public static class DatasetCatalog
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs Fashion-MNIST.</summary>
    public const string FashionMnistDefault = "/usr/share/datasets/fashion-mnist";

    public static (SampleSet Train, SampleSet HeldOut) Load(ExperimentSpec spec)
    {
        switch (spec.Dataset)
        {
            case DatasetKind.Mnist when spec.DataPath is null:
                return BundledMnist(spec.HeldOutFraction);
            case DatasetKind.Mnist:
                return MnistFolder.Load(spec.DataPath, "mnist");
            case DatasetKind.FashionMnist:
                var folder = spec.DataPath ?? FashionMnistDefault;
                if (!Directory.Exists(folder))
                {
                    throw new DataFormatException(
                        $"dataPath: Fashion-MNIST is not at {folder}; install it with 'apt-get install -y dataset-fashion-mnist' or set dataPath to a folder of its IDX files");
                }

                return MnistFolder.Load(folder, "fashion-mnist");
            case DatasetKind.Ring8:
            case DatasetKind.Grid25:
                var mixture = Mixture(spec);
                var heldOut = Math.Max(1, (int)Math.Round(spec.Mixture.Samples * spec.HeldOutFraction));
                return (mixture.Sample(spec.Mixture.Samples, spec.Seed, "training"), mixture.Sample(heldOut, spec.Seed ^ 0x5EED, "held out"));
            default:
                throw new ArgumentException($"dataset: unknown data set {spec.Dataset}");
        }
    }

    /// <summary>The mixture of a 2-D experiment (ring8 or grid25).</summary>
    public static GaussianMixture2D Mixture(ExperimentSpec spec) => spec.Dataset switch
    {
        DatasetKind.Ring8 => GaussianMixture2D.Ring(8, spec.Mixture.Radius, spec.Mixture.Std),
        DatasetKind.Grid25 => GaussianMixture2D.Grid(5, spec.Mixture.Spacing, spec.Mixture.Std),
        _ => throw new ArgumentException($"dataset: {spec.Dataset} is not a 2-D mixture"),
    };

    /// <summary>
    /// The 10,000 MNIST digits shipped inside this assembly, split deterministically: the first
    /// (1 - heldOutFraction) for training, the rest held out (the file's order is already shuffled and
    /// class-balanced).
    /// </summary>
    public static (SampleSet Train, SampleSet HeldOut) BundledMnist(double heldOutFraction)
    {
        var images = Idx.Parse(ReadResource("images-idx3-ubyte.gz"), Idx.ImagesMagic, "bundled images-idx3-ubyte.gz");
        var labels = Idx.Parse(ReadResource("labels-idx1-ubyte.gz"), Idx.LabelsMagic, "bundled labels-idx1-ubyte.gz");
        var trainCount = (int)Math.Round(images.Count * (1 - heldOutFraction));
        return (ImageData.FromIdx(images, labels, $"bundled MNIST ({trainCount} training digits)", 0, trainCount),
                ImageData.FromIdx(images, labels, $"bundled MNIST ({images.Count - trainCount} held-out digits)", trainCount, images.Count - trainCount));
    }

    private static byte[] ReadResource(string name)
    {
        var assembly = typeof(DatasetCatalog).Assembly;
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(name, StringComparison.Ordinal))
            ?? throw new DataFormatException($"the bundled data set is missing from {assembly.GetName().Name} ({name}); rebuild GanCluster.Training");
        return Idx.ReadMaybeGzip(assembly.GetManifestResourceStream(resource)!);
    }
}
