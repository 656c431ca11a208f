using GanCluster.Training.Core;
using GanCluster.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// The scalar-safe replacements (see KeptScalars) must compute exactly what TorchSharp's own code computes, so that
/// checkpoints and runs of earlier versions stay comparable.
/// </summary>
public sealed class SafeOptimizersTests
{
    private static (TorchSharp.Modules.Parameter A, TorchSharp.Modules.Parameter B) Twins(long seed)
    {
        manual_seed(seed);
        var data = randn(5, 3);
        return (new TorchSharp.Modules.Parameter(data.clone()), new TorchSharp.Modules.Parameter(data.clone()));
    }

    private static void Steps(optim.Optimizer optimizer, TorchSharp.Modules.Parameter p, long seed)
    {
        manual_seed(seed);
        for (var i = 0; i < 5; i++)
        {
            optimizer.zero_grad();
            using var target = randn(5, 3);
            using var loss = (p - target).square().sum();
            loss.backward();
            optimizer.step();
        }
    }

    [Fact]
    public void SafeAdam_updates_parameters_bit_for_bit_like_TorchSharp_Adam()
    {
        var (a, b) = Twins(1);
        using var safe = new SafeAdam([a], 2e-4, 0.5, 0.999);
        using var reference = optim.Adam([b], 2e-4, 0.5, 0.999);
        Steps(safe, a, 2);
        Steps(reference, b, 2);
        Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
    }

    [Fact]
    public void SafeSgd_updates_parameters_bit_for_bit_like_TorchSharp_SGD_with_momentum()
    {
        var (a, b) = Twins(3);
        using var safe = new SafeSgd([a], 0.1, 0.5);
        using var reference = optim.SGD([b], 0.1, 0.5);
        Steps(safe, a, 4);
        Steps(reference, b, 4);
        Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
    }

    [Fact]
    public void Softplus_matches_torch_softplus_including_large_scores()
    {
        using var x = tensor(new[] { -80f, -20f, -1f, 0f, 0.5f, 3f, 19f, 21f, 80f });
        using var ours = Losses.Softplus(x);
        using var reference = nn.functional.softplus(x);
        Assert.True(ours.allclose(reference, rtol: 1e-6, atol: 1e-6), string.Join(", ", ours.data<float>().ToArray()));
    }

    [Fact]
    public void KeptBatchNorm2d_matches_TorchSharp_BatchNorm2d_in_training_and_eval()
    {
        manual_seed(5);
        using var input = randn(4, 3, 5, 5);
        using var ours = new KeptBatchNorm2d(3);
        using var reference = nn.BatchNorm2d(3);
        Assert.Equal(reference.state_dict().Keys.Order(), ours.state_dict().Keys.Order());
        for (var i = 0; i < 3; i++)
        {
            using var a = ours.call(input);
            using var b = reference.call(input);
            Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
        }

        Assert.Equal(reference.num_batches_tracked!.item<long>(), ours.num_batches_tracked!.item<long>());
        ours.eval();
        reference.eval();
        using var ea = ours.call(input);
        using var eb = reference.call(input);
        Assert.Equal(eb.data<float>().ToArray(), ea.data<float>().ToArray());
    }
}
