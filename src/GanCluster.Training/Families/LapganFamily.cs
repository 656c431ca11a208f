using System.Runtime.CompilerServices;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>
/// LAPGAN (Denton et al. 2015) on 28x28 digits: a Laplacian pyramid 28 -> 14 -> 7 whose levels are separate experiments
/// (<c>"lapgan": {"level": k}</c>) that train independently, as in the paper. Level 2 is an unconditional GAN of the 7x7
/// images; levels 1 and 0 are conditional pairs: G reads noise and the upsampled coarser image l and generates the
/// band-pass residual h (its sample is the level's image l + h), D judges the pair [h, l].
/// <para>
/// In training the condition comes from the real data's pyramid, as in the paper: the generator node reads the training
/// digits itself (as VAE-GAN's encoder and the codec do: the same bundled split, the indices drawn from G's own stream)
/// and sends l with the fake batch as the side input <see cref="CoarseInput"/>; D builds the same pyramid from its own
/// real batch (<see cref="Objectives.LapganObjective"/>). Nothing else crosses the wire, so a level runs on the cluster
/// as any side-input family does. Sampling chains the levels (<see cref="LapganSampler"/>).
/// </para>
/// A spec with <c>"level": null</c> is the whole pyramid: <c>train --local</c> trains its levels one after another and the
/// coordinator queues them as one experiment whose levels run on as many free pairs as there are
/// (<see cref="Levels(ExperimentSpec)"/>); it has no networks of its own.
/// </summary>
public sealed class LapganFamily : GanFamily
{
    /// <summary>Side-input name of the upsampled coarser image l a conditional level's G read: float [N, 1, s, s] in the model's range.</summary>
    public const string CoarseInput = "lapgan/coarse";

    /// <summary>The pyramid's levels for 28x28 digits: 0 (28x28), 1 (14x14), 2 (7x7, the coarsest).</summary>
    public const int LevelCount = 3;

    /// <summary>The coarsest level, the unconditional GAN.</summary>
    public const int Coarsest = LevelCount - 1;

    /// <summary>Images the sample grid of a conditional level draws its condition from: the first training digits, 8 per row.</summary>
    public const int GridImages = GanCluster.Training.Core.GeneratorHalf.FixedNoiseCount;

    private static readonly ConditionalWeakTable<ExperimentSpec, Tensor> TrainingImages = new();
    private static readonly Lock TrainingImagesLock = new();

    public override SampleRange OutputRange => SampleRange.Symmetric;

    public override bool SupportsConditional => false;

    public override bool SupportsPacking => false;

