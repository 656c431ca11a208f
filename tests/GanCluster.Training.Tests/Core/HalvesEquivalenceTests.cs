using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// The split is exact: the generator half backpropagates the gradient the discriminator half sends, and
/// that gives the same weights as a plain single-module step of the same math.
/// </summary>
public sealed class HalvesEquivalenceTests
{
    public static TheoryData<LossKind, int> LossesAndK()
    {
        var data = new TheoryData<LossKind, int>();
        foreach (var loss in Enum.GetValues<LossKind>())
        {
            data.Add(loss, 1);
            data.Add(loss, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LossesAndK))]
    public void Toy_halves_match_the_single_module_reference(LossKind loss, int k)
    {
        var spec = TinyData.Toy(loss, k);
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3);
    }

    [Theory]
    [MemberData(nameof(LossesAndK))]
    public void Maxout_mlp_halves_with_dropout_match_the_single_module_reference(LossKind loss, int k)
    {
        var spec = TinyData.Mlp(loss, k);
        using var data = TinyData.Images();
        AssertHalvesMatchReference(spec, data, rounds: 2);
    }

    [Fact]
    public void Conditional_packed_halves_match_the_single_module_reference()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 2, conditional: true, packing: 2);
        using var data = TinyData.Points(spec);
        AssertHalvesMatchReference(spec, data, rounds: 3);
    }

    private static void AssertHalvesMatchReference(ExperimentSpec spec, SampleSet data, int rounds)
    {
        using var trainer = new LocalTrainer(spec, data, CPU);
        using var reference = new ReferenceGan(spec, data);
        for (var round = 0; round < rounds; round++)
        {
            var split = trainer.RunRound();
            var (dLoss, gLoss) = reference.Round();
            Assert.Equal(dLoss, split.DLoss, 5);
            Assert.Equal(gLoss, split.GLoss, 5);
        }

        AssertSameParameters(reference.G, trainer.Generator.Network);
        AssertSameParameters(reference.D, trainer.Discriminator.Network);
    }

    private static void AssertSameParameters(nn.Module expected, nn.Module actual)
    {
        var e = expected.named_parameters().ToList();
        var a = actual.named_parameters().ToList();
        Assert.Equal(e.Select(p => p.name), a.Select(p => p.name));
        var anyChanged = false;
        for (var i = 0; i < e.Count; i++)
        {
            var diff = (e[i].parameter - a[i].parameter).abs().max().item<float>();
            Assert.True(diff <= 1e-6, $"{e[i].name} differs by {diff}");
            anyChanged |= e[i].parameter.requires_grad;
        }

        Assert.True(anyChanged);
    }

    /// <summary>
    /// The textbook step, written as plainly as possible: G and D in one graph, loss.backward(), step. It
    /// uses the same seeds and random streams as the halves so that the two see the same noise and data.
    /// </summary>
    private sealed class ReferenceGan : IDisposable
    {
        private readonly ExperimentSpec _spec;
        private readonly RngStream _gRng;
        private readonly RngStream _dRng;
        private readonly optim.Optimizer _gOpt;
        private readonly optim.Optimizer _dOpt;
        private readonly BatchSampler _sampler;

        public ReferenceGan(ExperimentSpec spec, SampleSet data)
        {
            _spec = spec;
            _gRng = new RngStream(RngStream.Derive(spec.Seed, 1));
            _dRng = new RngStream(RngStream.Derive(spec.Seed, 2));
            G = _gRng.Run(() => ModelFactory.CreateGenerator(spec));
            D = _dRng.Run(() => ModelFactory.CreateDiscriminator(spec));
            _gOpt = OptimizerFactory.Create(spec.GeneratorOptimizer, G.parameters());
            _dOpt = OptimizerFactory.Create(spec.DiscriminatorOptimizer, D.parameters());
            _sampler = new BatchSampler(data, RngStream.Derive(spec.Seed, 4));
        }

        public GeneratorNet G { get; }

        public DiscriminatorNet D { get; }

        public (double DLoss, double GLoss) Round()
        {
            double dLoss = 0;
            for (var step = 0; step < _spec.K; step++)
            {
                var (fake, fakeLabels) = _gRng.Run(() =>
                {
                    using var noGrad = no_grad();
                    var (z, labels) = Noise();
                    return (G.call(z, labels), labels);
                });
                dLoss += _dRng.Run(() =>
                {
                    var (real, realLabels) = _sampler.Next(_spec.BatchSize);
                    var loss = Losses.Discriminator(_spec.Loss, Score(real, _spec.Conditional ? realLabels : null), Score(fake.detach(), fakeLabels));
                    _dOpt.zero_grad();
                    loss.backward();
                    _dOpt.step();
                    return loss.item<float>();
                });
            }

            var (fakeForG, labelsForG) = _gRng.Run(() =>
            {
                var (z, labels) = Noise();
                return (G.call(z, labels), labels);
            });
            var gLoss = _dRng.Run(() =>
            {
                var loss = Losses.Generator(_spec.Loss, Score(fakeForG, labelsForG));
                _gOpt.zero_grad();
                loss.backward();
                _gOpt.step();
                return loss.item<float>();
            });
            return (dLoss / _spec.K, gLoss);
        }

        private (Tensor Z, Tensor? Labels) Noise()
        {
            var z = randn(_spec.BatchSize, _spec.LatentSize);
            Tensor? labels = _spec.Conditional ? randint(0, _spec.Classes, _spec.BatchSize, dtype: int64) : null;
            return (z, labels);
        }

        private Tensor Score(Tensor x, Tensor? labels)
        {
            var m = _spec.Packing;
            var shape = x.shape.ToArray();
            shape[1] *= m;
            shape[0] /= m;
            return D.call(x.reshape(shape), labels?.reshape(-1, m));
        }

        public void Dispose()
        {
            _gOpt.Dispose();
            _dOpt.Dispose();
            G.Dispose();
            D.Dispose();
            _gRng.Dispose();
            _dRng.Dispose();
        }
    }
}
