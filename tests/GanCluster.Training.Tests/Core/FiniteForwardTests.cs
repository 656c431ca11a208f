using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>The evaluation forward that is computed again after a non-finite output, and only for finite weights.</summary>
public sealed class FiniteForwardTests
{
    [Fact]
    public void A_non_finite_output_of_finite_weights_is_computed_again()
    {
        var calls = 0;
        using var output = FiniteForward.Run(
            () => ++calls == 1 ? tensor(new[] { 1f, float.PositiveInfinity }) : tensor(new[] { 1f, 2f }),
            () => true,
            out var retries);
        Assert.Equal(2, calls);
        Assert.Equal(1, retries);
        Assert.Equal(new[] { 1f, 2f }, output.data<float>().ToArray());
    }

    [Fact]
    public void It_gives_up_after_the_attempts_and_returns_the_last_output()
    {
        var calls = 0;
        using var output = FiniteForward.Run(() => { calls++; return tensor(new[] { float.NaN }); }, () => true, out var retries);
        Assert.Equal(FiniteForward.Attempts, calls);
        Assert.Equal(FiniteForward.Attempts - 1, retries);
        Assert.False(FiniteForward.AllFinite(output));
    }

    [Fact]
    public void A_network_with_non_finite_weights_is_not_retried()
    {
        using var layer = nn.Linear(2, 1);
        using (no_grad())
        {
            layer.weight!.fill_(KeptScalars.OfSingle(float.NaN));
        }

        var calls = 0;
        using var input = ones(1, 2);
        using var output = FiniteForward.Run(() => { calls++; return layer.call(input); }, () => FiniteForward.ParametersFinite(layer), out var retries);
        Assert.Equal(1, calls);
        Assert.Equal(0, retries);
        Assert.False(FiniteForward.ParametersFinite(layer));
    }

    [Fact]
    public void A_finite_output_is_computed_once()
    {
        var calls = 0;
        using var output = FiniteForward.Run(() => { calls++; return ones(3); }, () => throw new InvalidOperationException("weights not checked"), out var retries);
        Assert.Equal(1, calls);
        Assert.Equal(0, retries);
    }
}
