using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Runs;

/// <summary>Two checkpoints GAM cannot compare; <see cref="Argument"/> names the one at fault ("A", "B" or "A/B").</summary>
public sealed class GamInputException(string argument, string message) : Exception(message)
{
    public string Argument { get; } = argument;
}

/// <summary>One side of a GAM comparison: which checkpoint, and its discriminator's errors.</summary>
/// <param name="Name">The experiment's name.</param>
/// <param name="Model">The family's JSON name.</param>
/// <param name="Round">The checkpoint's round.</param>
/// <param name="Checkpoint">Where it was read from.</param>
/// <param name="BatchStatistics">
/// D normalizes over the batch (BatchNorm): it judged batches of <paramref name="BatchSize"/> in train mode, with the
/// batch's own statistics, as in training; else in eval mode, 500 at a time.
/// </param>
/// <param name="BatchSize">The batch size its D judged.</param>
public sealed record GamSide(string Name, string Model, int Round, string Checkpoint, bool BatchStatistics, int BatchSize);

/// <summary>A GAM comparison: the two sides, how many digits and samples were scored, and the figures.</summary>
public sealed record GamReport(GamSide A, GamSide B, int TestDigits, int Samples, GamResult Result);

/// <summary>
/// Runs the generative adversarial metric (<see cref="GenerativeAdversarialMetric"/>) on two checkpoints of the same
/// data: each D scores the held-out digits (8000-9999 of the bundled split) and the other's G's samples, without
/// gradients, on the CPU, the way it judged batches in training: a D that normalizes over the batch (DCGAN's, GRAN's)
/// in train mode on batches of its spec's batch size that hold only real digits or only samples (as its real and fake
/// batches did), so that it uses their own statistics and not the running averages, which blend real and fake batches
/// into statistics of inputs it never saw; any other D in eval mode (no dropout or noise). Samples come from each G's own evaluation stream
/// (<see cref="Evaluation.SampleStream"/>, with the weight average when the run keeps one), mapped through the data
/// scale [0, 1] into the judging D's range.
/// </summary>
public static class GamComparison
{
    /// <summary>Inputs D scores at once: bounds memory (a batch of 500 digits is 1.5 MB).</summary>
    private const int Chunk = 500;

    public static GamReport Compare(Checkpoint a, string pathA, Checkpoint b, string pathB, int samples, double tolerance = GenerativeAdversarialMetric.DefaultTolerance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        CheckCompatible(a.Spec, b.Spec);
        var (trainA, heldOut) = DatasetCatalog.Load(a.Spec);
        var (trainB, heldOutB) = DatasetCatalog.Load(b.Spec);
        heldOutB.Dispose();
        using (trainA)
        using (trainB)
        using (heldOut)
        using (var gA = Generator(a))
        using (var gB = Generator(b))
        using (var dA = Discriminator(a, trainA))
        using (var dB = Discriminator(b, trainB))
        {
            var testA = Errors(dA, a.Spec, heldOut.Samples, real: true);
            var testB = Errors(dB, b.Spec, heldOut.Samples, real: true);
            using var samplesOfA = Samples(gA, a.Spec, samples);
            using var samplesOfB = Samples(gB, b.Spec, samples);
            var onSamplesOfB = Errors(dA, a.Spec, samplesOfB, real: false);
            var onSamplesOfA = Errors(dB, b.Spec, samplesOfA, real: false);
            var result = GenerativeAdversarialMetric.Compare(testA, testB, onSamplesOfB, onSamplesOfA, tolerance);
            return new GamReport(Side(a, pathA), Side(b, pathB), (int)heldOut.Samples.shape[0], samples, result);
        }
    }

