using GanCluster.TestSupport;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Tests.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// GRAN through the family seam: selection by name, the preset (dcgan-mnist's recipe with GRAN's G), validation of the
/// gran section, the generator's T drawing steps and shapes, and the split D step and G feedback against a one-graph
/// single-process step.
/// </summary>
public sealed class GranFamilyTests
{
    private static ExperimentSpec Tiny(int k, int steps = 3) => new()
    {
        Name = "tiny-gran",
        Model = ModelKind.Gran,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.NonSaturating,
        Gran = new GranSpec { Steps = steps },
        K = k,
        BatchSize = 8,
        LatentSize = 16,
        Rounds = 4,
        CheckpointInterval = 2,
        Seed = 23,
        Device = "cpu",
    };

    [Fact]
    public void Gran_is_selected_by_its_json_name_and_the_preset_is_dcgan_mnist_with_grans_generator()
    {
        var spec = SpecJson.Parse("{\"model\": \"gran\", \"gran\": {\"steps\": 4}}");
        Assert.IsType<GranFamily>(FamilyCatalog.Get(spec.Model));
        Assert.Equal(4, spec.Gran.Steps);
        Assert.Equal(3, SpecJson.Parse("{\"model\": \"gran\"}").Gran.Steps);
        using (var g = FamilyCatalog.CreateGenerator(spec))
        using (var d = FamilyCatalog.CreateDiscriminator(spec))
        {
            Assert.Equal(4, Assert.IsType<GranGenerator>(g).Steps);
            Assert.IsType<DcganDiscriminator>(d);
        }

        Assert.True(Presets.TryGet("gran-mnist", out var gran));
        Assert.True(Presets.TryGet("dcgan-mnist", out var dcgan));
        Assert.Empty(SpecValidator.Validate(gran));
        Assert.Equal(3, gran.Gran.Steps);
        // dcgan-mnist's first recipe (stop 35 gave dcgan-mnist itself two time-scale rates, an average of G and 12,000
        // rounds; 16,000 since stop 40), with an average of G read with standing statistics and 16,000 rounds (10,000 until stop 41).
        var firstRecipe = dcgan with
        {
            GeneratorOptimizer = new OptimizerSpec(), DiscriminatorOptimizer = new OptimizerSpec(), Rounds = 1000, CheckpointInterval = 250, GeneratorEma = 0,
        };
        Assert.Equal(
            firstRecipe with { Name = gran.Name, Model = ModelKind.Gran, Gran = gran.Gran, Rounds = 16_000, CheckpointInterval = 2000, GeneratorEma = 0.999, StandingStatistics = true },
            gran);

        // The DCGANs the comparison scripts train: gran-mnist's recipe (quality-gran.sh) and lapgan-mnist's, the first with an
        // average of G (quality-lapgan.sh).
        Assert.Equal(gran with { Name = "dcgan-mnist-gran-recipe", Model = ModelKind.Dcgan }, ComparisonSpec("dcgan-mnist-gran-recipe"));
        Assert.Equal(firstRecipe with { Name = "dcgan-mnist-lapgan-recipe", GeneratorEma = 0.999 }, ComparisonSpec("dcgan-mnist-lapgan-recipe"));
        Assert.True(Presets.TryGet("lapgan-mnist", out var lapgan));
        Assert.Equal(
            firstRecipe with
            {
                Name = lapgan.Name, Model = ModelKind.Lapgan, Loss = LossKind.Lapgan, Lapgan = new LapganSpec { CoarseRounds = 30_000 },
                Rounds = 10_000, CheckpointInterval = 2500, GeneratorEma = 0.999,
            },
            lapgan);
    }

