using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Metrics;

/// <summary>
/// The small CNN behind the MNIST quality metrics (class distribution of generated digits and the "MNIST FID"):
/// conv 5x5 (1 -> 32) -> ReLU -> max-pool 2 -> conv 5x5 (32 -> 64) -> ReLU -> max-pool 2 -> fc 3136 -> 128 -> ReLU
/// (the features) -> dropout -> fc 128 -> 10 (logits). Input: [N, 1, 28, 28] in [0, 1].
/// State-dict keys: <c>conv1.*</c>, <c>conv2.*</c>, <c>fc1.*</c>, <c>fc2.*</c> (renaming a field changes the shipped
/// weights' format).
/// </summary>
public sealed class MnistClassifierNet : Module<Tensor, Tensor>
{
    /// <summary>Width of the penultimate layer, the feature space of the Frechet distance.</summary>
    public const int FeatureSize = 128;

    /// <summary>Number of classes.</summary>
    public const int Classes = 10;

    [ComponentName(Name = "conv1")]
    private readonly TorchSharp.Modules.Conv2d _conv1;
    [ComponentName(Name = "conv2")]
    private readonly TorchSharp.Modules.Conv2d _conv2;
    [ComponentName(Name = "fc1")]
    private readonly TorchSharp.Modules.Linear _fc1;
    [ComponentName(Name = "fc2")]
    private readonly TorchSharp.Modules.Linear _fc2;
    [ComponentName(Name = "dropout")]
    private readonly TorchSharp.Modules.Dropout _dropout;

    public MnistClassifierNet()
        : base(nameof(MnistClassifierNet))
    {
        _conv1 = Conv2d(1, 32, 5, padding: 2);
        _conv2 = Conv2d(32, 64, 5, padding: 2);
        _fc1 = Linear(64 * 7 * 7, FeatureSize);
        _fc2 = Linear(FeatureSize, Classes);
        _dropout = Dropout(0.3);
        RegisterComponents();
    }

    /// <summary>The penultimate activations [N, <see cref="FeatureSize"/>] (after the ReLU, like Inception's pool features).</summary>
    public Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = functional.max_pool2d(functional.relu(_conv1.call(x)), 2);
        h = functional.max_pool2d(functional.relu(_conv2.call(h)), 2);
        return functional.relu(_fc1.call(h.flatten(1))).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [N, 10].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _fc2.call(_dropout.call(Features(x))).MoveToOuterDisposeScope();
    }
}
