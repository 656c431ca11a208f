using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>A small MLP generator for 2-D toy data: z -> 128 -> 128 -> 2, ReLU, linear output.</summary>
public sealed class ToyGenerator : GeneratorNet
{
    private readonly TorchSharp.Modules.Sequential main;
    private readonly int _classes;

    public ToyGenerator(int latentSize, int classes = 0, int hidden = 128) : base(nameof(ToyGenerator))
    {
        _classes = classes;
        main = Sequential(Linear(latentSize + classes, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, 2));
        RegisterComponents();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = _classes > 0 ? cat(new[] { z, LabelFeatures.OneHot(LabelFeatures.Require(labels, "conditional toy"), _classes, z.dtype) }, 1) : z;
        return main.call(input).MoveToOuterDisposeScope();
    }
}

/// <summary>A small MLP discriminator for 2-D toy data: m x 2 (+ m x classes) -> 128 -> 128 -> 1, LeakyReLU(0.2).</summary>
public sealed class ToyDiscriminator : DiscriminatorNet
{
    private readonly TorchSharp.Modules.Sequential main;
    private readonly int _classes;

    public ToyDiscriminator(int packing = 1, int classes = 0, int hidden = 128) : base(nameof(ToyDiscriminator))
    {
        _classes = classes;
        main = Sequential(Linear(packing * (2 + classes), hidden), LeakyReLU(0.2), Linear(hidden, hidden), LeakyReLU(0.2), Linear(hidden, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = x.flatten(1);
        if (_classes > 0)
        {
            input = cat(new[] { input, LabelFeatures.PackedOneHot(LabelFeatures.Require(labels, "conditional toy"), _classes, x.dtype) }, 1);
        }

        return main.call(input).view(-1).MoveToOuterDisposeScope();
    }
}
