using GanCluster.Training.Data;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>Small experiments and data sets that keep TorchSharp tests fast.</summary>
internal static class TinyData
{
    public static ExperimentSpec Toy(LossKind loss, int k, bool conditional = false, int packing = 1) => new()
    {
        Name = "tiny-toy",
        Model = ModelKind.Toy,
        Dataset = DatasetKind.Ring8,
        Conditional = conditional,
        Loss = loss,
        K = k,
        BatchSize = 16,
        LatentSize = 4,
        Packing = packing,
        Rounds = 10,
        Seed = 7,
        Device = "cpu",
        Mixture = new MixtureSpec { Samples = 256 },
        GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Adam, LearningRate = 1e-3 },
        DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.5 },
    };

    public static ExperimentSpec Mlp(LossKind loss, int k) => new()
    {
        Name = "tiny-mlp",
        Model = ModelKind.Mlp,
        Dataset = DatasetKind.Mnist,
        Loss = loss,
        K = k,
        BatchSize = 8,
        LatentSize = 100,
        Rounds = 10,
        Seed = 11,
        Device = "cpu",
    };

    /// <summary>The mixture's own training split, as the discriminator reads it.</summary>
    public static SampleSet Points(ExperimentSpec spec) => DatasetCatalog.Load(spec).Train;

    /// <summary>A few random "images" in [0, 1]: enough for the math, no file access.</summary>
    public static SampleSet Images(int count = 64)
    {
        using var generator = new Generator(123);
        return new SampleSet(rand(new long[] { count, 1, 28, 28 }, generator: generator), randint(0, 10, count, dtype: int64, generator: generator), 10, "random test images");
    }
}