    /// <summary>Why GAM cannot compare the two runs, naming the argument and the fix; nothing when it can.</summary>
    public static void CheckCompatible(ExperimentSpec a, ExperimentSpec b)
    {
        foreach (var (spec, name) in new[] { (a, "A"), (b, "B") })
        {
            if (!spec.IsImageData)
            {
                throw new GamInputException(name, $"model {FamilyCatalog.Name(spec.Model)} on {FamilyCatalog.Name(spec.Dataset)} generates 2-D points; GAM here compares image models (use 'gancluster evaluate' for mode coverage)");
            }

            if (spec.Conditional)
            {
                throw new GamInputException(name, "is a conditional model: its D needs a label for every sample of the other G; compare unconditional runs");
            }

            if (spec.Packing != 1)
            {
                throw new GamInputException(name, $"was trained with packing {spec.Packing}: its D judges groups, not single samples; compare runs with packing 1");
            }

            if (spec.Loss is LossKind.WganGp or LossKind.CatGan)
            {
                throw new GamInputException(name, $"loss {FamilyCatalog.Name(spec.Loss)} gives D no real/fake boundary (a critic's or a classifier's score), so its error is undefined; compare runs of a real/fake objective (non-saturating, minimax, hinge, ...)");
            }
        }

        if (a.Dataset != b.Dataset || a.DataPath != b.DataPath || a.HeldOutFraction != b.HeldOutFraction)
        {
            throw new GamInputException("A/B", $"the runs hold out different digits (A: {Data(a)}; B: {Data(b)}); GAM scores both D on the same test set: compare runs of the same data");
        }

        var shapeA = FamilyCatalog.SampleShape(a);
        var shapeB = FamilyCatalog.SampleShape(b);
        if (!shapeA.SequenceEqual(shapeB))
        {
            throw new GamInputException("B", $"generates samples of shape [{string.Join(", ", shapeB)}] but A's are [{string.Join(", ", shapeA)}]; each D judges the other's samples: compare runs of the same imageSize");
        }
    }

    private static string Data(ExperimentSpec spec) =>
        $"{FamilyCatalog.Name(spec.Dataset)}{(spec.DataPath is null ? string.Empty : $" from {spec.DataPath}")}, heldOutFraction {spec.HeldOutFraction}";

    private static GamSide Side(Checkpoint checkpoint, string path)
    {
        var spec = checkpoint.Spec;
        var batchStatistics = BatchStatistics(spec);
        return new(spec.Name, FamilyCatalog.Name(spec.Model), checkpoint.Round, path, batchStatistics, batchStatistics ? spec.BatchSize : Chunk);
    }

    private static bool BatchStatistics(ExperimentSpec spec) => FamilyCatalog.DiscriminatorNormalizesBatch(spec);

    private static GeneratorHalf Generator(Checkpoint checkpoint) => GeneratorHalf.Restore(checkpoint.Spec, CPU, checkpoint.Generator);

    private static DiscriminatorHalf Discriminator(Checkpoint checkpoint, SampleSet train)
    {
        var half = new DiscriminatorHalf(checkpoint.Spec, CPU, train);
        half.LoadState(checkpoint.Discriminator);
        return half;
    }

    /// <summary><paramref name="count"/> samples of G in the data scale ([0, 1], 28x28 for digits).</summary>
    private static Tensor Samples(GeneratorHalf generator, ExperimentSpec spec, int count)
    {
        using var fake = generator.Generate(count, RngStream.Derive(spec.Seed, Evaluation.SampleStream));
        return SampleRenderer.ToDataScale(fake.Samples, spec);
    }

    /// <summary>D's error on <paramref name="data"/> (data scale), mapped into D's range and scored batch by batch.</summary>
    private static double Errors(DiscriminatorHalf discriminator, ExperimentSpec spec, Tensor data, bool real)
    {
        var batchStatistics = BatchStatistics(spec);
        var size = batchStatistics ? spec.BatchSize : Chunk;
        var scores = new List<float>((int)data.shape[0]);
        var net = discriminator.Network;
        for (long start = 0; start < data.shape[0]; start += size)
        {
            using var scope = NewDisposeScope();
            var input = discriminator.ToModelInput(data.narrow(0, start, Math.Min(size, data.shape[0] - start)));
            Tensor score;
            if (batchStatistics)
            {
                // Train mode for BatchNorm's batch statistics; the running buffers it updates belong to this throwaway half.
                using var noGrad = no_grad();
                net.train();
                score = net.call(input, null);
            }
            else
            {
                score = discriminator.Evaluate(input, null);
            }

            scores.AddRange(score.cpu().data<float>().ToArray());
        }

        return GenerativeAdversarialMetric.Error(scores.ToArray(), real);
    }
}
