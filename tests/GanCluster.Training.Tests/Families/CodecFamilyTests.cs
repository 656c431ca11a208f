using GanCluster.Training.Codec;
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

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// The image codec through the family and objective seams: selection and validation by name, the encoder's binary codes
/// and straight-through gradient, the split D step (decoder) and G step (encoder through dLoss/dCode) against the
/// autoencoder written plainly in one graph, and the codec figure in evaluation.json from a real run and its checkpoint.
/// </summary>
public sealed class CodecFamilyTests
{
    // Plain SGD: the split and the one-graph reference do the same float math in differently shaped graphs, and Adam would
    // turn a few ulps in a near-zero gradient element into a full +-lr step. A wrong split (the decoder stepped in the G
    // phase, the encoder's gradient lost at the binariser) moves weights by far more than the 1e-6 the comparison allows.
    private static ExperimentSpec Tiny(int k = 1, int bits = 16) => new()
    {
        Name = "tiny-codec",
        Model = ModelKind.Codec,
        Loss = LossKind.Codec,
        Dataset = DatasetKind.Mnist,
        Codec = new CodecSpec { Bits = bits },
        GeneratorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0 },
        DiscriminatorOptimizer = new OptimizerSpec { Type = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0 },
        K = k,
        BatchSize = 6,
        Rounds = 4,
        CheckpointInterval = 2,
        Seed = 23,
        Device = "cpu",
    };

    [Fact]
    public void Codec_is_selected_by_its_json_names_and_the_presets_validate()
    {
        var spec = SpecJson.Parse("{\"model\": \"codec\", \"loss\": \"codec\", \"codec\": {\"bits\": 128}}");
        Assert.IsType<CodecFamily>(FamilyCatalog.Get(spec.Model));
        Assert.IsType<CodecObjective>(ObjectiveCatalog.Create(spec));
        Assert.Equal(128, spec.Codec.Bits);
        Assert.Equal(new long[] { 1, 8, 16 }, FamilyCatalog.SampleShape(spec));
        using (var g = FamilyCatalog.CreateGenerator(spec))
        using (var d = FamilyCatalog.CreateDiscriminator(spec))
        {
            Assert.Equal(128, Assert.IsType<CodecEncoder>(g).Bits);
            Assert.Equal(128, Assert.IsType<CodecDecoder>(d).Bits);
        }

        foreach (var (name, bits) in new[] { ("codec-mnist", 64), ("codec-mnist-32", 32), ("codec-mnist-128", 128), ("codec-mnist-256", 256) })
        {
            Assert.True(Presets.TryGet(name, out var preset));
            Assert.Empty(SpecValidator.Validate(preset));
            Assert.Equal((ModelKind.Codec, LossKind.Codec, bits, name), (preset.Model, preset.Loss, preset.Codec.Bits, preset.Name));
            Assert.True(Evaluation.HasDiscriminatorFigure(preset));
        }
    }

    [Theory]
    [InlineData("{\"model\": \"codec\"}", "loss", "model codec trains its encoder and decoder with loss codec; got non-saturating")]
    [InlineData("{\"model\": \"dcgan\", \"loss\": \"codec\"}", "loss", "codec needs the encoder and decoder of model codec; got model dcgan")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"codec\": {\"bits\": 12}}", "codec.bits", "must be a multiple of 8 from 8 to 1024 (e.g. 32, 64, 128, 256); got 12")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"codec\": {\"bits\": 2048}}", "codec.bits", "got 2048")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"codec\": null}", "codec", "is required for model codec")]
    [InlineData("{\"model\": \"dcgan\", \"codec\": {\"bits\": 32}}", "codec.bits", "only model codec has a code size; got 32 with model dcgan")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"generatorEma\": 0.999}", "generatorEma", "use 0")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"instanceNoise\": 0.1}", "instanceNoise", "adds no noise to the codes")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"r1Gamma\": 1}", "r1Gamma", "no real scores")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"imageSize\": 64}", "imageSize", "codec supports 28")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"dataset\": \"ring8\"}", "dataset", "codec supports mnist or fashion-mnist")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"conditional\": true}", "conditional", "codec")]
    [InlineData("{\"model\": \"codec\", \"loss\": \"codec\", \"packing\": 2}", "packing", "codec")]
    public void Incompatible_settings_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_encoder_gives_binary_codes_whose_gradient_passes_the_binariser_straight_through()
    {
        var spec = Tiny();
        using var encoder = new CodecEncoder(spec.Codec.Bits);
        using var scope = NewDisposeScope();
        var input = new CodecFamily().DrawInput(spec, 5, CPU);
        var real = input.SideInputs[CodecFamily.RealInput];
        Assert.Equal(new long[] { 5, 1, 28, 28 }, real.shape);
        Assert.True(input.Z.eq(real.flatten(1)).all().item<bool>());

        var codes = encoder.call(input.Z, null);
        Assert.Equal(new long[] { 5, 1, 8, 2 }, codes.shape);
        Assert.True(codes.abs().eq(KeptScalars.OfInteger(1)).all().item<bool>(), "every code value is -1 or +1");
        var soft = encoder.Soft(real);
        Assert.True(codes.reshape(5, 16).gt(KeptScalars.OfInteger(0)).eq(soft.ge(KeptScalars.OfInteger(0))).all().item<bool>(), "the code is the sign of the soft output");

        // d(sum(w * code))/dθ equals d(sum(w * soft))/dθ: the binariser passes the gradient unchanged.
        var weights = randn(5, 16);
        var viaCode = autograd.grad(new[] { codes.reshape(5, 16).mul(weights).sum() }, encoder.parameters().ToArray());
        var viaSoft = autograd.grad(new[] { encoder.Soft(real).mul(weights).sum() }, encoder.parameters().ToArray());
        for (var i = 0; i < viaCode.Count; i++)
        {
            Assert.True(viaCode[i].allclose(viaSoft[i], rtol: 1e-5, atol: 1e-7), $"parameter {i}");
        }

        Assert.StartsWith("z: codec encoder expects", Assert.Throws<ArgumentException>(() => encoder.call(randn(2, 9), null)).Message, StringComparison.Ordinal);
        Assert.StartsWith("codec.bits:", Assert.Throws<ArgumentException>(() => new CodecEncoder(12)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(2, 32)]
    public void Split_steps_match_the_autoencoder_in_one_graph(int k, int bits)
    {
        var spec = Tiny(k, bits);
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new Reference(spec, data))
        {
            SplitAssert.Close(reference.D, split.Discriminator.Network);
            SplitAssert.Close(reference.G, split.Generator.Network);
            for (var round = 0; round < 3; round++)
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
    public void A_real_run_writes_the_codec_figure_to_evaluation_json_as_its_checkpoint_gives_it()
    {
        var spec = Tiny();
        using var folder = new TempFolder();
        var observer = new Observer();
        new LocalRun(spec, new LocalRunOptions(folder.Path, LogEvery: 2, EvaluationSamples: 20, TensorBoard: false), observer).Run(CancellationToken.None);

        var json = File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName));
        foreach (var field in new[] { "\"codec\"", "\"bytesPerImage\"", "\"psnr\"", "\"ssim\"", "\"trainPsnr\"" })
        {
            Assert.Contains(field, json, StringComparison.Ordinal);
        }

        var written = EvaluationLog.Deserialize(json);
        var figure = Assert.IsType<CodecResult>(written.Codec);
        Assert.Equal((2000, 16, spec.Rounds), (figure.Count, figure.Bits, written.Round));
        Assert.Equal(2.0 + (GczFile.HeaderSize / 2000.0), figure.BytesPerImage, 12);
        Assert.True(double.IsFinite(figure.Psnr) && figure.Psnr > 0);
        Assert.True(figure.Ssim is > -1 and < 1);
        Assert.Contains("codec 16 bits", written.Headline, StringComparison.Ordinal);
        Assert.Contains(observer.Terms, t => t.ContainsKey(CodecObjective.PsnrTerm));

        // `gancluster evaluate` on the final checkpoint gives the same figure (encoder and decoder restored from their halves).
        var checkpoint = Checkpoint.Load(Path.Combine(folder.Path, "checkpoints", $"round-{spec.Rounds:D6}.ckpt"));
        var again = Evaluation.Checkpoint(checkpoint.Spec, checkpoint.Generator, checkpoint.Round, 20, discriminatorState: checkpoint.Discriminator).Codec;
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
    /// The codec as one autoencoder, with the halves' streams and order of draws: x from the training split (G's stream),
    /// the decoder's step on the MSE of Dec(Enc(x).detach()) and x, then the encoder's step on the MSE of Dec(Enc(x')) and
    /// x' restricted to the encoder's parameters (the decoder is not stepped in the G phase).
    /// </summary>
    private sealed class Reference(ExperimentSpec spec, SampleSet data)
        : ReferenceTrainer<CodecEncoder, CodecDecoder>(spec, data, () => new CodecEncoder(spec.Codec.Bits), () => new CodecDecoder(spec.Codec.Bits))
    {
        private readonly SampleSet _data = data;

        public double DiscriminatorStep()
        {
            var (x, codes) = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                var images = Draw();
                return (images, G.Encode(images));
            });
            return DiscriminatorRng.Run(() =>
            {
                Sampler.Next(Spec.BatchSize);
                var loss = (D.Decode(codes.detach()) - x).pow(KeptScalars.OfInteger(2)).mean();
                DiscriminatorOptimizer.zero_grad();
                loss.backward();
                DiscriminatorOptimizer.step();
                return (double)loss.item<float>();
            });
        }

        public double GeneratorStep()
        {
            var x = GeneratorRng.Run(Draw);
            var loss = (D.Decode(G.Encode(x)) - x).pow(KeptScalars.OfInteger(2)).mean();
            GeneratorOptimizer.zero_grad();
            loss.backward(inputs: G.parameters().Select(p => (Tensor)p).ToList());
            GeneratorOptimizer.step();
            return loss.item<float>();
        }

        private Tensor Draw()
        {
            var indices = randint(0, _data.Samples.shape[0], Spec.BatchSize, dtype: int64);
            return Pixels.ToSymmetric(_data.Samples.index_select(0, indices));
        }
    }
}
