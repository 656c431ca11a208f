using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Models;

/// <summary>
/// Goodfellow et al. (2014) MNIST generator: z (100) -> 1200 -> 1200 -> 784, ReLU hidden units, sigmoid
/// output reshaped to [N, 1, 28, 28] (<see cref="SampleRange.UnitInterval"/>). Conditional (Mirza &amp;
/// Osindero 2014): the label's one-hot is concatenated to z at the input.
/// State-dict keys: <c>fc1.weight</c>, <c>fc1.bias</c>, <c>fc2.*</c>, <c>fc3.*</c>.
/// </summary>
public sealed class MlpGenerator : GeneratorNet
{
    /// <summary>Side of the generated images.</summary>
    public const int ImageSide = 28;

    /// <summary>pylearn2's irange for the generator in the paper's mnist.yaml.</summary>
    public const double DefaultInitRange = 0.05;

    [ComponentName(Name = "fc1")]
    private readonly TorchSharp.Modules.Linear _fc1;
    [ComponentName(Name = "fc2")]
    private readonly TorchSharp.Modules.Linear _fc2;
    [ComponentName(Name = "fc3")]
    private readonly TorchSharp.Modules.Linear _fc3;
    private readonly int _latentSize;
    private readonly int _classes;

    /// <param name="latentSize">Dimension of z (the paper: 100).</param>
    /// <param name="classes">Number of classes for a conditional generator; 0 = unconditional.</param>
    /// <param name="hidden">Width of both hidden layers (the paper: 1200).</param>
    /// <param name="initRange">Weights start U(-initRange, initRange), biases 0.</param>
    public MlpGenerator(int latentSize, int classes = 0, int hidden = 1200, double initRange = DefaultInitRange)
        : base(nameof(MlpGenerator))
    {
        if (latentSize < 1 || classes < 0 || hidden < 1 || !(initRange > 0))
        {
            throw new ArgumentException($"mlp generator: latentSize >= 1, classes >= 0, hidden >= 1, initRange > 0; got {latentSize}, {classes}, {hidden}, {initRange}");
        }

        _latentSize = latentSize;
        _classes = classes;
        _fc1 = Linear(latentSize + classes, hidden);
        _fc2 = Linear(hidden, hidden);
        _fc3 = Linear(hidden, ImageSide * ImageSide);
        RegisterComponents();

        // pylearn2's irange initialization as in the paper's configuration. Its output bias came from the
        // data's pixel marginals (init_sigmoid_bias_from_marginals); the network does not see the data, so
        // the bias starts at 0 (sigmoid 0.5) and the first updates learn it.
        WeightInit.UniformLinear(this, initRange);
    }

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = NetInputs.GeneratorInput("mlp generator", z, labels, _latentSize, _classes);
        var h = functional.relu(_fc1.call(input));
        h = functional.relu(_fc2.call(h));
        return sigmoid(_fc3.call(h)).view(-1, 1, ImageSide, ImageSide).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Goodfellow et al. (2014) MNIST discriminator: input (m x 784, + m x classes one-hot when conditional)
/// -> maxout 240 units x 5 pieces -> maxout 240 x 5 -> one linear output, with dropout in front of every
/// layer (0.2 on the pixels, 0.5 on hidden units). The output is the logit, shape [B]; D(x) = sigmoid(logit).
/// State-dict keys: <c>maxout1.linear.weight</c>, <c>maxout1.linear.bias</c>, <c>maxout2.linear.*</c>,
/// <c>output.weight</c>, <c>output.bias</c>. With the minibatch standard deviation feature (Karras et al. 2018)
/// the keys stay the same and <c>maxout2.linear.weight</c> takes one more input column.
/// </summary>
public sealed class MlpDiscriminator : DiscriminatorNet
{
    /// <summary>pylearn2's irange for the discriminator in the paper's mnist.yaml.</summary>
    public const double DefaultInitRange = 0.005;

    private const long PixelsPerSample = MlpGenerator.ImageSide * MlpGenerator.ImageSide;

