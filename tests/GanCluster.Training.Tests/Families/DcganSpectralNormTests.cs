using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Tests.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// Spectral normalisation of DCGAN's D (<c>spectralNorm</c>): the power iteration and the normalised weight's gradient on
/// a hand-computed 2 x 2 case, the network's shape (no BatchNorm, u and v saved with it), the split D step and G feedback
/// against a one-graph single-process step, and a resumed run continuing the iteration exactly.
/// </summary>
public sealed class DcganSpectralNormTests
{
    private static ExperimentSpec Tiny(int k, int imageSize = 28) => new()
    {
        Name = "tiny-dcgan-sn",
        Model = ModelKind.Dcgan,
        Dataset = DatasetKind.Mnist,
        ImageSize = imageSize,
        Loss = LossKind.NonSaturating,
        SpectralNorm = true,
        K = k,
        BatchSize = 8,
        LatentSize = 16,
        Rounds = 4,
        Seed = 31,
        Device = "cpu",
    };

    [Fact]
    public void One_power_iteration_step_gives_the_hand_computed_sigma_and_eval_mode_leaves_the_vectors_alone()
    {
        // W = [[3, 1], [1, 3]] (singular values 4 and 2), u = [1, 0]: v = W^T u / |.| = [3, 1] / sqrt(10),
        // u = W v / |.| = [10, 6] / sqrt(136), sigma = u^T W v = 136 / sqrt(1360) = sqrt(13.6).
        using var weight = tensor(new double[] { 3, 1, 1, 3 }, new long[] { 2, 2, 1, 1 });
        using var u = tensor(new double[] { 1, 0 });
        using var v = zeros(2, dtype: ScalarType.Float64);
        using (var normalised = SpectralNorm.Normalized(weight, u, v, training: true))
        {
            AssertClose(new[] { 3, 1, 1, 3 }.Select(x => x / Math.Sqrt(13.6)).ToArray(), normalised);
        }

        AssertClose(new[] { 3 / Math.Sqrt(10), 1 / Math.Sqrt(10) }, v);
        AssertClose(new[] { 10 / Math.Sqrt(136), 6 / Math.Sqrt(136) }, u);

        // Eval mode: the same vectors, the same sigma.
        using (var again = SpectralNorm.Normalized(weight, u, v, training: false))
        {
            AssertClose(new[] { 3, 1, 1, 3 }.Select(x => x / Math.Sqrt(13.6)).ToArray(), again);
        }

        AssertClose(new[] { 10 / Math.Sqrt(136), 6 / Math.Sqrt(136) }, u);

        // Training forwards converge to the largest singular value, 4.
        for (var i = 0; i < 30; i++)
        {
            SpectralNorm.Normalized(weight, u, v, training: true).Dispose();
        }

        using var converged = SpectralNorm.Normalized(weight, u, v, training: false);
        AssertClose(new[] { 0.75, 0.25, 0.25, 0.75 }, converged);
    }

    [Fact]
    public void The_gradient_reaches_the_weight_through_w_over_sigma_with_u_and_v_held()
    {
        // f = <G, W / sigma>, sigma = u^T W v with u, v constant: df/dW = G / sigma - <G, W> / sigma^2 u v^T.
        using var weight = tensor(new double[] { 3, 1, 1, 3 }, new long[] { 2, 2, 1, 1 }).requires_grad_();
        using var u = tensor(new double[] { 1, 0 });
        using var v = zeros(2, dtype: ScalarType.Float64);
        double[] g = [1, -2, 0.5, 4];
        using var upstream = tensor(g, new long[] { 2, 2, 1, 1 });
        using var normalised = SpectralNorm.Normalized(weight, u, v, training: true);
        using var f = normalised.mul(upstream).sum();
        f.backward();

        var sigma = Math.Sqrt(13.6);
        double[] w = [3, 1, 1, 3];
        var gw = g.Zip(w, (a, b) => a * b).Sum();
        double[] uu = [10 / Math.Sqrt(136), 6 / Math.Sqrt(136)];
        double[] vv = [3 / Math.Sqrt(10), 1 / Math.Sqrt(10)];
        var expected = Enumerable.Range(0, 4).Select(i => g[i] / sigma - gw / (sigma * sigma) * uu[i / 2] * vv[i % 2]).ToArray();
        AssertClose(expected, weight.grad!);
    }

