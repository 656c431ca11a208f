using GanCluster.Training.Core;
using GanCluster.Training.Loop;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("ckpt");

    private string _folder => _temp.Path;

    [Fact]
    public void Save_and_load_round_trip_is_bit_exact()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1);
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(spec, data, CPU);
        trainer.RunRound();
        trainer.RunRound();
        var checkpoint = trainer.Capture();
        var path = Path.Combine(_folder, "round-2.ckpt");
        checkpoint.Save(path);

        var loaded = Checkpoint.Load(path);

        Assert.Equal(2, loaded.Round);
        Assert.Equal(spec, loaded.Spec);
        Assert.Equal(checkpoint.Generator.Data, loaded.Generator.Data);
        Assert.Equal(checkpoint.Discriminator.Data, loaded.Discriminator.Data);
        // Saving what was loaded gives a file that loads to the same halves (the header's creation time differs).
        var again = Checkpoint.FromBytes(loaded.ToBytes());
        Assert.Equal(loaded.Generator.Data, again.Generator.Data);
        Assert.Equal(loaded.Discriminator.Data, again.Discriminator.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_restored_run_continues_exactly_like_the_uninterrupted_one(bool regularizedAndDecaying)
    {
        var spec = TinyData.Toy(LossKind.Hinge, 2) with { Conditional = true };
        if (regularizedAndDecaying)
        {
            // The 2-D presets' options: an R1 penalty and learning rates that follow the step counters.
            spec = spec with
            {
                R1Gamma = 0.5,
                Rounds = 6,
                GeneratorOptimizer = spec.GeneratorOptimizer with { FinalLearningRate = 1e-5 },
                DiscriminatorOptimizer = spec.DiscriminatorOptimizer with { FinalLearningRate = 1e-5 },
            };
        }

        using var data = TinyData.Points(spec);
        RestoredRun.AssertContinuesExactly(spec, data, before: 2, after: 3);
    }

    [Fact]
    public void A_restored_run_with_the_quality_options_continues_exactly_like_the_uninterrupted_one()
    {
        // R1, annealed instance noise, label smoothing and the weight average: their state lives in the halves.
        var spec = TinyData.Mlp(LossKind.NonSaturating, 2) with { R1Gamma = 1.0, InstanceNoise = 0.2, RealLabelSmoothing = 0.1, GeneratorEma = 0.99 };
        using var data = TinyData.Images();
        RestoredRun.AssertContinuesExactly(spec, data, before: 1, after: 2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_run_whose_rates_change_at_a_round_equals_one_stopped_there_and_resumed_with_the_new_rates(bool decaying)
    {
        // PBT's exploit replayed (sweep replay): rounds 1-2 at the first rates, 3-4 at the second, 5-6 at the third; k = 2, so
        // D's change falls on its step 2 x round.
        var spec = TinyData.Toy(LossKind.NonSaturating, 2) with { Rounds = 6 };
        if (decaying)
        {
            spec = spec with
            {
                GeneratorOptimizer = spec.GeneratorOptimizer with { FinalLearningRate = 1e-5 },
                DiscriminatorOptimizer = spec.DiscriminatorOptimizer with { FinalLearningRate = 1e-5 },
            };
        }

        (double G, double D)[] rates = [(1e-3, 2e-3), (3e-3, 5e-4), (2e-4, 4e-3)];
        ExperimentSpec At(int stretch) => spec with
        {
            GeneratorOptimizer = spec.GeneratorOptimizer with { LearningRate = rates[stretch].G },
            DiscriminatorOptimizer = spec.DiscriminatorOptimizer with { LearningRate = rates[stretch].D },
        };

        var replay = At(0) with
        {
            GeneratorOptimizer = At(0).GeneratorOptimizer with
            {
                LearningRateChanges = [new() { AfterRound = 2, LearningRate = rates[1].G }, new() { AfterRound = 4, LearningRate = rates[2].G }],
            },
            DiscriminatorOptimizer = At(0).DiscriminatorOptimizer with
            {
                LearningRateChanges = [new() { AfterRound = 2, LearningRate = rates[1].D }, new() { AfterRound = 4, LearningRate = rates[2].D }],
            },
        };
        Assert.Empty(SpecValidator.Validate(replay));
        Assert.Equal(replay, SpecJson.Parse(SpecJson.Serialize(replay)));

        using var data = TinyData.Points(spec);
        using var continuous = new LocalTrainer(replay, data, CPU);
        var expected = Enumerable.Range(0, 6).Select(_ => continuous.RunRound()).ToList();

        var stopped = new List<RoundResult>();
        Checkpoint? saved = null;
        for (var stretch = 0; stretch < 3; stretch++)
        {
            using var part = new LocalTrainer(At(stretch), data, CPU);
            if (saved is not null)
            {
                part.Restore(saved);
            }

            stopped.Add(part.RunRound());
            stopped.Add(part.RunRound());
            saved = Checkpoint.FromBytes(part.Capture().ToBytes());
        }

        Assert.Equal(expected.Select(r => (r.Round, r.DLoss, r.GLoss)), stopped.Select(r => (r.Round, r.DLoss, r.GLoss)));
        Assert.Equal(continuous.Generator.SaveState().Data, saved!.Generator.Data);
        Assert.Equal(continuous.Discriminator.SaveState().Data, saved.Discriminator.Data);

        // And the changes matter: without them the run differs from its second round on.
        using var constant = new LocalTrainer(At(0), data, CPU);
        var unchanged = Enumerable.Range(0, 6).Select(_ => constant.RunRound()).ToList();
        Assert.Equal(expected.Take(2).Select(r => r.GLoss), unchanged.Take(2).Select(r => r.GLoss));
        Assert.NotEqual(constant.Generator.SaveState().Data, saved.Generator.Data);
    }

    [Fact]
    public void Learning_rate_changes_are_validated_by_name()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1) with { Rounds = 10 };
        var errors = SpecValidator.Validate(spec with
        {
            GeneratorOptimizer = spec.GeneratorOptimizer with
            {
                LearningRateChanges = [new() { AfterRound = 5, LearningRate = 1e-3 }, new() { AfterRound = 5, LearningRate = 1e-3 }, new() { AfterRound = 10, LearningRate = 1e-3 }],
            },
            DiscriminatorOptimizer = spec.DiscriminatorOptimizer with { LearningRateChanges = [new() { AfterRound = 3, LearningRate = -1 }] },
        });
        Assert.Equal(
            ["generatorOptimizer.learningRateChanges[1].afterRound", "generatorOptimizer.learningRateChanges[2].afterRound", "discriminatorOptimizer.learningRateChanges[0].learningRate"],
            errors.Select(e => e.Field));
        Assert.Contains("increasing order", errors[0].Message);
    }

    [Fact]
    public void A_restored_half_takes_the_learning_rate_of_its_current_experiment()
    {
        var spec = TinyData.Toy(LossKind.NonSaturating, 1);
        using var data = TinyData.Points(spec);
        using var original = new LocalTrainer(spec, data, CPU);
        original.RunRound();
        var saved = original.Capture();

        var lowered = spec with { GeneratorOptimizer = spec.GeneratorOptimizer with { LearningRate = 1e-5 } };
        using var resumed = new LocalTrainer(lowered, data, CPU);
        resumed.Restore(saved);
        var before = resumed.Generator.SaveState();
        resumed.RunRound();

        // Adam's first update moves each weight by about lr: with 1e-5 instead of 1e-3 the step is far smaller.
        using var moved = new LocalTrainer(spec, data, CPU);
        moved.Restore(saved);
        moved.RunRound();
        var small = ParameterDistance(before, resumed.Generator.SaveState(), lowered, data);
        var large = ParameterDistance(before, moved.Generator.SaveState(), spec, data);
        Assert.True(small < large / 10, $"update {small} with lr 1e-5 vs {large} with lr 1e-3");
    }

    private static double ParameterDistance(HalfState a, HalfState b, ExperimentSpec spec, GanCluster.Training.Data.SampleSet data)
    {
        using var first = new LocalTrainer(spec, data, CPU);
        using var second = new LocalTrainer(spec, data, CPU);
        first.Generator.LoadState(a);
        second.Generator.LoadState(b);
        return first.Generator.Network.parameters().Zip(second.Generator.Network.parameters())
            .Sum(p => (p.First - p.Second).abs().sum().item<float>());
    }

    [Fact]
    public void A_damaged_checkpoint_is_rejected_by_its_sha256()
    {
        var spec = TinyData.Toy(LossKind.Minimax, 1);
        using var data = TinyData.Points(spec);
        using var trainer = new LocalTrainer(spec, data, CPU);
        trainer.RunRound();
        var bytes = trainer.Capture().ToBytes();
        bytes[bytes.Length / 2] ^= 0x40;
        var path = Path.Combine(_folder, "damaged.ckpt");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CorruptCheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("SHA-256", error.Message);
        Assert.Throws<CorruptCheckpointException>(() => Checkpoint.FromBytes(bytes.AsSpan(0, bytes.Length - 100).ToArray()));
    }

    public void Dispose() => _temp.Dispose();
}
