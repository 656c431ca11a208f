using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Loop;
using GanCluster.Training.Models;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Runtime;
using GanCluster.Training.Tests.Core;
using GanCluster.Training.Tests.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// LAPGAN through the family seam: selection by name, the preset (a whole pyramid) and its levels, validation, the
/// pyramid's operators and what each level's D reads, the split D step and G feedback of a level against a one-graph
/// single-process step, the chained sampler, and the local pyramid run with its evaluation.json.
/// </summary>
public sealed class LapganFamilyTests
{
    private static ExperimentSpec Tiny(int level, int k = 1) => new()
    {
        Name = "tiny-lapgan",
        Model = ModelKind.Lapgan,
        Loss = LossKind.Lapgan,
        Dataset = DatasetKind.Mnist,
        Lapgan = new LapganSpec { Level = level },
        K = k,
        BatchSize = 8,
        LatentSize = 16,
        Rounds = 4,
        CheckpointInterval = 2,
        Seed = 29,
        Device = "cpu",
    };

    [Fact]
    public void Lapgan_is_selected_by_its_json_names_and_the_preset_is_a_pyramid_of_three_levels()
    {
        var spec = SpecJson.Parse("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"lapgan\": {\"level\": 1}}");
        Assert.IsType<LapganFamily>(FamilyCatalog.Get(spec.Model));
        Assert.IsType<LapganObjective>(ObjectiveCatalog.Create(spec));
        Assert.False(LapganFamily.IsPyramid(spec));
        using (var g = FamilyCatalog.CreateGenerator(spec))
        using (var d = FamilyCatalog.CreateDiscriminator(spec))
        {
            Assert.IsType<LapganResidualGenerator>(g);
            Assert.IsType<LapganResidualDiscriminator>(d);
        }

        Assert.True(Presets.TryGet("lapgan-mnist", out var pyramid));
        Assert.Empty(SpecValidator.Validate(pyramid));
        Assert.True(LapganFamily.IsPyramid(pyramid));
        Assert.StartsWith("lapgan.level:", Assert.Throws<ArgumentException>(() => FamilyCatalog.CreateGenerator(pyramid)).Message, StringComparison.Ordinal);

        var levels = LapganFamily.Levels(pyramid);
        Assert.Equal(new int?[] { 2, 1, 0 }, levels.Select(l => l.Lapgan.Level));
        Assert.Equal(["lapgan-mnist-level2", "lapgan-mnist-level1", "lapgan-mnist-level0"], levels.Select(l => l.Name));
        Assert.All(levels, l => Assert.Empty(SpecValidator.Validate(l)));
        Assert.All(levels, l => Assert.Equal(pyramid with { Name = l.Name, Lapgan = l.Lapgan, Rounds = l.Rounds }, l));
        Assert.Equal(new[] { pyramid.Lapgan!.CoarseRounds!.Value, pyramid.Rounds, pyramid.Rounds }, levels.Select(l => l.Rounds));
        Assert.Equal(new long[] { 1, 7, 7 }, FamilyCatalog.SampleShape(levels[0]));
        Assert.Equal(new long[] { 1, 14, 14 }, FamilyCatalog.SampleShape(levels[1]));
        Assert.Equal(new long[] { 1, 28, 28 }, FamilyCatalog.SampleShape(levels[2]));
        using (var g = FamilyCatalog.CreateGenerator(levels[0]))
        using (var d = FamilyCatalog.CreateDiscriminator(levels[0]))
        {
            Assert.IsType<LapganCoarseGenerator>(g);
            Assert.IsType<LapganCoarseDiscriminator>(d);
        }
    }

