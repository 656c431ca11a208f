using GanCluster.Training.Models;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>
/// A GAN family: a generator/discriminator pair, what it supports (data sets, image sizes, conditional labels,
/// packing, the minibatch-std feature), the range and shape of its samples, its own checks of an experiment, and
/// what its generator reads for one batch (noise, labels and side inputs that travel with the fake batch).
/// A family is registered by one line: <c>[Family&lt;T&gt;]</c> on its <see cref="ModelKind"/> value.
/// </summary>
public interface IGanFamily
{
    /// <summary>The range of the family's samples; real data is mapped to it before D sees it.</summary>
    SampleRange OutputRange { get; }

    /// <summary>Conditional GAN labels (Mirza &amp; Osindero 2014) fed to G and D.</summary>
    bool SupportsConditional { get; }

    /// <summary>PacGAN packing (D judges m samples at once).</summary>
    bool SupportsPacking { get; }

    /// <summary>The minibatch standard deviation feature in D (Karras et al. 2018).</summary>
    bool SupportsMinibatchStd { get; }

    /// <summary>True when D can be spectrally normalised (<see cref="Options.ExperimentSpec.SpectralNorm"/>).</summary>
    bool SupportsSpectralNorm { get; }

    /// <summary>D normalizes over the batch (batch normalization), so one sample's score depends on the others.</summary>
    bool DiscriminatorNormalizesBatch { get; }

    /// <summary>The generator; called inside G's random stream (its draws initialize the weights).</summary>
    GeneratorNet CreateGenerator(ExperimentSpec spec);

    /// <summary>The discriminator, taking packed input for spec.Packing; called inside D's random stream.</summary>
    DiscriminatorNet CreateDiscriminator(ExperimentSpec spec);

    /// <summary>Shape of one generated sample (no batch axis), e.g. [1, 28, 28] or [2].</summary>
    long[] SampleShape(ExperimentSpec spec);

    /// <summary>What the family does not support in <paramref name="spec"/>, each error naming the field.</summary>
    IEnumerable<SpecError> Validate(ExperimentSpec spec);

    /// <summary>
    /// What G reads for <paramref name="count"/> samples, drawn from the current (the generator's) random stream:
    /// noise z, labels for a conditional model, and side inputs (e.g. InfoGAN's codes) to attach to the fake batch.
    /// </summary>
    GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device);

    /// <summary>The distribution of G's noise z: what <see cref="DrawInput"/> draws z from, and the half's fixed noise batch.</summary>
    LatentNoise Noise(ExperimentSpec spec);

    /// <summary>
    /// What G reads for the sample grid, built from the half's fixed noise batch (and its fixed labels for a conditional
    /// model) without any random draw, and the grid's images per row: the fixed batch itself by default, InfoGAN's
    /// traversal grid (<see cref="InfoGanTraversal"/>) for InfoGAN.
    /// </summary>
    SampleGridInput GridInput(ExperimentSpec spec, Tensor fixedNoise, Tensor? fixedLabels);
}

/// <summary>G's input for the sample grid and the grid's images per row.</summary>
public sealed record SampleGridInput(Tensor Z, Tensor? Labels, int Columns);

/// <summary>G's input for one batch. <see cref="Z"/> is what the network reads (a family may fold its codes into it).</summary>
public sealed record GeneratorInput(Tensor Z, Tensor? Labels, IReadOnlyDictionary<string, Tensor> SideInputs);

/// <summary>Marks a <see cref="ModelKind"/> value with the family that implements it.</summary>
[AttributeUsage(AttributeTargets.Field)]
public abstract class FamilyAttribute : Attribute
{
    public abstract IGanFamily Family { get; }
}

/// <summary><c>[Family&lt;DcganFamily&gt;]</c> on a <see cref="ModelKind"/> value: the one line that registers a family.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class FamilyAttribute<T> : FamilyAttribute where T : IGanFamily, new()
{
    public override IGanFamily Family { get; } = new T();
}
