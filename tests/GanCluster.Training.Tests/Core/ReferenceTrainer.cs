using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// What every single-module reference trainer in the equivalence tests shares with the halves: G built and run in G's
/// random stream (seed stream 1), D in D's (stream 2), both optimizers from the spec, and real batches from the sampler
/// seeded as the discriminator half seeds it (stream 4). Each test's reference writes only its family's steps, as
/// plainly as possible in one graph per step, so that the split version can be compared against it.
/// </summary>
public abstract class ReferenceTrainer<TGenerator, TDiscriminator> : IDisposable
    where TGenerator : nn.Module
    where TDiscriminator : nn.Module
{
    protected ReferenceTrainer(ExperimentSpec spec, SampleSet data, Func<TGenerator> generator, Func<TDiscriminator> discriminator)
    {
        Spec = spec;
        GeneratorRng = new RngStream(RngStream.Derive(spec.Seed, 1));
        DiscriminatorRng = new RngStream(RngStream.Derive(spec.Seed, 2));
        G = GeneratorRng.Run(generator);
        D = DiscriminatorRng.Run(discriminator);
        GeneratorOptimizer = OptimizerFactory.Create(spec.GeneratorOptimizer, G.parameters());
        DiscriminatorOptimizer = OptimizerFactory.Create(spec.DiscriminatorOptimizer, D.parameters());
        Sampler = new BatchSampler(data, RngStream.Derive(spec.Seed, 4));
    }

    public TGenerator G { get; }

    public TDiscriminator D { get; }

    protected ExperimentSpec Spec { get; }

    protected RngStream GeneratorRng { get; }

    protected RngStream DiscriminatorRng { get; }

    protected optim.Optimizer GeneratorOptimizer { get; }

    protected optim.Optimizer DiscriminatorOptimizer { get; }

    protected BatchSampler Sampler { get; }

    public void Dispose()
    {
        GeneratorOptimizer.Dispose();
        DiscriminatorOptimizer.Dispose();
        G.Dispose();
        D.Dispose();
        GeneratorRng.Dispose();
        DiscriminatorRng.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A reference for the score-based families (the catalog's networks): noise (and class labels) as G's half draws them, and D's score of a packed batch.</summary>
public abstract class ScoreReferenceTrainer(ExperimentSpec spec, SampleSet data)
    : ReferenceTrainer<GeneratorNet, DiscriminatorNet>(spec, data, () => FamilyCatalog.CreateGenerator(spec), () => FamilyCatalog.CreateDiscriminator(spec))
{
    protected (Tensor Z, Tensor? Labels) Noise()
    {
        // The toy family's uniform noise: U(-1, 1) as one rand draw, doubled and shifted.
        var z = Spec.Model == ModelKind.Toy && Spec.Toy.Noise == LatentNoise.Uniform
            ? Pixels.ToSymmetric(rand(Spec.BatchSize, Spec.LatentSize))
            : randn(Spec.BatchSize, Spec.LatentSize);
        Tensor? labels = Spec.Conditional ? randint(0, Spec.Classes, Spec.BatchSize, dtype: int64) : null;
        return (z, labels);
    }

    /// <summary>D's scores of <paramref name="x"/> packed m at a time along the channel axis (PacGAN).</summary>
    protected Tensor Score(Tensor x, Tensor? labels)
    {
        var m = Spec.Packing;
        var shape = x.shape.ToArray();
        shape[1] *= m;
        shape[0] /= m;
        return D.call(x.reshape(shape), labels?.reshape(-1, m));
    }
}
