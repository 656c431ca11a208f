using GanCluster.Training.Options;

namespace GanCluster.Training.Data;

/// <summary>Loads the real data an experiment names, split into a training part and a held-out part.</summary>
public static class DatasetCatalog
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs Fashion-MNIST.</summary>
    public const string FashionMnistDefault = "/usr/share/datasets/fashion-mnist";

    /// <summary>Seed streams of the 2-D mixtures: different streams keep the held-out points independent of the training points.</summary>
    private const long TrainStream = 101;
    private const long HeldOutStream = 102;

    /// <summary>
    /// mnist: the bundled 10k digits split by heldOutFraction, or an MNIST folder (train / t10k) when dataPath is set;
    /// fashion-mnist: dataPath or <see cref="FashionMnistDefault"/> (train / t10k);
    /// ring8, grid25: mixture.samples training points and round(samples * heldOutFraction) held-out points.
    /// </summary>
    public static (SampleSet Train, SampleSet HeldOut) Load(ExperimentSpec spec)
    {
        switch (spec.Dataset)
        {
            case DatasetKind.Mnist when spec.DataPath is null:
                return BundledMnist.Load(spec.HeldOutFraction);
            case DatasetKind.Mnist:
                return MnistFolder.Load(spec.DataPath, "mnist");
            case DatasetKind.FashionMnist:
                var folder = spec.DataPath ?? FashionMnistDefault;
                var fix = spec.DataPath is null
                    ? "install it with 'apt-get install -y dataset-fashion-mnist', or set dataPath to a folder of its four IDX files"
                    : "set dataPath to a folder of the four Fashion-MNIST IDX files, or remove dataPath and 'apt-get install -y dataset-fashion-mnist'";
                return MnistFolder.Load(folder, "fashion-mnist", fix);
            case DatasetKind.Ring8:
            case DatasetKind.Grid25:
                var mixture = Mixture(spec);
                var heldOutCount = (int)Math.Round(spec.Mixture.Samples * spec.HeldOutFraction, MidpointRounding.AwayFromZero);
                var train = mixture.Sample(spec.Mixture.Samples, (long)SeedMixer.Mix(spec.Seed, TrainStream), "training set");
                return (train, mixture.Sample(heldOutCount, (long)SeedMixer.Mix(spec.Seed, HeldOutStream), "held-out set"));
            default:
                throw new ArgumentException($"dataset: unknown data set {spec.Dataset}", nameof(spec));
        }
    }

    /// <summary>The mixture of a 2-D experiment (ring8 or grid25), shaped by spec.Mixture.</summary>
    public static GaussianMixture2D Mixture(ExperimentSpec spec) => spec.Dataset switch
    {
        DatasetKind.Ring8 => GaussianMixture2D.Ring(8, spec.Mixture.Radius, spec.Mixture.Std),
        DatasetKind.Grid25 => GaussianMixture2D.Grid(5, spec.Mixture.Spacing, spec.Mixture.Std),
        _ => throw new ArgumentException($"dataset: {spec.Dataset} is not a 2-D mixture; expected ring8 or grid25", nameof(spec)),
    };
}
