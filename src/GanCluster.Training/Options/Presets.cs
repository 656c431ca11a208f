namespace GanCluster.Training.Options;

/// <summary>Named experiments for the common cases; any field can then be overridden.</summary>
public static class Presets
{
    private static readonly Dictionary<string, ExperimentSpec> All = new(StringComparer.OrdinalIgnoreCase)
    {
        // Goodfellow et al. (2014) on MNIST: maxout D with dropout, SGD with momentum, k = 1.
        ["goodfellow-mnist"] = new ExperimentSpec
        {
            Name = "goodfellow-mnist",
            Model = ModelKind.Mlp,
            Dataset = DatasetKind.Mnist,
            Loss = LossKind.NonSaturating,
            K = 1,
            BatchSize = 100,
            LatentSize = 100,
            GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.5 },
            DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.5 },
            Rounds = 5000,
            CheckpointInterval = 1000,
            // Samples and evaluation from the average of G's weights; training itself is the paper's (docs/QUALITY.md).
            GeneratorEma = 0.999,
        },
        // The same networks with Adam (lr 2e-4, beta1 0.5), a minibatch-std feature in D against mode dropping and
        // samples from the average of G's weights: the best MNIST preset here (docs/QUALITY.md has the measurements).
        ["mlp-mnist"] = new ExperimentSpec
        {
            Name = "mlp-mnist",
            Model = ModelKind.Mlp,
            Dataset = DatasetKind.Mnist,
            Loss = LossKind.NonSaturating,
            BatchSize = 100,
            Rounds = 8000,
            CheckpointInterval = 2000,
            GeneratorEma = 0.999,
            MinibatchStd = true,
        },
        // Conditional GAN (Mirza & Osindero 2014): the digit class is fed to G and D.
        ["cgan-mnist"] = new ExperimentSpec
        {
            Name = "cgan-mnist",
            Model = ModelKind.Mlp,
            Conditional = true,
            Dataset = DatasetKind.Mnist,
            Loss = LossKind.NonSaturating,
            BatchSize = 100,
            Rounds = 2000,
            CheckpointInterval = 500,
            GeneratorEma = 0.999,
        },
        // DCGAN (Radford et al. 2015) at 28x28.
        ["dcgan-mnist"] = new ExperimentSpec
        {
            Name = "dcgan-mnist",
            Model = ModelKind.Dcgan,
            Dataset = DatasetKind.Mnist,
            ImageSize = 28,
            Loss = LossKind.NonSaturating,
            BatchSize = 64,
            Rounds = 1000,
            CheckpointInterval = 250,
        },
        // The canonical 64x64 DCGAN (digits upsampled to 64x64).
        ["dcgan-64"] = new ExperimentSpec
        {
            Name = "dcgan-64",
            Model = ModelKind.Dcgan,
            Dataset = DatasetKind.Mnist,
            ImageSize = 64,
            Loss = LossKind.NonSaturating,
            BatchSize = 16,
            Rounds = 500,
            CheckpointInterval = 100,
        },
        // 8 Gaussians on a ring: the standard mode-collapse benchmark.
        ["ring8"] = new ExperimentSpec
        {
            Name = "ring8",
            Model = ModelKind.Toy,
            Dataset = DatasetKind.Ring8,
            Loss = LossKind.NonSaturating,
            BatchSize = 256,
            LatentSize = 16,
            GeneratorOptimizer = new OptimizerSpec { LearningRate = 1e-3, Beta1 = 0.5 },
            DiscriminatorOptimizer = new OptimizerSpec { LearningRate = 1e-3, Beta1 = 0.5 },
            Rounds = 3000,
            CheckpointInterval = 1000,
        },
        // 25 Gaussians on a 5x5 grid.
        ["grid25"] = new ExperimentSpec
        {
            Name = "grid25",
            Model = ModelKind.Toy,
            Dataset = DatasetKind.Grid25,
            Loss = LossKind.NonSaturating,
            BatchSize = 256,
            LatentSize = 16,
            GeneratorOptimizer = new OptimizerSpec { LearningRate = 1e-3, Beta1 = 0.5 },
            DiscriminatorOptimizer = new OptimizerSpec { LearningRate = 1e-3, Beta1 = 0.5 },
            Rounds = 5000,
            CheckpointInterval = 1000,
        },
    };

    public static IEnumerable<string> Names => All.Keys;

    public static bool TryGet(string name, out ExperimentSpec spec)
    {
        if (All.TryGetValue(name, out var found))
        {
            spec = found;
            return true;
        }

        spec = null!;
        return false;
    }

    /// <summary>
    /// Resolves "a preset name or a path to a JSON file" the way every command accepts experiments.
    /// </summary>
    public static ExperimentSpec Resolve(string presetOrPath)
    {
        if (TryGet(presetOrPath, out var spec))
        {
            return spec;
        }

        if (File.Exists(presetOrPath))
        {
            return SpecJson.Parse(File.ReadAllText(presetOrPath));
        }

        throw new SpecValidationException([new SpecError("experiment",
            $"'{presetOrPath}' is neither a preset nor an existing JSON file; presets: {string.Join(", ", Names)}")]);
    }
}
