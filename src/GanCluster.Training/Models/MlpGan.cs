using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// Goodfellow et al. (2014) MNIST generator: z (100) -> 1200 -> 1200 -> 784, ReLU hidden units, sigmoid
/// output. Conditional (Mirza &amp; Osindero 2014): the label's one-hot is concatenated to z.
/// </summary>
public sealed class MlpGenerator : GeneratorNet
{
    private readonly TorchSharp.Modules.Linear fc1;
    private readonly TorchSharp.Modules.Linear fc2;
    private readonly TorchSharp.Modules.Linear fc3;
    private readonly int _classes;

    public MlpGenerator(int latentSize, int classes = 0, int hidden = 1200) : base(nameof(MlpGenerator))
    {
        _classes = classes;
        fc1 = Linear(latentSize + classes, hidden);
        fc2 = Linear(hidden, hidden);
        fc3 = Linear(hidden, 28 * 28);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = _classes > 0 ? cat(new[] { z, LabelFeatures.OneHot(LabelFeatures.Require(labels, "cgan"), _classes, z.dtype) }, 1) : z;
        var h = functional.relu(fc1.call(input));
        h = functional.relu(fc2.call(h));
        return sigmoid(fc3.call(h)).view(-1, 1, 28, 28).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Goodfellow et al. (2014) MNIST discriminator: two maxout layers (240 units x 5 pieces) with dropout,
/// then one output unit. Dropout follows the paper's pylearn2 configuration: 0.2 on the input, 0.5 on
/// hidden layers. The output is the logit; D(x) = sigmoid(logit).
/// </summary>
public sealed class MlpDiscriminator : DiscriminatorNet
{
    private readonly Maxout maxout1;
    private readonly Maxout maxout2;
    private readonly TorchSharp.Modules.Linear output;
    private readonly TorchSharp.Modules.Dropout inputDropout;
    private readonly TorchSharp.Modules.Dropout hiddenDropout;
    private readonly int _classes;

    public MlpDiscriminator(int packing = 1, int classes = 0, int units = 240, int pieces = 5) : base(nameof(MlpDiscriminator))
    {
        _classes = classes;
        maxout1 = new Maxout(packing * (28 * 28 + classes), units, pieces);
        maxout2 = new Maxout(units, units, pieces);
        output = Linear(units, 1);
        inputDropout = Dropout(0.2);
        hiddenDropout = Dropout(0.5);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = x.flatten(1);
        if (_classes > 0)
        {
            input = cat(new[] { input, LabelFeatures.PackedOneHot(LabelFeatures.Require(labels, "cgan"), _classes, x.dtype) }, 1);
        }

        var h = maxout1.call(inputDropout.call(input));
        h = maxout2.call(hiddenDropout.call(h));
        return output.call(hiddenDropout.call(h)).view(-1).MoveToOuterDisposeScope();
    }
}
