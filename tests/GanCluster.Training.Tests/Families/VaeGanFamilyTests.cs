using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// VAE-GAN through the family and objective seams: selection and validation by name, the generator's 3N batch and its KL
/// prior (<see cref="Models.GeneratorNet.TakeLocalLoss"/>), the split D step and G step against the paper's updates written
/// plainly in one graph (θ_Enc ← ∇(L_prior + L_llike), θ_Dec ← ∇(γ L_llike − L_GAN), θ_Dis ← ∇ L_GAN), and the
/// reconstruction figure in evaluation.json after a real run and from its checkpoint.
/// </summary>
public sealed class VaeGanFamilyTests
{
    // G steps with plain SGD at a small rate: the first step's gradients agree to ~1e-6 relative (L_llike sums 6,272
    // features, ~1e3, so float32 rounding differs between the split graph and the reference's), and Adam would turn that
    // rounding in near-zero gradient elements into full +-lr steps of either sign. E's gradients are in the tens, so with
    // SGD at 1e-5 a wrong split (a GAN gradient into E, gamma on the wrong side) moves weights by far more than the 1e-6
    // the comparison allows, while rounding stays below it.
    private static ExperimentSpec Tiny(int k, double gamma = 0.05, bool plainVae = false) => new()
    {
        GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 1e-5, Momentum = 0 },
        Name = "tiny-vaegan",
        Model = ModelKind.VaeGan,
        Loss = LossKind.VaeGan,
        Dataset = DatasetKind.Mnist,
        Vaegan = new VaeGanSpec { Gamma = gamma, PlainVae = plainVae },
        K = k,
        BatchSize = 6,
        LatentSize = 8,
        Rounds = 4,
        CheckpointInterval = 2,
        Seed = 31,
        Device = "cpu",
    };

    [Fact]
    public void Vaegan_is_selected_by_its_json_names_and_the_preset_validates()
    {
        var spec = SpecJson.Parse("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"vaegan\": {\"gamma\": 0.5}}");
        Assert.IsType<VaeGanFamily>(FamilyCatalog.Get(spec.Model));
        Assert.IsType<VaeGanObjective>(ObjectiveCatalog.Create(spec));
        Assert.Equal(0.5, spec.Vaegan.Gamma);
        Assert.Equal(new VaeGanSpec().Gamma, SpecJson.Parse("{\"model\": \"vaegan\", \"loss\": \"vaegan\"}").Vaegan.Gamma);
        using (var g = FamilyCatalog.CreateGenerator(spec))
        using (var d = FamilyCatalog.CreateDiscriminator(spec))
        {
            Assert.IsType<VaeGanGenerator>(g);
            Assert.IsType<VaeGanDiscriminator>(d);
        }

        Assert.True(Presets.TryGet("vaegan-mnist", out var preset));
        Assert.Empty(SpecValidator.Validate(preset));
        Assert.Equal((ModelKind.VaeGan, LossKind.VaeGan, 28), (preset.Model, preset.Loss, preset.ImageSize));
        Assert.True(Evaluation.HasDiscriminatorFigure(preset));
        Assert.True(Presets.TryGet("vae-mnist", out var vae));
        Assert.Empty(SpecValidator.Validate(vae));
        // The baseline trains the same networks on the same data with the same optimizers and length. Besides the GAN term,
        // the presets differ in D's R1 penalty (D does not reach a plain VAE's G) and in the length of G's average, which
        // vaegan-mnist took in stop 59 and vae-mnist, whose kept run predates it, does not have yet.
        Assert.Equal(preset with
        {
            Name = vae.Name,
            Vaegan = new VaeGanSpec { Gamma = 1, PlainVae = true },
            R1Gamma = 0,
            GeneratorEma = 0.999,
            GeneratorEmaRamp = null,
        }, vae);
    }

    [Theory]
    [InlineData("{\"model\": \"vaegan\"}", "loss", "model vaegan trains its encoder with loss vaegan; got non-saturating")]
    [InlineData("{\"model\": \"dcgan\", \"loss\": \"vaegan\"}", "loss", "vaegan needs the encoder and feature layer of model vaegan; got model dcgan")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"vaegan\": {\"gamma\": 0}}", "vaegan.gamma", "must be a finite number >= 1E-06; got 0")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"vaegan\": {\"gamma\": -1}}", "vaegan.gamma", "must be a finite number")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"vaegan\": null}", "vaegan", "is required for model vaegan")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"vaegan\": {\"plainVae\": true}}", "vaegan.gamma", "a plain VAE (vaegan.plainVae) weighs its reconstruction term alike in E and G; use 1; got 0.01")]
    [InlineData("{\"model\": \"dcgan\", \"vaegan\": {\"gamma\": 0.5}}", "vaegan.gamma", "only model vaegan weighs a reconstruction term; got 0.5 with model dcgan")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"imageSize\": 64}", "imageSize", "vaegan supports 28")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"dataset\": \"ring8\"}", "dataset", "vaegan supports mnist or fashion-mnist")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"conditional\": true}", "conditional", "vaegan has no conditional form")]
    [InlineData("{\"model\": \"vaegan\", \"loss\": \"vaegan\", \"packing\": 2}", "packing", "vaegan")]
    public void Incompatible_settings_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_generator_gives_3n_images_in_training_and_keeps_the_kl_prior_only_when_a_graph_is_built()
    {
        var spec = Tiny(1);
        var family = new VaeGanFamily();
        using var g = new VaeGanGenerator(spec.LatentSize, 1, spec.Vaegan.Gamma);
        using var scope = NewDisposeScope();
        var input = family.DrawInput(spec, 5, CPU);
        var real = input.SideInputs[VaeGanFamily.RealInput];
        Assert.Equal(new long[] { 5, 1, 28, 28 }, real.shape);
        Assert.Equal(new long[] { 5, g.FoldedWidth }, input.Z.shape);
        Assert.True(real.min().item<float>() >= -1 && real.max().item<float>() <= 1);

        var images = g.call(input.Z, null);
        Assert.Equal(new long[] { 15, 1, 28, 28 }, images.shape);
        Assert.True(images.narrow(0, 0, 5).eq(images.narrow(0, 10, 5)).all().item<bool>(), "both x~ blocks are the same images");
        using (var kl = g.TakeLocalLoss())
        {
            Assert.NotNull(kl);
            Assert.True(kl!.requires_grad);
            Assert.True(kl.item<float>() >= 0);
        }

        Assert.Null(g.TakeLocalLoss());
        using (no_grad())
        {
            g.call(input.Z, null);
            Assert.Null(g.TakeLocalLoss());
        }

        // Eval mode (evaluation samples): only x_p = G(z_p).
        g.eval();
        using (no_grad())
        {
            var samples = g.call(input.Z, null);
            Assert.Equal(new long[] { 5, 1, 28, 28 }, samples.shape);
            Assert.True(samples.eq(g.Decode(input.Z.narrow(1, g.FoldedWidth - spec.LatentSize, spec.LatentSize))).all().item<bool>());
            Assert.Equal(new long[] { 3, 1, 28, 28 }, g.call(randn(3, spec.LatentSize), null).shape);
        }

        Assert.StartsWith("z: vaegan generator expects", Assert.Throws<ArgumentException>(() => g.call(randn(2, 9), null)).Message, StringComparison.Ordinal);
        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => g.call(randn(2, 8), zeros(2, dtype: int64))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 0.05)]
    [InlineData(2, 0.05)]
    [InlineData(1, 0.01)]
    [InlineData(1, 1.0, true)]
    [InlineData(1, 0.01, false, true)]
    [InlineData(2, 0.01, false, true)]
    public void Split_steps_match_the_papers_single_process_updates(int k, double gamma, bool plainVae = false, bool spectralNorm = false)
    {
        var spec = Tiny(k, gamma, plainVae) with { SpectralNorm = spectralNorm ? true : null };
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new Reference(spec, data))
        {
            SplitAssert.Close(reference.D, split.Discriminator.Network);
            SplitAssert.Close(reference.G, split.Generator.Network);
            for (var round = 0; round < 2; round++)
            {
                for (var step = 0; step < k; step++)
                {
                    SplitAssert.Near(reference.DiscriminatorStep(), SplitSteps.Discriminator(split).Loss, $"loss/d round {round} step {step}");
                }

                SplitAssert.Near(reference.GeneratorStep(), SplitSteps.Generator(split), $"loss/g round {round}");
                SplitAssert.Close(reference.D, split.Discriminator.Network);
                SplitAssert.Close(reference.G, split.Generator.Network);
            }
        }
    }

    [Fact]
    public void A_real_run_writes_the_reconstruction_figure_to_evaluation_json_as_its_checkpoint_gives_it()
    {
        var spec = Tiny(1);
        using var folder = new TempFolder();
        var observer = new Observer();
        new LocalRun(spec, new LocalRunOptions(folder.Path, LogEvery: 2, EvaluationSamples: 20, TensorBoard: false), observer).Run(CancellationToken.None);

        var json = File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName));
        foreach (var field in new[] { "\"vaeGan\"", "\"pixelMse\"", "\"featureMse\"", "\"llike\"", "\"trainPixelMse\"", "\"parzen\"" })
        {
            Assert.Contains(field, json, StringComparison.Ordinal);
        }

        var written = EvaluationLog.Deserialize(json);
        var figure = Assert.IsType<VaeGanResult>(written.VaeGan);
        Assert.Equal((2000, spec.Rounds), (figure.Count, written.Round));
        Assert.True(double.IsFinite(figure.PixelMse) && figure.PixelMse > 0);
        Assert.True(double.IsFinite(figure.FeatureMse) && figure.FeatureMse > 0);
        Assert.Equal(figure.FeatureMse * VaeGanDiscriminator.FeatureSize / 2, figure.Llike, 1e-6 * figure.Llike);
        Assert.Contains("reconstruction MSE", written.Headline, StringComparison.Ordinal);
        Assert.Contains(observer.Terms, t => t.ContainsKey(VaeGanObjective.LlikeTerm));

        // `gancluster evaluate` on the final checkpoint gives the same figure (G and D restored from their halves).
        var checkpoint = Checkpoint.Load(Path.Combine(folder.Path, "checkpoints", $"round-{spec.Rounds:D6}.ckpt"));
        var again = Evaluation.Checkpoint(checkpoint.Spec, checkpoint.Generator, checkpoint.Round, 20, discriminatorState: checkpoint.Discriminator).VaeGan!;
        Assert.Equal(figure, again);
    }

    private sealed class Observer : ILocalRunObserver
    {
        public List<IReadOnlyDictionary<string, double>> Terms { get; } = [];

        public void Started(ExperimentSpec spec, string device, int startRound, string dataDescription)
        {
        }

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
        }

        public void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds) => Terms.Add(result.Terms);

        public void Checkpointed(int round, string path)
        {
        }

        public void Alarmed(Alarm alarm)
        {
        }

        public void Diverged(RoundResult result)
        {
        }

        public void Evaluated(EvaluationResult result)
        {
        }
    }

    /// <summary>
    /// VAE-GAN as Larsen et al.'s Algorithm 1 writes it, in one graph per step with the halves' streams and order of draws:
    /// x from the training split, z = mu + sigma eps, x~ = Dec(z), x_p = Dec(z_p); D's step on L_GAN (real, x~, x_p); then
    /// E's parameters get ∇(L_prior + L_llike) and the decoder's ∇(γ L_llike + the non-saturating GAN loss), each from its
    /// own backward restricted to its parameters.
    /// </summary>
    private sealed class Reference(ExperimentSpec spec, SampleSet data)
        : ReferenceTrainer<VaeGanGenerator, VaeGanDiscriminator>(spec, data, () => new VaeGanGenerator(spec.LatentSize, 1, spec.Vaegan.Gamma), () => new VaeGanDiscriminator(spectralNorm: spec.SpectralNorm == true))
    {
        private readonly SampleSet _data = data;

        public double DiscriminatorStep()
        {
            var fake = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                var (x, eps, prior) = Draw();
                var (reconstruction, samples, _, _) = Forward(x, eps, prior);
                return cat(new[] { reconstruction, samples }, 0);
            });
            return DiscriminatorRng.Run(() =>
            {
                var n = Spec.BatchSize;
                var (real, _) = Sampler.Next(n);
                // The real term backpropagated first, on its own, as D's half does (see ImageGanReference).
                DiscriminatorOptimizer.zero_grad();
                var realLoss = Losses.DiscriminatorReal(LossKind.NonSaturating, D.call(Pixels.ToSymmetric(real), null));
                realLoss.backward();
                var scores = D.call(fake.detach(), null);
                var fakeLoss = Losses.DiscriminatorFake(LossKind.NonSaturating, scores[..n]) + Losses.DiscriminatorFake(LossKind.NonSaturating, scores[n..]);
                fakeLoss.backward();
                DiscriminatorOptimizer.step();
                return (double)realLoss.item<float>() + fakeLoss.item<float>();
            });
        }

        public double GeneratorStep()
        {
            var n = Spec.BatchSize;
            var (x, eps, prior) = GeneratorRng.Run(Draw);
            var (reconstruction, samples, mu, logVariance) = Forward(x, eps, prior);
            var klPrior = -0.5 * (1 + logVariance - mu.pow(KeptScalars.OfInteger(2)) - logVariance.exp()).sum(1).mean();
            return DiscriminatorRng.Run(() =>
            {
                var scores = D.call(cat(new[] { reconstruction, samples }, 0), null);
                var gan = F.softplus(-scores[..n]).mean() + F.softplus(-scores[n..]).mean();
                var features = D.Features(cat(new[] { reconstruction, x }, 0));
                var llike = 0.5 * (features[..n] - features[n..].detach()).pow(KeptScalars.OfInteger(2)).sum(1).mean();
                var encoder = Parameters("encoder.");
                var decoder = Parameters("decoder.");
                GeneratorOptimizer.zero_grad();
                if (Spec.Vaegan.PlainVae)
                {
                    // The plain VAE of the same networks: KL + the Gaussian pixel likelihood, no GAN term.
                    var pixel = 0.5 * (reconstruction - x).pow(KeptScalars.OfInteger(2)).flatten(1).sum(1).mean();
                    (klPrior + pixel).backward(retain_graph: true, inputs: encoder);
                    pixel.backward(inputs: decoder);
                    GeneratorOptimizer.step();
                    return (double)pixel.item<float>();
                }

                (klPrior + llike).backward(retain_graph: true, inputs: encoder);
                ((Spec.Vaegan.Gamma * llike) + gan).backward(inputs: decoder);
                GeneratorOptimizer.step();
                return (double)gan.item<float>();
            });
        }

        private List<Tensor> Parameters(string prefix) =>
            G.named_parameters().Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal)).Select(p => (Tensor)p.parameter).ToList();

        private (Tensor X, Tensor Eps, Tensor Prior) Draw()
        {
            var n = Spec.BatchSize;
            var indices = randint(0, _data.Samples.shape[0], n, dtype: int64);
            var x = Pixels.ToSymmetric(_data.Samples.index_select(0, indices));
            return (x, randn(n, Spec.LatentSize), randn(n, Spec.LatentSize));
        }

        private (Tensor Reconstruction, Tensor Samples, Tensor Mu, Tensor LogVariance) Forward(Tensor x, Tensor eps, Tensor prior)
        {
            var (mu, logVariance) = G.Encode(x);
            var z = mu + ((0.5 * logVariance).exp() * eps);
            return (G.Decode(z), G.Decode(prior), mu, logVariance);
        }
    }
}