    [ComponentName(Name = "maxout1")]
    private readonly Maxout _maxout1;
    [ComponentName(Name = "maxout2")]
    private readonly Maxout _maxout2;
    [ComponentName(Name = "output")]
    private readonly TorchSharp.Modules.Linear _output;
    [ComponentName(Name = "input_dropout")]
    private readonly TorchSharp.Modules.Dropout _inputDropout;
    [ComponentName(Name = "hidden_dropout")]
    private readonly TorchSharp.Modules.Dropout _hiddenDropout;
    private readonly int _packing;
    private readonly int _classes;
    private readonly bool _minibatchStd;

    /// <param name="packing">PacGAN packing m: samples judged together (1 = off).</param>
    /// <param name="classes">Number of classes for a conditional discriminator; 0 = unconditional.</param>
    /// <param name="minibatchStd">Append the batch's mean feature standard deviation to the first hidden layer (<see cref="MinibatchStd"/>): maxout2 then takes units + 1 inputs.</param>
    /// <param name="units">Maxout units per hidden layer (the paper: 240).</param>
    /// <param name="pieces">Pieces per maxout unit (the paper: 5).</param>
    /// <param name="inputDropout">Drop probability on the input (pylearn2 config: include 0.8, so 0.2).</param>
    /// <param name="hiddenDropout">Drop probability on hidden layers (pylearn2 config: include 0.5).</param>
    /// <param name="initRange">Weights start U(-initRange, initRange), biases 0.</param>
    public MlpDiscriminator(
        int packing = 1,
        int classes = 0,
        bool minibatchStd = false,
        int units = 240,
        int pieces = 5,
        double inputDropout = 0.2,
        double hiddenDropout = 0.5,
        double initRange = DefaultInitRange)
        : base(nameof(MlpDiscriminator))
    {
        if (packing < 1 || classes < 0 || !(initRange > 0) || inputDropout is < 0 or >= 1 || hiddenDropout is < 0 or >= 1)
        {
            throw new ArgumentException(
                $"mlp discriminator: packing >= 1, classes >= 0, dropout in [0, 1), initRange > 0; got {packing}, {classes}, {inputDropout}, {hiddenDropout}, {initRange}");
        }

        _packing = packing;
        _classes = classes;
        _minibatchStd = minibatchStd;
        _maxout1 = new Maxout(packing * (PixelsPerSample + classes), units, pieces);
        _maxout2 = new Maxout(minibatchStd ? units + 1 : units, units, pieces);
        _output = Linear(units, 1);

        // The paper's pylearn2 configuration (adversarial/mnist.yaml) drops inputs with probability 0.2 and
        // hidden units with 0.5, scaling kept values by 1/keep during training (inverted dropout, which is
        // what torch's dropout does too). torch's dropout draws its masks from the global generator: the
        // discriminator half swaps its own generator state in around every step, which keeps its masks
        // independent of whatever else the process does. Nothing else in this network is random.
        _inputDropout = Dropout(inputDropout);
        _hiddenDropout = Dropout(hiddenDropout);
        RegisterComponents();
        WeightInit.UniformLinear(this, initRange);
    }

    public override Tensor forward(Tensor x, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        NetInputs.RequireFeatures("mlp discriminator", x, _packing * PixelsPerSample);
        var input = _inputDropout.call(x.flatten(1));

        // Input dropout covers the pixels only: a label is a single active unit, and dropping it would hide
        // the condition from D for a fifth of the samples instead of regularizing it.
        var labelFeatures = NetInputs.PackedOneHot("mlp discriminator", labels, x.shape[0], _packing, _classes, x.dtype);
        if (labelFeatures is not null)
        {
            input = cat(new[] { input, labelFeatures }, 1);
        }

        var h = _hiddenDropout.call(_maxout1.call(input));
        if (_minibatchStd)
        {
            // After dropout: the statistic describes what the next layer sees, and is itself never dropped.
            h = MinibatchStd.Append(h);
        }

        h = _maxout2.call(h);
        return _output.call(_hiddenDropout.call(h)).view(-1).MoveToOuterDisposeScope();
    }
}
