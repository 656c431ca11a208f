using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using GanCluster.Training.Models;
using GanCluster.Training.Options;

namespace GanCluster.Training.Families;

/// <summary>
/// The family registry: <see cref="ModelKind"/> is the list of families (its JSON names are what experiment files
/// write as "model"), each value carrying its implementation in a <see cref="FamilyAttribute{T}"/>. One validation
/// path: <see cref="Validate"/> is what <see cref="SpecValidator"/> reports and what network creation enforces.
/// Initialization draws from torch's current generator and nothing here seeds it: the halves create networks inside
/// their own random streams, and the same state gives the same weights.
/// </summary>
public static class FamilyCatalog
{
    private static readonly ConcurrentDictionary<ModelKind, IGanFamily?> Entries = new();

    /// <summary>The family of <paramref name="model"/>; throws <see cref="ArgumentException"/> naming the field for an unknown one.</summary>
    public static IGanFamily Get(ModelKind model) => Entry(model) ?? throw UnknownModel(model);

    /// <summary>The family of <paramref name="model"/>, or null for a value no family implements.</summary>
    public static IGanFamily? Find(ModelKind model) => Entry(model);

    /// <summary>
    /// True when the spec's D normalizes over the batch (one sample's score depends on the others): its family's
    /// <see cref="IGanFamily.DiscriminatorNormalizesBatch"/>, except with <c>spectralNorm</c>, whose D has no BatchNorm.
    /// </summary>
    public static bool DiscriminatorNormalizesBatch(ExperimentSpec spec) =>
        Find(spec.Model)?.DiscriminatorNormalizesBatch == true && spec.SpectralNorm != true;

    /// <summary>The family of a spec it can build, or <see cref="ArgumentException"/> whose message starts with the field (the first error of <see cref="Validate"/>).</summary>
    public static IGanFamily For(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var error = Validate(spec).FirstOrDefault();
        return error is null ? Get(spec.Model) : throw new ArgumentException(error.ToString());
    }

    /// <summary>The generator of <paramref name="spec"/>'s family (validated first).</summary>
    public static GeneratorNet CreateGenerator(ExperimentSpec spec) => For(spec).CreateGenerator(spec);

    /// <summary>The discriminator of <paramref name="spec"/>'s family (validated first), taking packed input for spec.Packing.</summary>
    public static DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) => For(spec).CreateDiscriminator(spec);

    /// <summary>Shape of one generated sample (no batch axis): [C, 28, 28], [C, 64, 64] or [2].</summary>
    public static long[] SampleShape(ExperimentSpec spec) => For(spec).SampleShape(spec);

    /// <summary>The range of the family's samples; real data must be mapped to it before D sees it.</summary>
    public static SampleRange OutputRange(ModelKind model) => Get(model).OutputRange;

    /// <summary>
    /// Every reason no network can be built for <paramref name="spec"/>, each naming its field (for example
    /// "imageSize: dcgan supports 28 or 64; got 32"): the model, the basic sizes, what the family supports, and the
    /// family's own checks.
    /// </summary>
    public static IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Entry(spec.Model) is not { } family)
        {
            yield return new SpecError("model", UnknownModel(spec.Model).Message["model: ".Length..]);
            yield break;
        }

        if (!Enum.IsDefined(spec.Dataset))
        {
            yield return new SpecError("dataset", $"unknown data set {(int)spec.Dataset}; allowed: {SpecJson.Allowed<DatasetKind>()}");
            yield break;
        }

        if (spec.LatentSize < 1)
        {
            yield return new SpecError("latentSize", $"must be >= 1; got {spec.LatentSize}");
        }

        if (spec.Packing < 1)
        {
            yield return new SpecError("packing", $"must be >= 1 (1 = no packing); got {spec.Packing}");
        }

        var name = Name(spec.Model);
        if (spec.Conditional && !family.SupportsConditional)
        {
            yield return new SpecError("conditional", $"{name} has no conditional form; use false");
        }

        if (spec.Packing > 1 && !family.SupportsPacking)
        {
            yield return new SpecError("packing", $"{name} does not support packing; use 1");
        }

        if (spec.MinibatchStd && !family.SupportsMinibatchStd)
        {
            var with = string.Join(" or ", Enum.GetValues<ModelKind>().Where(m => Entry(m)?.SupportsMinibatchStd == true).Select(Name));
            yield return new SpecError("minibatchStd", $"is implemented for the {with} model only; got model {name}");
        }

        if (spec.SpectralNorm == true && !family.SupportsSpectralNorm)
        {
            var with = string.Join(" or ", Enum.GetValues<ModelKind>().Where(m => Entry(m)?.SupportsSpectralNorm == true).Select(Name).Order(StringComparer.Ordinal));
            yield return new SpecError("spectralNorm", $"is implemented for the discriminators of models {with} only; got model {name}; remove spectralNorm");
        }

        foreach (var error in family.Validate(spec))
        {
            yield return error;
        }
    }

    /// <summary>The JSON name of a model, as experiment files write it.</summary>
    public static string Name(ModelKind model) => JsonName(model);

    /// <summary>The JSON name of a data set, as experiment files write it.</summary>
    public static string Name(DatasetKind dataset) => JsonName(dataset);

    /// <summary>The JSON name of an objective, as experiment files write it.</summary>
    public static string Name(LossKind loss) => JsonName(loss);

    private static string JsonName<T>(T value) where T : struct, Enum =>
        Enum.IsDefined(value) ? JsonSerializer.Serialize(value, SpecJson.Options).Trim('"') : value.ToString();

    private static IGanFamily? Entry(ModelKind model) => Entries.GetOrAdd(model, static m =>
        Enum.IsDefined(m) ? typeof(ModelKind).GetField(m.ToString())!.GetCustomAttribute<FamilyAttribute>()?.Family : null);

    private static ArgumentException UnknownModel(ModelKind model) =>
        new($"model: unknown model {(int)model}; allowed: {SpecJson.Allowed<ModelKind>()}");
}