    [Theory]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"lapgan\": {\"level\": 3}}", "lapgan.level", "must be 0 (28x28 residual), 1 (14x14 residual), 2 (7x7 images) or null")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"lapgan\": {\"level\": -1}}", "lapgan.level", "got -1")]
    [InlineData("{\"model\": \"lapgan\", \"lapgan\": {\"level\": 2}}", "loss", "use \"loss\": \"lapgan\"")]
    [InlineData("{\"model\": \"dcgan\", \"loss\": \"lapgan\"}", "loss", "only model lapgan generates; got model dcgan")]
    [InlineData("{\"model\": \"dcgan\", \"lapgan\": {\"level\": 1}}", "lapgan.level", "only model lapgan has pyramid levels; got 1 with model dcgan")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"lapgan\": null}", "lapgan", "is required for model lapgan")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"lapgan\": {\"level\": 2, \"coarseRounds\": 5000}}", "lapgan.coarseRounds", "trains level 2 alone, so set \"rounds\" instead")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"lapgan\": {\"level\": null, \"coarseRounds\": 0}}", "lapgan.coarseRounds", "must be >= 1")]
    [InlineData("{\"model\": \"dcgan\", \"lapgan\": {\"coarseRounds\": 5000}}", "lapgan.coarseRounds", "only model lapgan has a coarsest level; got 5000 with model dcgan")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"imageSize\": 64}", "imageSize", "lapgan supports 28 (its pyramid is 28 -> 14 -> 7)")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"dataset\": \"ring8\"}", "dataset", "lapgan supports mnist or fashion-mnist")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"conditional\": true}", "conditional", "lapgan has no conditional form")]
    [InlineData("{\"model\": \"lapgan\", \"loss\": \"lapgan\", \"packing\": 2}", "packing", "lapgan")]
    public void Incompatible_settings_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Coarse_rounds_set_the_coarsest_levels_rounds_and_leave_the_others_at_the_pyramids()
    {
        Assert.True(Presets.TryGet("lapgan-mnist", out var preset));
        var pyramid = preset with { Rounds = 300, Lapgan = new LapganSpec { Level = null, CoarseRounds = 4000 } };
        Assert.Empty(SpecValidator.Validate(pyramid));

        var levels = LapganFamily.Levels(pyramid);
        Assert.Equal(new[] { 4000, 300, 300 }, levels.Select(l => l.Rounds));
        Assert.All(levels, l => Assert.Null(l.Lapgan!.CoarseRounds));
        Assert.All(levels, l => Assert.Empty(SpecValidator.Validate(l)));

        var unset = LapganFamily.Levels(pyramid with { Lapgan = new LapganSpec() });
        Assert.Equal(new[] { 300, 300, 300 }, unset.Select(l => l.Rounds));

        // The command line's --rounds: every level, the coarsest too.
        var quick = pyramid.WithRounds(20);
        Assert.Null(quick.Lapgan!.CoarseRounds);
        Assert.Equal(new[] { 20, 20, 20 }, LapganFamily.Levels(quick).Select(l => l.Rounds));
    }

    [Fact]
    public void The_pyramid_splits_a_digit_into_residual_and_coarse_image_that_add_up_to_the_level_image()
    {
        using var scope = NewDisposeScope();
        var digits = rand(3, 1, 28, 28).ToSymmetric();
        Assert.Equal(new long[] { 3, 1, 14, 14 }, LapganPyramid.Down(digits).shape);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, LapganPyramid.Up(LapganPyramid.Down(digits)).shape);
        // The 2x2 mean: the top-left pixel of d(x) is the mean of x's top-left block.
        Assert.Equal(digits[.., .., ..2, ..2].mean().item<float>() * 3, LapganPyramid.Down(digits)[.., 0, 0, 0].sum().item<float>(), 4);
        // A constant image has no residual at any level.
        var flat = full(2, 1, 28, 28, KeptScalars.OfSingle(0.25f));
        Assert.True(LapganPyramid.RealInput(flat, 0)[.., 0].abs().max().item<float>() < 1e-6);

        Assert.Equal(new long[] { 3, 1, 7, 7 }, LapganPyramid.RealInput(digits, 2).shape);
        foreach (var level in new[] { 1, 0 })
        {
            var pair = LapganPyramid.RealInput(digits, level);
            var side = LapganFamily.Side(level);
            Assert.Equal(new long[] { 3, 2, side, side }, pair.shape);
            var image = LapganPyramid.Image(digits, level);
            Assert.True(allclose(pair[.., 0..1].add(pair[.., 1..2]), image, 1e-5, 1e-6));
            Assert.True(pair[.., 1..2].eq(LapganPyramid.Coarse(digits, level)).all().item<bool>());
            // A generator that returned the real level image for its condition would show D exactly the real pair.
            Assert.True(LapganPyramid.FakeInput(image, LapganPyramid.Coarse(digits, level), level).eq(pair).all().item<bool>());
        }

        Assert.StartsWith("side input lapgan/coarse", Assert.Throws<ArgumentException>(() => LapganPyramid.FakeInput(rand(2, 1, 14, 14), null, 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_conditional_levels_generator_returns_its_coarse_image_plus_a_bounded_residual_and_sends_the_coarse_image()
    {
        var spec = Tiny(level: 1);
        var family = FamilyCatalog.Get(spec.Model);
        using var g = (LapganResidualGenerator)FamilyCatalog.CreateGenerator(spec);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = family.DrawInput(spec, 5, CPU);
        var coarse = input.SideInputs[LapganFamily.CoarseInput];
        Assert.Equal(new long[] { 5, 1, 14, 14 }, coarse.shape);
        Assert.Equal(new long[] { 5, 16 + (14 * 14) }, input.Z.shape);
        var image = g.call(input.Z, null);
        Assert.Equal(new long[] { 5, 1, 14, 14 }, image.shape);
        var residual = image.sub(coarse);
        Assert.True(residual.abs().max().item<float>() <= 1 + 1e-5);
        Assert.True(allclose(residual, g.Residual(input.Z.narrow(1, 0, 16), coarse), 1e-5, 1e-6));
        Assert.StartsWith("z: lapgan's 14x14 generator expects", Assert.Throws<ArgumentException>(() => g.call(randn(2, 16), null)).Message, StringComparison.Ordinal);
        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => g.call(input.Z, zeros(5, dtype: int64))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(0, 1)]
    public void Split_steps_match_a_single_process_step_of_the_level(int level, int k)
    {
        var spec = Tiny(level, k);
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
    public void The_sampler_chains_the_levels_and_the_same_seed_gives_the_same_samples()
    {
        using var g2 = new LapganCoarseGenerator(16);
        using var g1 = new LapganResidualGenerator(16, 14);
        using var g0 = new LapganResidualGenerator(16, 28);
        using var scope = NewDisposeScope();
        GeneratorNet[] chain = [g2, g1, g0];
        var samples = LapganSampler.Sample(chain, 16, 7, seed: 11);
        Assert.Equal(new long[] { 7, 1, 28, 28 }, samples.shape);
        Assert.True(samples.eq(LapganSampler.Sample(chain, 16, 7, seed: 11)).all().item<bool>());
        Assert.False(samples.eq(LapganSampler.Sample(chain, 16, 7, seed: 12)).all().item<bool>());

        // By hand: I_2 = G_2(z_2), I_1 = u(I_2) + h_1, I_0 = u(I_1) + h_0, with z_2, z_1, z_0 drawn in that order.
        using var rng = new RngStream(11);
        var expected = rng.Run(() =>
        {
            using var noGrad = no_grad();
            var i2 = g2.call(randn(7, 16), null);
            var u2 = LapganPyramid.Up(i2);
            var i1 = u2.add(g1.Residual(randn(7, 16), u2));
            var u1 = LapganPyramid.Up(i1);
            return u1.add(g0.Residual(randn(7, 16), u1));
        });
        Assert.True(allclose(expected, samples, 1e-5, 1e-6));
        Assert.StartsWith("generators:", Assert.Throws<ArgumentException>(() => LapganSampler.Sample([g1, g2, g0], 16, 2, 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_pyramid_run_trains_each_level_in_its_folder_and_records_the_chains_parzen_figure()
    {
        var pyramid = Tiny(0) with { Name = "tiny-pyramid", Lapgan = new LapganSpec { Level = null }, Rounds = 2, CheckpointInterval = 1 };
        using var folder = new TempFolder();
        var observer = new Observer();
        new LapganLocalRun(pyramid, new LocalRunOptions(folder.Path, LogEvery: 1, EvaluationSamples: 20, TensorBoard: false), observer).Run(CancellationToken.None);

        Assert.Equal(["tiny-pyramid-level2", "tiny-pyramid-level1", "tiny-pyramid-level0"], observer.Started);
        foreach (var level in new[] { 2, 1, 0 })
        {
            var checkpoint = Checkpoint.Load(Path.Combine(LapganEvaluation.LevelFolder(folder.Path, level), "checkpoints", "round-000002.ckpt"));
            Assert.Equal(level, checkpoint.Spec.Lapgan.Level);
        }

        var written = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName)));
        Assert.Equal("parzen", written.Kind);
        Assert.Equal(20, written.Samples);
        Assert.True(double.IsFinite(Assert.IsType<GanCluster.Training.Metrics.ParzenResult>(written.Parzen).MeanLogLikelihood));
        Assert.Equal([2, 1, 0], Assert.IsType<LapganResult>(written.Lapgan).Levels.Select(l => l.Level));
        Assert.All(written.Lapgan!.Levels, l => Assert.Equal(2, l.Round));
        Assert.True(File.Exists(Path.Combine(folder.Path, LapganEvaluation.GridFileName)));
        Assert.Single(observer.Evaluations);

        // `gancluster evaluate <folder>` recomputes the same figure from the levels' checkpoints.
        Assert.True(LapganEvaluation.IsPyramidFolder(folder.Path, out var read));
        Assert.Equal(pyramid, read);
        Assert.Equal(written.Parzen, LapganEvaluation.EvaluateFolder(folder.Path, read!, 20).Parzen);

        // A second run into the same folder without --resume or --force is refused.
        Assert.Throws<RunFolderInUseException>(() => new LapganLocalRun(pyramid, new LocalRunOptions(folder.Path, TensorBoard: false), observer).Run(CancellationToken.None));
    }

    private sealed class Observer : ILocalRunObserver
    {
        public List<string> Started { get; } = [];

        public List<EvaluationResult> Evaluations { get; } = [];

        void ILocalRunObserver.Started(ExperimentSpec spec, string device, int startRound, string dataDescription) => Started.Add(spec.Name);

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
        }

        public void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds)
        {
        }

        public void Checkpointed(int round, string path)
        {
        }

        public void Alarmed(Alarm alarm)
        {
        }

        public void Diverged(RoundResult result)
        {
        }

        public void Evaluated(EvaluationResult result) => Evaluations.Add(result);
    }

    /// <summary>
    /// One level written plainly in one graph per step, with the halves' streams and order of draws: G's batch (level 2:
    /// z; levels 1 and 0: the indices of training digits, then the noise, and the digits' coarse image l), D on the real
    /// pair built from its own batch and on [image - l, l], non-saturating losses.
    /// </summary>
    private sealed class Reference(ExperimentSpec spec, SampleSet data)
        : ReferenceTrainer<GeneratorNet, DiscriminatorNet>(spec, data,
            () => spec.Lapgan.Level == 2 ? new LapganCoarseGenerator(spec.LatentSize) : new LapganResidualGenerator(spec.LatentSize, LapganFamily.Side(spec.Lapgan.Level!.Value)),
            () => spec.Lapgan.Level == 2 ? new LapganCoarseDiscriminator() : new LapganResidualDiscriminator(LapganFamily.Side(spec.Lapgan.Level!.Value)))
    {
        private readonly SampleSet _data = data;
        private readonly int _level = spec.Lapgan.Level!.Value;

        public double DiscriminatorStep()
        {
            var (fake, coarse) = GeneratorRng.Run(() =>
            {
                using var noGrad = no_grad();
                return Generate();
            });
            return DiscriminatorRng.Run(() =>
            {
                var (real, _) = Sampler.Next(Spec.BatchSize);
                var realLoss = Losses.DiscriminatorReal(LossKind.NonSaturating, D.call(LapganPyramid.RealInput(Pixels.ToSymmetric(real), _level), null));
                var fakeLoss = Losses.DiscriminatorFake(LossKind.NonSaturating, D.call(Pair(fake.detach(), coarse), null));
                DiscriminatorOptimizer.zero_grad();
                (realLoss + fakeLoss).backward();
                DiscriminatorOptimizer.step();
                return (double)realLoss.item<float>() + fakeLoss.item<float>();
            });
        }

        public double GeneratorStep()
        {
            var (fake, coarse) = GeneratorRng.Run(Generate);
            return DiscriminatorRng.Run(() =>
            {
                var loss = Losses.Generator(LossKind.NonSaturating, D.call(Pair(fake, coarse), null));
                GeneratorOptimizer.zero_grad();
                loss.backward();
                GeneratorOptimizer.step();
                return (double)loss.item<float>();
            });
        }

        private Tensor Pair(Tensor image, Tensor? coarse) => coarse is null ? image : cat(new[] { image - coarse, coarse }, 1);

        private (Tensor Image, Tensor? Coarse) Generate()
        {
            if (_level == 2)
            {
                return (G.call(randn(Spec.BatchSize, Spec.LatentSize), null), null);
            }

            var indices = randint(0, _data.Samples.shape[0], Spec.BatchSize, dtype: int64);
            var noise = randn(Spec.BatchSize, Spec.LatentSize);
            var digits = Pixels.ToSymmetric(_data.Samples.index_select(0, indices));
            var coarse = LapganPyramid.Up(LapganPyramid.Image(digits, _level + 1));
            var residual = ((LapganResidualGenerator)G).Residual(noise, coarse);
            return (coarse + residual, coarse);
        }
    }
}