    [Theory]
    [InlineData(28)]
    [InlineData(64)]
    public void The_discriminator_has_no_batch_norm_and_saves_u_and_v_beside_each_kernel(int imageSize)
    {
        using var plain = new DcganDiscriminator(imageSize);
        using var spectral = new DcganDiscriminator(imageSize, spectralNorm: true);
        Assert.Contains(plain.modules(), m => m is TorchSharp.Modules.BatchNorm);
        Assert.DoesNotContain(spectral.modules(), m => m is TorchSharp.Modules.BatchNorm);

        // The same kernels (shapes, in order) without BatchNorm's parameters; a u and a v per kernel.
        var kernels = spectral.named_parameters().Select(p => (p.name, Shape: string.Join("x", p.parameter.shape))).ToList();
        var plainKernels = plain.named_parameters().Where(p => p.parameter.dim() == 4).Select(p => string.Join("x", p.parameter.shape));
        Assert.Equal(plainKernels, kernels.Select(k => k.Shape));
        var buffers = spectral.named_buffers().Select(b => b.name).ToHashSet();
        foreach (var (name, _) in kernels)
        {
            var layer = name[..name.LastIndexOf('.')];
            Assert.Contains($"{layer}.u", buffers);
            Assert.Contains($"{layer}.v", buffers);
        }

        // A forward in training mode moves u and v; in eval mode it does not.
        using var x = rand(4, 1, imageSize, imageSize);
        var before = spectral.named_buffers().Select(b => b.buffer.clone()).ToList();
        spectral.eval();
        spectral.call(x, null).Dispose();
        Assert.All(spectral.named_buffers().Zip(before), p => Assert.True(p.First.buffer.allclose(p.Second, 0, 0)));
        spectral.train();
        spectral.call(x, null).Dispose();
        // (The head's u has one element, always 1: its kernel is a single row.)
        Assert.All(spectral.named_buffers().Zip(before).Where(p => p.Second.numel() > 1), p => Assert.False(p.First.buffer.allclose(p.Second, 0, 0)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Split_steps_match_a_single_process_dcgan_step(int k)
    {
        var spec = Tiny(k);
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new ImageGanReference<DcganGenerator>(spec, data, () => new DcganGenerator(spec.LatentSize, spec.ImageSize), () => new DcganDiscriminator(spec.ImageSize, spectralNorm: true)))
        {
            reference.AssertSplitMatches(split, rounds: 2);

            // Bit for bit: the power iteration's vectors advanced alike (one step per training forward on both sides), and the
            // weights are identical, not only within the 1e-6 of the comparison above.
            var expected = Tensors(reference.D).Concat(Tensors(reference.G)).ToList();
            var actual = Tensors(split.Discriminator.Network).Concat(Tensors(split.Generator.Network)).ToList();
            Assert.Equal(expected.Select(b => b.Item1), actual.Select(b => b.Item1));
            Assert.All(expected.Zip(actual), p => Assert.True(p.First.Item2.allclose(p.Second.Item2, 0, 0), $"{p.First.Item1} differs"));
        }
    }

    [Fact]
    public void A_restored_run_continues_the_power_iteration_exactly()
    {
        var spec = Tiny(2);
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        {
            RestoredRun.AssertContinuesExactly(spec, data, before: 1, after: 2);
        }
    }

    [Fact]
    public void Spec_validation_accepts_it_for_dcgan_and_json_names_it()
    {
        Assert.Empty(SpecValidator.Validate(Tiny(1)));
        Assert.True(SpecJson.Parse("{\"model\": \"dcgan\", \"spectralNorm\": true}").SpectralNorm);
        Assert.Null(SpecJson.Parse("{\"model\": \"dcgan\"}").SpectralNorm);
    }

    /// <summary>A network's buffers and parameters by name.</summary>
    private static IEnumerable<(string, Tensor)> Tensors(nn.Module module) =>
        module.named_buffers().Select(b => (b.name, b.buffer)).Concat(module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var values = actual.detach().to_type(ScalarType.Float64).flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-9, $"element {i}: expected {expected[i]}, got {values[i]}");
        }
    }
}