    /// <summary>Level 2's D appends the batch's minibatch standard deviation, so a score depends on the rest of the batch.</summary>
    public override bool DiscriminatorNormalizesBatch => true;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec)
    {
        var level = TrainedLevel(spec);
        return level == Coarsest ? new LapganCoarseGenerator(spec.LatentSize) : new LapganResidualGenerator(spec.LatentSize, Side(level));
    }

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec)
    {
        var level = TrainedLevel(spec);
        return level == Coarsest ? new LapganCoarseDiscriminator() : new LapganResidualDiscriminator(Side(level));
    }

    /// <summary>The level's image [1, s, s]; the whole pyramid's chained sample [1, 28, 28].</summary>
    public override long[] SampleShape(ExperimentSpec spec) => [1, Side(spec.Lapgan?.Level ?? 0), Side(spec.Lapgan?.Level ?? 0)];

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = RequireDigits(spec, "its pyramid is 28 -> 14 -> 7");
        if (!spec.IsImageData)
        {
            return errors;
        }

        if (spec.Loss != LossKind.Lapgan)
        {
            errors.Add(new SpecError("loss", $"model lapgan's discriminators judge a residual beside its coarse image, which loss lapgan builds; got {FamilyCatalog.Name(spec.Loss)}; use \"loss\": \"lapgan\""));
        }

        if (spec.Lapgan is null)
        {
            errors.Add(new SpecError("lapgan", "is required for model lapgan (for example {\"level\": null} for the whole pyramid, or {\"level\": 2} for its coarsest level)"));
        }
        else if (spec.Lapgan.Level is { } level && level is < 0 or > Coarsest)
        {
            errors.Add(new SpecError("lapgan.level", $"must be 0 (28x28 residual), 1 (14x14 residual), 2 (7x7 images) or null (the whole pyramid, one experiment per level); got {level}"));
        }

        if (spec.Lapgan?.CoarseRounds is { } coarseRounds)
        {
            if (spec.Lapgan.Level is { } trained)
            {
                errors.Add(new SpecError("lapgan.coarseRounds", $"sets level 2's rounds within the whole pyramid (level null); this experiment trains level {trained} alone, so set \"rounds\" instead and remove coarseRounds"));
            }
            else if (coarseRounds < 1)
            {
                errors.Add(new SpecError("lapgan.coarseRounds", $"must be >= 1 (or null: level 2 trains for \"rounds\" like the others); got {coarseRounds}"));
            }
        }

        return errors;
    }

    /// <summary>True for the whole pyramid (model lapgan, level null): an experiment of experiments, one per level.</summary>
    public static bool IsPyramid(ExperimentSpec spec) => spec.Model == ModelKind.Lapgan && spec.Lapgan is { Level: null };

    /// <summary>
    /// The pyramid's levels as experiments, coarsest first (the order sampling chains them and a single pair runs them):
    /// the spec with its level set and the name suffixed <c>-level{k}</c>, and level 2's rounds from
    /// <see cref="LapganSpec.CoarseRounds"/> when set. Everything else, the seed included, is shared.
    /// </summary>
    public static IReadOnlyList<ExperimentSpec> Levels(ExperimentSpec pyramid)
    {
        if (!IsPyramid(pyramid))
        {
            throw new ArgumentException("lapgan.level: only the whole pyramid (model lapgan, level null) splits into levels");
        }

        return Enumerable.Range(0, LevelCount).Reverse()
            .Select(level => pyramid with
            {
                Name = LevelName(pyramid.Name, level),
                Lapgan = new LapganSpec { Level = level },
                Rounds = level == Coarsest ? pyramid.Lapgan!.CoarseRounds ?? pyramid.Rounds : pyramid.Rounds,
            })
            .ToList();
    }

    /// <summary>The name of a pyramid's level experiment (and of its run subfolder).</summary>
    public static string LevelName(string pyramidName, int level) => $"{pyramidName}-level{level}";

    /// <summary>The side of level <paramref name="level"/>'s images: 28 >> level.</summary>
    public static int Side(int level) => 28 >> level;

    /// <summary>
    /// G's input from the current (G's) stream. Level 2: z ~ N(0, I). Levels 1 and 0: the indices of <paramref name="count"/>
    /// training digits (uniform with replacement), then the noise; the digits' upsampled coarser image l at the level
    /// (<see cref="LapganPyramid.Coarse"/>) is folded into Z beside the noise and travels as <see cref="CoarseInput"/>.
    /// </summary>
    public override GeneratorInput DrawInput(ExperimentSpec spec, int count, Device device)
    {
        var level = TrainedLevel(spec);
        if (level == Coarsest)
        {
            return base.DrawInput(spec, count, device);
        }

        using var scope = NewDisposeScope();
        var images = Training(spec);
        var indices = randint(0, images.shape[0], count, dtype: int64);
        var noise = randn(count, spec.LatentSize, device: device);
        var real = images.index_select(0, indices).to(device).ToSymmetric();
        var coarse = LapganPyramid.Coarse(real, level);
        return new GeneratorInput(LapganResidualGenerator.Fold(noise, coarse).MoveToOuterDisposeScope(), null, new Dictionary<string, Tensor>
        {
            [CoarseInput] = coarse.MoveToOuterDisposeScope(),
        });
    }

    /// <summary>
    /// The sample grid: level 2 the fixed noise batch; levels 1 and 0 the fixed noise beside the coarse images of the first
    /// 64 training digits (no random draw), so the grid shows the level's residuals on the same digits round after round.
    /// </summary>
    public override SampleGridInput GridInput(ExperimentSpec spec, Tensor fixedNoise, Tensor? fixedLabels)
    {
        var level = TrainedLevel(spec);
        if (level == Coarsest)
        {
            return base.GridInput(spec, fixedNoise, fixedLabels);
        }

        using var scope = NewDisposeScope();
        var images = Training(spec);
        var count = Math.Min(fixedNoise.shape[0], images.shape[0]);
        var real = images.narrow(0, 0, count).to(fixedNoise.device).ToSymmetric();
        var z = LapganResidualGenerator.Fold(fixedNoise.narrow(0, 0, count), LapganPyramid.Coarse(real, level));
        return new SampleGridInput(z.MoveToOuterDisposeScope(), null, 8);
    }

    /// <summary>The level a single experiment trains; the whole pyramid has no networks of its own.</summary>
    private static int TrainedLevel(ExperimentSpec spec) => spec.Lapgan?.Level ?? throw new ArgumentException(
        "lapgan.level: the whole pyramid (level null) has no networks of its own; it runs as one experiment per level (gancluster train --local or submit split it); set level 0, 1 or 2 for one level");

    /// <summary>The training split's images in [0, 1] (CPU), loaded once per spec instance as the discriminator half loads them.</summary>
    private static Tensor Training(ExperimentSpec spec)
    {
        lock (TrainingImagesLock)
        {
            if (!TrainingImages.TryGetValue(spec, out var images))
            {
                var (train, heldOut) = DatasetCatalog.Load(spec);
                heldOut.Dispose();
                images = train.Samples.DetachFromDisposeScope();
                TrainingImages.Add(spec, images);
            }

            return images;
        }
    }
}

