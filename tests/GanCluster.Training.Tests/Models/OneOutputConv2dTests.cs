using GanCluster.Training.Models;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Models;

/// <summary>
/// <see cref="OneOutputConv2d"/> against a convolution: the same parameters as a Conv2d (names, shapes, initial values),
/// and the same output and gradients as <c>conv2d</c> computed in float64 (libtorch's float64 convolution does not use
/// oneDNN, so the reference cannot carry the NaN the layer avoids).
/// </summary>
public sealed class OneOutputConv2dTests
{
    [Theory]
    [InlineData(32, 3, 1, 1, 28, true)] // LAPGAN's residual generators, level 0
    [InlineData(128, 7, 1, 0, 7, false)] // DCGAN 28x28's and VAE-GAN's heads
    [InlineData(512, 4, 1, 0, 4, false)] // DCGAN 64x64's head
    [InlineData(8, 4, 2, 1, 14, true)] // a stride and padding together
    [InlineData(16, 5, 1, 0, 5, true)] // a kernel covering the input, with a bias
    public void It_computes_a_convolution_and_its_gradients(long inputs, long kernel, long stride, long padding, long side, bool hasBias)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var layer = new OneOutputConv2d(inputs, kernel, stride, padding, hasBias);
        var x = randn(3, inputs, side, side).requires_grad_(true);
        var y = layer.call(x);
        var upstream = randn_like(y);
        y.backward([upstream]);

        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var weight = parameters["weight"].detach().to(float64).requires_grad_(true);
        var bias = hasBias ? parameters["bias"].detach().to(float64).requires_grad_(true) : null;
        var x64 = x.detach().to(float64).requires_grad_(true);
        var reference = F.conv2d(x64, weight, bias, strides: [stride, stride], padding: [padding, padding]);
        reference.backward([upstream.to(float64)]);

        Assert.Equal(reference.shape, y.shape);
        AssertClose(reference, y);
        AssertClose(x64.grad!, x.grad!);
        AssertClose(weight.grad!, parameters["weight"].grad!);
        if (bias is not null)
        {
            AssertClose(bias.grad!, parameters["bias"].grad!);
        }
    }

    [Fact]
    public void Its_parameters_are_a_conv2ds_names_shapes_and_initial_values()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var conv = nn.Conv2d(32, 1, 3, 1, 1);
        var afterConv = rand(1).item<float>();
        manual_seed(11);
        using var layer = new OneOutputConv2d(32, 3, 1, 1);
        var afterLayer = rand(1).item<float>();

        var expected = conv.state_dict();
        var actual = layer.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, value) in expected)
        {
            Assert.True(value.allclose(actual[name], rtol: 0, atol: 0), name);
        }

        // The random stream moved on by the same draws, so the layers built after it initialize as before.
        Assert.Equal(afterConv, afterLayer);

        // A Conv2d's weights (a checkpoint from before the layer existed) load strictly.
        using var other = new OneOutputConv2d(32, 3, 1, 1);
        other.load_state_dict(expected, strict: true);
        Assert.True(other.state_dict()["weight"].allclose(expected["weight"], rtol: 0, atol: 0));

        using var noBias = new OneOutputConv2d(128, 7, 1, 0, hasBias: false);
        Assert.Equal(["weight"], noBias.state_dict().Keys);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        var difference = (expected - actual.to(float64)).abs().max().item<double>();
        var scale = Math.Max(1.0, expected.abs().max().item<double>());
        Assert.True(difference <= 1e-5 * scale, $"max |difference| {difference} (scale {scale})");
    }
}