    private static ExperimentSpec ComparisonSpec(string name) =>
        SpecJson.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "scripts", "specs", name + ".json")));

    [Fact]
    public void The_presets_generator_has_about_the_parameters_of_dcgan_mnists_and_the_same_discriminator()
    {
        Assert.True(Presets.TryGet("gran-mnist", out var gran));
        Assert.True(Presets.TryGet("dcgan-mnist", out var dcgan));
        using var granG = FamilyCatalog.CreateGenerator(gran);
        using var dcganG = FamilyCatalog.CreateGenerator(dcgan);
        using var granD = FamilyCatalog.CreateDiscriminator(gran);
        using var dcganD = FamilyCatalog.CreateDiscriminator(dcgan);
        Assert.Equal(1_781_504, NetworkSummary.ParameterCount(dcganG));
        Assert.Equal(1_745_128, NetworkSummary.ParameterCount(granG));
        Assert.Equal(NetworkSummary.Describe(dcganD), NetworkSummary.Describe(granD));
    }

    [Theory]
    [InlineData("{\"model\": \"gran\", \"gran\": {\"steps\": 0}}", "gran.steps", "must be 1..10 drawing steps")]
    [InlineData("{\"model\": \"gran\", \"gran\": {\"steps\": 11}}", "gran.steps", "must be 1..10 drawing steps (the paper uses 3 to 5); got 11")]
    [InlineData("{\"model\": \"gran\", \"gran\": null}", "gran", "is required for model gran")]
    [InlineData("{\"model\": \"dcgan\", \"gran\": {\"steps\": 4}}", "gran.steps", "only model gran draws in steps; got 4 with model dcgan")]
    [InlineData("{\"model\": \"gran\", \"imageSize\": 64}", "imageSize", "gran supports 28")]
    [InlineData("{\"model\": \"gran\", \"dataset\": \"ring8\"}", "dataset", "gran supports mnist or fashion-mnist")]
    [InlineData("{\"model\": \"gran\", \"conditional\": true}", "conditional", "gran has no conditional form")]
    [InlineData("{\"model\": \"gran\", \"loss\": \"catgan\"}", "loss", "model catgan")]
    public void Incompatible_settings_are_refused_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));
        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_generator_draws_t_canvases_and_its_sample_is_tanh_of_the_last(int steps)
    {
        using var g = new GranGenerator(latentSize: 16, steps: steps);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = randn(6, 16);
        var canvases = g.Draw(z, null);
        Assert.Equal(steps, canvases.Count);
        Assert.All(canvases, c => Assert.Equal(new long[] { 6, 1, 28, 28 }, c.shape));
        for (var t = 1; t < steps; t++)
        {
            // Every step adds an increment: C_t != C_{t-1}.
            Assert.False(canvases[t].eq(canvases[t - 1]).all().item<bool>(), $"step {t + 1} drew nothing");
        }

        var sample = g.call(z, null);
        Assert.Equal(new long[] { 6, 1, 28, 28 }, sample.shape);
        Assert.True(sample.eq(canvases[^1].tanh()).all().item<bool>());
        Assert.True(sample.abs().max().item<float>() <= 1);

        // One set of convolutions for all steps, BatchNorm layers per step (code, 128 and 64 maps).
        var names = g.named_parameters().Select(p => p.name).ToList();
        Assert.Contains($"norm1.{steps - 1}.weight", names);
        Assert.DoesNotContain($"norm1.{steps}.weight", names);
        Assert.Equal(steps * 2 * (GranGenerator.CodeSize + 128 + 64), names.Where(n => n.StartsWith("norm", StringComparison.Ordinal)).Sum(n => g.get_parameter(n)!.numel()));
    }

    [Fact]
    public void The_generator_refuses_labels_and_a_wrong_z()
    {
        using var g = new GranGenerator(latentSize: 16, steps: 3);
        Assert.StartsWith("labels:", Assert.Throws<ArgumentException>(() => g.call(randn(2, 16), zeros(2, dtype: int64))).Message, StringComparison.Ordinal);
        Assert.StartsWith("z: gran generator expects [N, 16]; got [2, 15]", Assert.Throws<ArgumentException>(() => g.call(randn(2, 15), null)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new GranGenerator(16, 11));
    }

    [Fact]
    public void A_train_mode_pass_updates_the_batch_norm_of_every_step_once()
    {
        // Eval mode reads each step's own running statistics: a train-mode pass updates all T BatchNorm pairs.
        using var g = new GranGenerator(latentSize: 16, steps: 3);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            g.call(randn(8, 16), null);
        }

        foreach (var (name, buffer) in g.named_buffers().Where(b => b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
        {
            Assert.True(buffer.item<long>() == 1, $"{name}: {buffer.item<long>()}");
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(1, 5)]
    [InlineData(2, 3, true)]
    public void Split_steps_match_a_single_process_gran_step(int k, int steps, bool spectralNorm = false)
    {
        var spec = Tiny(k, steps) with { SpectralNorm = spectralNorm ? true : null };
        var (data, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (data)
        using (var split = new LocalTrainer(spec, data, CPU))
        using (var reference = new ImageGanReference<GranGenerator>(spec, data, () => new GranGenerator(spec.LatentSize, spec.Gran.Steps), () => new DcganDiscriminator(28, spectralNorm: spectralNorm)))
        {
            reference.AssertSplitMatches(split, rounds: 2);
        }
    }
}
