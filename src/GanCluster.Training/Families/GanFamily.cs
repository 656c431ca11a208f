using GanCluster.Training.Models;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>
/// Defaults for a family: conditional and packing supported, no minibatch-std, G reads z ~ N(0, I) (unless the family
/// reads a noise setting: <see cref="Noise"/>) and, for a
/// conditional model, uniform labels, and no side inputs.
/// </summary>
public abstract class GanFamily : IGanFamily
{
    public abstract SampleRange OutputRange { get; }

    public virtual bool SupportsConditional => true;

    public virtual bool SupportsPacking => true;

    public virtual bool SupportsMinibatchStd => false;

    public virtual bool SupportsSpectralNorm => false;

    public virtual bool DiscriminatorNormalizesBatch => false;

    public abstract GeneratorNet CreateGenerator(ExperimentSpec spec);

    public abstract DiscriminatorNet CreateDiscriminator(ExperimentSpec spec);

    public abstract long[] SampleShape(ExperimentSpec spec);

    public abstract IEnumerable<SpecError> Validate(ExperimentSpec spec);

    /// <summary>N(0, I) unless the family reads a noise setting from the spec.</summary>
    public virtual LatentNoise Noise(ExperimentSpec spec) => LatentNoise.Normal;

    /// <summary>z [count, latentSize] from <see cref="Noise"/>, then labels ~ U{0..classes-1} when conditional (in that order).</summary>
    public virtual GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device)
    {
        var z = DrawNoise(Noise(spec), count, spec.LatentSize, device);
        Tensor? labels = spec.Conditional ? randint(0, spec.Classes, count, dtype: int64, device: device) : null;
        return new GeneratorInput(z, labels, GanBatch.NoSideInputs);
    }

    /// <summary>
    /// A [count, width] draw of <paramref name="noise"/> from the current stream: randn, or rand mapped to U(-1, 1)
    /// (one draw, then x 2 - 1 in place).
    /// </summary>
    public static Tensor DrawNoise(LatentNoise noise, long count, long width, Device? device = null) => noise == LatentNoise.Normal
        ? randn(count, width, device: device)
        : rand(count, width, device: device).mul_(KeptScalars.Two).sub_(KeptScalars.One);

    /// <summary>The fixed batch as it is, 8 images per row.</summary>
    public virtual SampleGridInput GridInput(ExperimentSpec spec, Tensor fixedNoise, Tensor? fixedLabels) => new(fixedNoise, fixedLabels, 8);

    /// <summary>The label count a network is built for: the data set's classes when conditional, else 0.</summary>
    protected static int Classes(ExperimentSpec spec) => spec.Conditional ? spec.Classes : 0;

    /// <summary>Channels per image of an image data set (MNIST and Fashion-MNIST are grayscale).</summary>
    protected static int ImageChannels(DatasetKind dataset) => dataset switch
    {
        DatasetKind.Mnist or DatasetKind.FashionMnist => 1,
        _ => throw new ArgumentException($"dataset: {FamilyCatalog.Name(dataset)} holds 2-D points, not images"),
    };

    /// <summary>The error of an image family given 2-D points, or none.</summary>
    protected static IEnumerable<SpecError> RequireImageData(ExperimentSpec spec) => spec.IsImageData
        ? []
        : [new SpecError("dataset", $"{FamilyCatalog.Name(spec.Model)} supports mnist or fashion-mnist; got {FamilyCatalog.Name(spec.Dataset)} (use model toy for 2-D points)")];

    /// <summary>
    /// The checks of a 28x28 image family: image data, then imageSize 28 (<paramref name="sizeNote"/>, if any, says why).
    /// Returns the errors so far as a list the family may add its own to.
    /// </summary>
    protected static List<SpecError> RequireDigits(ExperimentSpec spec, string? sizeNote = null)
    {
        var errors = RequireImageData(spec).ToList();
        if (errors.Count == 0 && spec.ImageSize != 28)
        {
            errors.Add(new SpecError("imageSize", $"{FamilyCatalog.Name(spec.Model)} supports 28{(sizeNote is null ? string.Empty : $" ({sizeNote})")}; got {spec.ImageSize}"));
        }

        return errors;
    }

    /// <summary>
    /// The checks of a 28x28 image family that only its own objective trains (ssgan, catgan): <see cref="RequireDigits"/>
    /// and loss <paramref name="loss"/> (<paramref name="role"/> says what the objective makes of the networks, e.g. "is
    /// trained as a 10-class + fake classifier by loss ssgan").
    /// </summary>
    protected static List<SpecError> RequireDigitsAndObjective(ExperimentSpec spec, LossKind loss, string sizeNote, string role)
    {
        var errors = RequireDigits(spec, sizeNote);
        if (spec.IsImageData && spec.Loss != loss)
        {
            var name = FamilyCatalog.Name(spec.Model);
            errors.Add(new SpecError("loss", $"model {name} {role}; got {FamilyCatalog.Name(spec.Loss)}; use \"loss\": \"{FamilyCatalog.Name(loss)}\""));
        }

        return errors;
    }
}
