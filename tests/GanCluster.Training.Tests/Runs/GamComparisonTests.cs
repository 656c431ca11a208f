using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Runs;

/// <summary>GAM on real checkpoints (two rounds of tiny GRAN and DCGAN runs): symmetry, self-comparison, and the inputs it refuses.</summary>
public sealed class GamComparisonTests
{
    private static ExperimentSpec Tiny(ModelKind model) => new()
    {
        Name = $"tiny-{model.ToString().ToLowerInvariant()}",
        Model = model,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.NonSaturating,
        BatchSize = 8,
        LatentSize = 16,
        Rounds = 2,
        Seed = 29,
        Device = "cpu",
    };

    private static Checkpoint Trained(ExperimentSpec spec)
    {
        var (train, heldOut) = DatasetCatalog.Load(spec);
        heldOut.Dispose();
        using (train)
        using (var trainer = new LocalTrainer(spec, train, CPU))
        {
            trainer.RunRound();
            trainer.RunRound();
            return trainer.Capture();
        }
    }

    [Fact]
    public void Swapping_the_runs_inverts_the_ratios_and_a_run_against_itself_is_a_tie()
    {
        var gran = Trained(Tiny(ModelKind.Gran));
        var dcgan = Trained(Tiny(ModelKind.Dcgan));
        var forward = GamComparison.Compare(gran, "gran.ckpt", dcgan, "dcgan.ckpt", samples: 64);
        var backward = GamComparison.Compare(dcgan, "dcgan.ckpt", gran, "gran.ckpt", samples: 64);
        Assert.Equal((2000, 64, "gran", "dcgan", 2), (forward.TestDigits, forward.Samples, forward.A.Model, forward.B.Model, forward.A.Round));
        Assert.Equal((forward.Result.TestErrorA, forward.Result.SampleErrorA), (backward.Result.TestErrorB, backward.Result.SampleErrorB));
        Assert.Equal((forward.Result.TestErrorB, forward.Result.SampleErrorB), (backward.Result.TestErrorA, backward.Result.SampleErrorA));
        Assert.All(new[] { forward.Result.TestErrorA, forward.Result.TestErrorB, forward.Result.SampleErrorA, forward.Result.SampleErrorB }, e => Assert.InRange(e, 0, 1));
        var mirrored = forward.Result.Verdict switch { GamVerdict.A => GamVerdict.B, GamVerdict.B => GamVerdict.A, var same => same };
        Assert.Equal(mirrored, backward.Result.Verdict);

        var self = GamComparison.Compare(gran, "a.ckpt", gran, "b.ckpt", samples: 64).Result;
        Assert.Equal((1.0, 1.0, GamVerdict.Tie), (self.RTest, self.RSample, self.Verdict));
    }

    [Theory]
    [InlineData("{\"model\": \"toy\", \"dataset\": \"ring8\"}", "B", "generates 2-D points")]
    [InlineData("{\"model\": \"dcgan\", \"conditional\": true}", "B", "conditional model")]
    [InlineData("{\"model\": \"dcgan\", \"packing\": 2}", "B", "packing 2")]
    [InlineData("{\"model\": \"catgan\", \"loss\": \"catgan\"}", "B", "no real/fake boundary")]
    [InlineData("{\"model\": \"dcgan\", \"heldOutFraction\": 0.1}", "A/B", "hold out different digits")]
    [InlineData("{\"model\": \"dcgan\", \"imageSize\": 64}", "B", "compare runs of the same imageSize")]
    public void Runs_gam_cannot_compare_are_refused_naming_the_argument(string json, string argument, string message)
    {
        var error = Assert.Throws<GamInputException>(() => GamComparison.CheckCompatible(Tiny(ModelKind.Gran), SpecJson.Parse(json)));
        Assert.Equal(argument, error.Argument);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