/// <summary>
/// The Laplacian pyramid's two operators and what each level's discriminator reads. Downsampling is the 2x2 mean (28 ->
/// 14 -> 7), upsampling bilinear (align_corners false); both are linear and draw nothing, so G's node and D's node build
/// the same pyramid from the same digits.
/// </summary>
public static class LapganPyramid
{
    /// <summary>d(x): the mean of each 2x2 block, [N, C, s, s] -> [N, C, s / 2, s / 2].</summary>
    public static Tensor Down(Tensor x)
    {
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        return x.reshape(n, c, h / 2, 2, w / 2, 2).mean(new long[] { 3, 5 });
    }

    /// <summary>u(x): bilinear upsampling by 2, [N, C, s, s] -> [N, C, 2s, 2s].</summary>
    public static Tensor Up(Tensor x) =>
        nn.functional.interpolate(x, new long[] { x.shape[2] * 2, x.shape[3] * 2 }, mode: InterpolationMode.Bilinear, align_corners: false);

    /// <summary>I_k: the digits [N, 1, 28, 28] at level k (k times downsampled).</summary>
    public static Tensor Image(Tensor digits, int level)
    {
        var x = digits;
        for (var i = 0; i < level; i++)
        {
            x = Down(x);
        }

        return x;
    }

    /// <summary>l_k = u(I_{k+1}): the upsampled coarser image the residual of level k (0 or 1) is conditioned on.</summary>
    public static Tensor Coarse(Tensor digits, int level) => Up(Image(digits, level + 1));

    /// <summary>
    /// What level k's D reads for real digits [N, 1, 28, 28]: I_2 at the coarsest level, else the pair [h_k, l_k] with
    /// h_k = I_k - l_k (the band-pass residual), [N, 2, s, s].
    /// </summary>
    public static Tensor RealInput(Tensor digits, int level)
    {
        if (level == LapganFamily.Coarsest)
        {
            return Image(digits, level);
        }

        var image = Image(digits, level);
        var coarse = Up(Down(image));
        return cat(new[] { image.sub(coarse), coarse }, 1);
    }

    /// <summary>What level k's D reads for G's images [N, 1, s, s] with their condition l: the image itself at the coarsest level, else [image - l, l].</summary>
    public static Tensor FakeInput(Tensor images, Tensor? coarse, int level)
    {
        if (level == LapganFamily.Coarsest)
        {
            return images;
        }

        var l = coarse ?? throw new ArgumentException($"side input {LapganFamily.CoarseInput}: level {level}'s fake batch must carry the coarse image its generator read");
        return cat(new[] { images.sub(l), l }, 1);
    }
}
