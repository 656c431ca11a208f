using System.Text.Json.Serialization;
using GanCluster.Training.Families;
using GanCluster.Training.Objectives;

namespace GanCluster.Training.Options;

/// <summary>
/// Network families: the registry of families. Each value is the JSON name an experiment writes as "model" and the
/// class in Families/ that implements it (see <see cref="FamilyCatalog"/>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelKind>))]
public enum ModelKind
{
    /// <summary>Goodfellow et al. (2014) MNIST MLP: G 100-1200-1200-784, D maxout 240x5 twice with dropout.</summary>
    [JsonStringEnumMemberName("mlp")] [Family<MlpFamily>] Mlp,
    /// <summary>Radford et al. (2015) DCGAN for 28x28 or 64x64 images.</summary>
    [JsonStringEnumMemberName("dcgan")] [Family<DcganFamily>] Dcgan,
    /// <summary>A small MLP pair for 2-D toy data.</summary>
    [JsonStringEnumMemberName("toy")] [Family<ToyFamily>] Toy,
    /// <summary>Chen et al. (2016) InfoGAN for 28x28 images: G reads z and latent codes, D has a Q head that predicts them.</summary>
    [JsonStringEnumMemberName("infogan")] [Family<InfoGanFamily>] InfoGan,
    /// <summary>Salimans et al. (2016) semi-supervised GAN for 28x28 digits: D a 10-class + fake classifier (weight-normalized MLP with noise), G an MLP.</summary>
    [JsonStringEnumMemberName("ssgan")] [Family<SsganFamily>] Ssgan,
    /// <summary>Springenberg (2016) CatGAN for 28x28 digits: D a 10-class classifier (small conv net with input noise), G a DCGAN-style net.</summary>
    [JsonStringEnumMemberName("catgan")] [Family<CatGanFamily>] CatGan,
    /// <summary>Im et al. (2016) GRAN for 28x28 images: G draws on a canvas over gran.steps steps (a shared canvas encoder, a DCGAN-style decoder), D the DCGAN discriminator.</summary>
    [JsonStringEnumMemberName("gran")] [Family<GranFamily>] Gran,
    /// <summary>Larsen et al. (2016) VAE-GAN for 28x28 images: an encoder beside G on the generator's node, D's features as the reconstruction metric; loss vaegan.</summary>
    [JsonStringEnumMemberName("vaegan")] [Family<VaeGanFamily>] VaeGan,
    /// <summary>The survey's CNN image codec for 28x28 images: a convolutional encoder and binariser on G's node (the codes are the "fake batch"), the convolutional decoder on D's node; loss codec.</summary>
    [JsonStringEnumMemberName("codec")] [Family<CodecFamily>] Codec,
    /// <summary>Denton et al. (2015) LAPGAN for 28x28 images: one level of the Laplacian pyramid 28 -> 14 -> 7 per experiment (lapgan.level); loss lapgan.</summary>
    [JsonStringEnumMemberName("lapgan")] [Family<LapganFamily>] Lapgan,
}

/// <summary>Data sets a discriminator can read its real samples from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DatasetKind>))]
public enum DatasetKind
{
    /// <summary>The 10,000 MNIST digits bundled with GanCluster (or an IDX folder given by dataPath).</summary>
    [JsonStringEnumMemberName("mnist")] Mnist,
    /// <summary>Fashion-MNIST from /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist) or dataPath.</summary>
    [JsonStringEnumMemberName("fashion-mnist")] FashionMnist,
    /// <summary>2-D mixture of 8 Gaussians on a ring.</summary>
    [JsonStringEnumMemberName("ring8")] Ring8,
    /// <summary>2-D mixture of 25 Gaussians on a 5x5 grid.</summary>
    [JsonStringEnumMemberName("grid25")] Grid25,
}

/// <summary>
/// The adversarial objective: the registry of objectives. Each value is the JSON name an experiment writes as "loss"
/// and the class in Objectives/ that implements it (see <see cref="ObjectiveCatalog"/>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<LossKind>))]
public enum LossKind
{
    /// <summary>The paper's minimax game: G minimizes log(1 - D(G(z))).</summary>
    [JsonStringEnumMemberName("minimax")] [Objective<MinimaxObjective>] Minimax,
    /// <summary>The non-saturating variant: G maximizes log D(G(z)).</summary>
    [JsonStringEnumMemberName("non-saturating")] [Objective<NonSaturatingObjective>] NonSaturating,
    /// <summary>Hinge loss (Lim &amp; Ye 2017; Miyato et al. 2018): D on raw scores, G minimizes -D(G(z)).</summary>
    [JsonStringEnumMemberName("hinge")] [Objective<HingeObjective>] Hinge,
    /// <summary>WGAN-GP (Gulrajani et al. 2017): a critic on raw scores with a gradient penalty on interpolates, lambda 10.</summary>
    [JsonStringEnumMemberName("wgan-gp")] [Objective<WganGpObjective>] WganGp,
    /// <summary>InfoGAN (Chen et al. 2016): non-saturating plus the mutual-information lower bound of the codes; model infogan only.</summary>
    [JsonStringEnumMemberName("infogan")] [Objective<InfoGanObjective>] InfoGan,
    /// <summary>VAE-GAN (Larsen et al. 2016): KL prior on E, L_llike in D's features on E and G, non-saturating GAN with x~ and x_p as fakes; model vaegan only.</summary>
    [JsonStringEnumMemberName("vaegan")] [Objective<VaeGanObjective>] VaeGan,
    /// <summary>Semi-supervised GAN (Salimans et al. 2016): D's cross-entropy on 100 labels plus real-vs-fake, G by feature matching; model ssgan only.</summary>
    [JsonStringEnumMemberName("ssgan")] [Objective<SsganObjective>] Ssgan,
    /// <summary>CatGAN (Springenberg 2016): entropy objectives on D's class distribution, plus cross-entropy on labelsPerClass labels; model catgan only.</summary>
    [JsonStringEnumMemberName("catgan")] [Objective<CatGanObjective>] CatGan,
    /// <summary>The codec's reconstruction loss (pixel MSE) across the split: the decoder trains on it in D's step, the encoder gets dLoss/dCode; model codec only.</summary>
    [JsonStringEnumMemberName("codec")] [Objective<CodecObjective>] Codec,
    /// <summary>LAPGAN (Denton et al. 2015): non-saturating GAN on a level's band-pass residual beside its coarse image (real pairs from D's own batch, fake pairs from G's image and its coarse side input); model lapgan only.</summary>
    [JsonStringEnumMemberName("lapgan")] [Objective<LapganObjective>] Lapgan,
}

[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    [JsonStringEnumMemberName("adam")] Adam,
    /// <summary>SGD with momentum, as in Goodfellow et al. (2014).</summary>
    [JsonStringEnumMemberName("sgd")] Sgd,
}

/// <summary>Settings of one optimizer.</summary>
public sealed record OptimizerSpec
{
    /// <summary>adam or sgd.</summary>
    public OptimizerKind Type { get; init; } = OptimizerKind.Adam;
    /// <summary>Learning rate, &gt; 0.</summary>
    public double LearningRate { get; init; } = 2e-4;
    /// <summary>Adam's beta1 (DCGAN uses 0.5), in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.5;
    /// <summary>Adam's beta2, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>SGD momentum, in [0, 1).</summary>
    public double Momentum { get; init; } = 0.5;
    /// <summary>Learning rate at the run's last step, reached linearly from learningRate; null = constant learningRate.</summary>
    public double? FinalLearningRate { get; init; }
    /// <summary>
    /// With finalLearningRate: the round after which the rate starts to fall (constant up to it, then linear to
    /// finalLearningRate at the last step), as a step decay late in a run; null or 0 = from the first step.
    /// </summary>
    public int? DecayAfterRound { get; init; }
    /// <summary>
    /// Changes of learningRate during the run, in order: from round afterRound + 1 on, the optimizer uses the change's
    /// learningRate in place of the field above (with finalLearningRate the line then runs from it). A population-based
    /// sweep's member replayed as one experiment (<c>gancluster sweep replay</c>) carries its explored rates here.
    /// </summary>
    public IReadOnlyList<LearningRateChange> LearningRateChanges { get; init; } = [];

    /// <summary>Value equality, the list included (a spec read back from JSON equals the one written).</summary>
    public bool Equals(OptimizerSpec? other) =>
        other is not null && Type == other.Type && LearningRate.Equals(other.LearningRate) && Beta1.Equals(other.Beta1) && Beta2.Equals(other.Beta2)
        && Momentum.Equals(other.Momentum) && Nullable.Equals(FinalLearningRate, other.FinalLearningRate) && DecayAfterRound == other.DecayAfterRound
        && (ReferenceEquals(LearningRateChanges, other.LearningRateChanges) || (LearningRateChanges is not null && other.LearningRateChanges is not null && LearningRateChanges.SequenceEqual(other.LearningRateChanges)));

    public override int GetHashCode() => HashCode.Combine(Type, LearningRate, Beta1, Beta2, Momentum, FinalLearningRate, LearningRateChanges?.Count ?? -1);
}

/// <summary>From round <see cref="AfterRound"/> + 1 on, the optimizer's learning rate is <see cref="LearningRate"/>.</summary>
public sealed record LearningRateChange
{
    /// <summary>The last round trained at the earlier rate, in [1, rounds).</summary>
    public int AfterRound { get; init; }
    /// <summary>The learning rate from the next round on, &gt; 0.</summary>
    public double LearningRate { get; init; }
}

/// <summary>
/// Shape of the 2-D Gaussian mixtures. The defaults are the unrolled-GAN ring (Metz et al. 2016: radius 2, std 0.02);
/// the presets set the published protocols explicitly (see <see cref="Presets"/>).
/// </summary>
public sealed record MixtureSpec
{
    /// <summary>Radius of the ring (ring8).</summary>
    public double Radius { get; init; } = 2.0;
    /// <summary>Distance between neighbouring grid modes (grid25).</summary>
    public double Spacing { get; init; } = 2.0;
    /// <summary>Standard deviation of every mode.</summary>
    public double Std { get; init; } = 0.02;
    /// <summary>Number of samples drawn once to form the training set.</summary>
    public int Samples { get; init; } = 20_000;
}

/// <summary>The toy MLPs (model toy): width and number of hidden layers of G and D, and the distribution of G's noise.</summary>
public sealed record ToyModelSpec
{
    /// <summary>Units of every hidden layer of G, &gt;= 1.</summary>
    public int GeneratorWidth { get; init; } = 128;
    /// <summary>Hidden layers of G (ReLU), 1 to 8.</summary>
    public int GeneratorDepth { get; init; } = 2;
    /// <summary>Units of every hidden layer of D, &gt;= 1.</summary>
    public int DiscriminatorWidth { get; init; } = 128;
    /// <summary>Hidden layers of D (LeakyReLU 0.2), 1 to 8.</summary>
    public int DiscriminatorDepth { get; init; } = 2;
    /// <summary>
    /// Disconnected latent space: 0 = off; K &gt;= 2 = G turns z's first coordinate into a uniform category
    /// floor(K * Phi(z_0)) fed as a one-hot beside the other coordinates (needs latentSize &gt;= 2). No labels are used.
    /// </summary>
    public int LatentCategories { get; init; }
    /// <summary>
    /// The distribution of z: normal (default) or uniform, U(-1, 1) per coordinate, whose bounded support leaves G no
    /// latent tail to map between or beyond the modes. Uniform cannot be combined with latentCategories (which reads z_0 as normal).
    /// </summary>
    public LatentNoise Noise { get; init; } = LatentNoise.Normal;
}

/// <summary>GRAN's recurrent generator (model gran only).</summary>
public sealed record GranSpec
{
    /// <summary>T: steps the generator draws on its canvas, 1 to 10 (the paper uses 3 to 5).</summary>
    public int Steps { get; init; } = 3;
}

/// <summary>The distribution of G's noise z (<c>infogan.noise</c>, <c>toy.noise</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LatentNoise>))]
public enum LatentNoise
{
    /// <summary>z ~ N(0, I).</summary>
    [JsonStringEnumMemberName("normal")] Normal,
    /// <summary>z ~ U(-1, 1) per coordinate (bounded: no latent tail), as in Chen et al.'s released InfoGAN code (openai/InfoGAN, run_mnist_exp.py: Uniform(62)).</summary>
    [JsonStringEnumMemberName("uniform")] Uniform,
}

/// <summary>InfoGAN's noise and the weight of its continuous codes in L_I (model infogan only).</summary>
public sealed record InfoGanSpec
{
    /// <summary>The distribution of the latentSize noise coordinates beside the codes: normal (default) or uniform.</summary>
    public LatentNoise Noise { get; init; } = LatentNoise.Normal;

    /// <summary>
    /// lambda of the continuous codes: the weight of their Gaussian negative log-likelihood in L_I, a finite number &gt;= 0
    /// (0.1 by default; the released code uses 1, the weight of the categorical code).
    /// </summary>
    public double ContinuousWeight { get; init; } = 0.1;
}

/// <summary>The semi-supervised GAN's discriminator network (<c>ssgan.discriminator</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SsganNetwork>))]
public enum SsganNetwork
{
    /// <summary>Salimans et al.'s MNIST D: the weight-normalized MLP 784-1000-500-250-250-250-10 with Gaussian noise.</summary>
    [JsonStringEnumMemberName("mlp")] Mlp,
    /// <summary>CatGAN's small convolutional D (two 4x4 stride-2 convolutions, FC 128) with the 10 class logits as its head.</summary>
    [JsonStringEnumMemberName("conv")] Conv,
}

/// <summary>The semi-supervised GAN's networks (model ssgan only; absent = Salimans et al.'s MLPs).</summary>
public sealed record SsganSpec
{
    /// <summary>D's network: mlp (Salimans et al.'s, the default) or conv.</summary>
    public SsganNetwork Discriminator { get; init; } = SsganNetwork.Mlp;

    /// <summary>
    /// Random translation of every image D sees in training, real or generated, labelled or not (DiffAugment's
    /// translation, Zhao et al. 2020): each image moved by its own whole-pixel shift, up to this many pixels per axis, zero
    /// filled. 1-<see cref="Models.RandomTranslation.MaxShift"/>; null (or 0) = none, so older specs and recipe hashes are
    /// unchanged. The supervised-only baseline of the evaluation is trained with the same shifts; the figures are read
    /// from the digits unshifted.
    /// </summary>
    public int? Translate { get; init; }

    /// <summary>
    /// The weight of virtual adversarial training's term (Miyato et al. 2018) in D's loss: on every unlabelled real batch,
    /// the KL divergence of D's class distribution at each digit from the one at the digit moved by
    /// <see cref="VatEpsilon"/> in the direction (L2) that changes it most, found by one power iteration. Read from D
    /// without its noise, as the figures read it. null (or 0) = none, so older specs and recipe hashes are unchanged.
    /// The supervised-only baseline of the evaluation stays the 100 labels alone.
    /// </summary>
    public double? VatWeight { get; init; }

    /// <summary>The L2 length of VAT's perturbation of a digit in [0, 1] (Miyato et al.'s MNIST code: 0.3, the default); needs <see cref="VatWeight"/>.</summary>
    public double? VatEpsilon { get; init; }

    /// <summary>
    /// The weight of the conditional entropy of D's class distribution on the unlabelled real batch in D's loss (entropy
    /// minimization, Grandvalet &amp; Bengio 2005; with VAT, Miyato et al.'s VAT+EntMin). null (or 0) = none.
    /// </summary>
    public double? EntropyWeight { get; init; }
}

/// <summary>CatGAN's weighting (model catgan only; absent = the paper's objective).</summary>
public sealed record CatGanSpec
{
    /// <summary>
    /// The weight of the marginal class entropy H_X[p(y|D)] of the real batch in D's loss, &gt; 0: the paper's objective
    /// has 1; larger values push D's classes towards equal use on the digits harder, the trade-off of regularized
    /// information maximization (Krause et al. 2010), of which CatGAN's D objective is the adversarial form.
    /// </summary>
    public double MarginalWeight { get; init; } = 1;

    /// <summary>
    /// The weight of the marginal class entropy H_G[p(y|D)] of the fake batch in G's loss, &gt; 0; null is the paper's 1
    /// (and leaves the recipe hash of a spec without it as it was). Larger values push G's samples towards D's classes in
    /// equal shares harder.
    /// </summary>
    public double? GeneratorMarginalWeight { get; init; }

    /// <summary>
    /// Random translation of every image D trains on, real, labelled or generated (DiffAugment's translation, Zhao et al.
    /// 2020): each image moved by its own whole-pixel shift of up to this many pixels per axis, the border filled with the
    /// background (-1). 1-<see cref="Models.RandomTranslation.MaxShift"/>; null (or 0) = none, so older specs and recipe
    /// hashes are unchanged. The figures are read from the digits unshifted.
    /// </summary>
    public int? Translate { get; init; }

    /// <summary>
    /// How many classes D has, 2-<see cref="Families.CatGanFamily.MaxClusters"/>; null = the digits' 10 (and older specs'
    /// recipe hashes unchanged). Unsupervised only (with labels D's classes are the digits). With more clusters than digit
    /// classes the clustering figure maps each cluster to the digit most of its digits carry (many-to-one), the protocol of
    /// the paper's unsupervised MNIST figure, which had 20 clusters; with 10 or fewer it is the best one-to-one matching.
    /// </summary>
    public int? Clusters { get; init; }

    /// <summary>
    /// D's network: null or <see cref="CatGanNetwork.Small"/> = two strided convolutions (the presets until stop
    /// 52, and older specs' recipe hashes unchanged); <see cref="CatGanNetwork.Deep"/> = the layer plan of the
    /// paper's MNIST D (five convolutions with max-pooling), without its batch normalization.
    /// </summary>
    public CatGanNetwork? Discriminator { get; init; }

    /// <summary>
    /// Batch normalization after every hidden layer of D but the first (DCGAN's placement; the paper's MNIST D has batch
    /// normalization): true; null or false = none (older specs' recipe hashes unchanged). In training each batch D sees
    /// (real, labelled or generated) is normalized by its own statistics; the figures are read with statistics recomputed
    /// on the training digits (<see cref="Metrics.PreciseBatchNorm"/>), since the running ones average real and generated
    /// batches.
    /// </summary>
    public bool? BatchNorm { get; init; }

    /// <summary>
    /// A step change of <see cref="MarginalWeight"/> during the run: from round afterRound + 1 on, D's marginal weight is
    /// the change's weight. A strong weight early spreads the digits over every class; the paper's 1 afterwards lets D
    /// become certain of each digit. Null = the one weight throughout (and older specs' recipe hashes unchanged).
    /// </summary>
    public MarginalWeightChange? MarginalWeightChange { get; init; }

    /// <summary>
    /// The weight of virtual adversarial training's term (Miyato et al. 2018) in D's loss on every real batch: the KL
    /// divergence of D's class distribution at each digit from the one at the digit moved by <see cref="VatEpsilon"/> in
    /// the direction that changes it most (IMSAT's regularizer, Hu et al. 2017, beside information maximization, of which
    /// CatGAN's D objective is the adversarial form). Read from D without its noise. null (or 0) = none.
    /// </summary>
    public double? VatWeight { get; init; }

    /// <summary>VAT's L2 perturbation length for digits in [0, 1] (D reads [-1, 1], so it moves them twice as far); default 0.3; needs <see cref="VatWeight"/>.</summary>
    public double? VatEpsilon { get; init; }
}

/// <summary>From round <see cref="AfterRound"/> + 1 on, CatGAN's D weighs the real batch's marginal class entropy by <see cref="Weight"/>.</summary>
public sealed record MarginalWeightChange
{
    /// <summary>The last round trained at catgan.marginalWeight, in [1, rounds).</summary>
    public int AfterRound { get; init; }
    /// <summary>The weight from the next round on, in (0, 100].</summary>
    public double Weight { get; init; }
}

/// <summary>CatGAN's discriminator network (catgan.discriminator).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CatGanNetwork>))]
public enum CatGanNetwork
{
    /// <summary>4x4 convolutions 32 and 64 with stride 2, FC 128: a round trains about 3.5 times as fast as with the deep network (stop 52).</summary>
    [JsonStringEnumMemberName("small")] Small,
    /// <summary>The paper's MNIST plan: 5x5 conv 32, 3x3 max-pool, two 3x3 conv 64, 3x3 max-pool, 3x3 conv 128, 1x1 conv 10, FC 128.</summary>
    [JsonStringEnumMemberName("deep")] Deep,
}

/// <summary>VAE-GAN's weighting (model vaegan only).</summary>
public sealed record VaeGanSpec
{
    /// <summary>
    /// The paper's gamma: the weight of the reconstruction error L_llike (in D's features) against the GAN term in the
    /// decoder's loss, &gt; 0; the encoder's loss is L_prior + L_llike unweighted.
    /// </summary>
    public double Gamma { get; init; } = 0.01;

    /// <summary>
    /// The paper's baseline with the same networks: E and G trained as a plain VAE (KL + Gaussian pixel likelihood, no GAN
    /// term, so G ignores D; D still trains beside it and gives the Dis_l figure). Needs gamma 1 (both networks weigh the
    /// reconstruction term alike).
    /// </summary>
    public bool PlainVae { get; init; }
}

/// <summary>The image codec's code size (model codec only).</summary>
public sealed record CodecSpec
{
    /// <summary>Bits per image: the encoder's binary code, a multiple of 8 from 8 to 1024 (the codes are laid out as 8 rows of bits / 8).</summary>
    public int Bits { get; init; } = 64;
}

/// <summary>LAPGAN's pyramid level (model lapgan only).</summary>
public sealed record LapganSpec
{
    /// <summary>
    /// The level this experiment trains: 2 = the GAN of the coarsest 7x7 images, 1 = the conditional pair of the 14x14
    /// residual, 0 = the 28x28 residual; null = the whole pyramid, which <c>train --local</c> and the coordinator run as one
    /// experiment per level (README, LAPGAN).
    /// </summary>
    public int? Level { get; init; }

    /// <summary>
    /// Rounds of the coarsest level (2, the 7x7 GAN) when the whole pyramid is trained; null = <c>rounds</c>, like the
    /// other levels. The coarse level is the pyramid's bottleneck and costs about a hundredth of level 0 per round, so
    /// it can train much longer for little time (docs/QUALITY-RECIPES.md, LAPGAN).
    /// </summary>
    public int? CoarseRounds { get; init; }
}

/// <summary>
/// Top-k training (Sinha et al. 2020, "Top-k Training of GANs: Improving GAN Performance by Throwing Away Bad Samples"):
/// G's loss uses only the k fake samples (packed groups with packing) that D scores highest; k starts at the batch and is
/// multiplied by <see cref="Gamma"/> every <see cref="Interval"/> generator steps, down to <see cref="MinFraction"/> of it.
/// </summary>
public sealed record TopKSpec
{
    /// <summary>nu: the smallest k as a fraction of the batch, in (0, 1]; 1 = off (every sample counts).</summary>
    public double MinFraction { get; init; } = 1;
    /// <summary>gamma: the factor applied to k every interval, in (0, 1] (the paper: 0.99 per epoch).</summary>
    public double Gamma { get; init; } = 0.99;
    /// <summary>Generator steps between two decays of k (the paper: one epoch), &gt;= 1.</summary>
    public int Interval { get; init; } = 100;

    /// <summary>True when k can fall below the batch.</summary>
    [JsonIgnore]
    public bool On => MinFraction < 1;

    /// <summary>k for a batch of <paramref name="n"/> scores at generator step <paramref name="generatorStep"/> (0-based).</summary>
    public int Keep(int n, long generatorStep)
    {
        if (!On)
        {
            return n;
        }

        var fraction = Math.Max(MinFraction, Math.Pow(Gamma, generatorStep / Interval));
        return Math.Clamp((int)Math.Ceiling(fraction * n - 1e-9), 1, n);
    }
}

/// <summary>
/// One experiment: every hyperparameter of a run. It is validated by <see cref="SpecValidator"/>, written
/// beside every run (options.json) and inside every checkpoint.
/// </summary>
public sealed record ExperimentSpec
{
    /// <summary>Free-form name shown in listings.</summary>
    public string Name { get; init; } = "experiment";
    /// <summary>Network family, by its JSON name (mlp, dcgan, toy, ...; see <see cref="ModelKind"/>).</summary>
    public ModelKind Model { get; init; } = ModelKind.Mlp;
    /// <summary>Conditional GAN (Mirza &amp; Osindero 2014): class labels fed to G and D.</summary>
    public bool Conditional { get; init; }
    /// <summary>Real data: mnist, fashion-mnist, ring8 or grid25.</summary>
    public DatasetKind Dataset { get; init; } = DatasetKind.Mnist;
    /// <summary>Folder with IDX files to use instead of the default location of the data set.</summary>
    public string? DataPath { get; init; }
    /// <summary>Side of generated images for image models: 28 or 64 (images are resized to it).</summary>
    public int ImageSize { get; init; } = 28;
    /// <summary>Adversarial objective, by its JSON name (minimax, non-saturating, hinge, ...; see <see cref="LossKind"/>).</summary>
    public LossKind Loss { get; init; } = LossKind.NonSaturating;
    /// <summary>Discriminator steps per generator step (Algorithm 1's k), &gt;= 1.</summary>
    public int K { get; init; } = 1;
    /// <summary>Samples per batch, for both D steps and G steps.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Dimension of the noise z.</summary>
    public int LatentSize { get; init; } = 100;
    /// <summary>PacGAN packing: D judges this many samples at once (1 = off). Must divide the batch size.</summary>
    public int Packing { get; init; } = 1;
    /// <summary>Generator optimizer.</summary>
    public OptimizerSpec GeneratorOptimizer { get; init; } = new();
    /// <summary>Discriminator optimizer.</summary>
    public OptimizerSpec DiscriminatorOptimizer { get; init; } = new();
    /// <summary>
    /// R1 gradient penalty weight gamma (Mescheder et al. 2018): D's loss gains gamma / 2 * E||grad_x D(x)||^2 on real
    /// (packed) batches; 0 = off. A D-side term only: the generator's feedback is unchanged.
    /// </summary>
    public double R1Gamma { get; init; }
    /// <summary>
    /// Lazy R1 (Karras et al. 2020, StyleGAN2): the penalty on every r1Interval-th discriminator step only (steps 0, n,
    /// 2n, ...), weighted by n so that its average strength is gamma's; 1 = every step. Saves most of R1's cost (a second
    /// backward pass through D) at the steps without it.
    /// </summary>
    public int R1Interval { get; init; } = 1;
    /// <summary>
    /// R1's weight at the run's last discriminator step, reached linearly from r1Gamma (as finalLearningRate is from
    /// learningRate), so a run that needs a smooth D early can let it sharpen as the learning rate decays; null = a
    /// constant r1Gamma. A finite number &gt;= 0; needs r1Gamma &gt; 0.
    /// </summary>
    public double? R1FinalGamma { get; init; }
    /// <summary>Number of rounds; one round = k D steps + one G step.</summary>
    public int Rounds { get; init; } = 1000;
    /// <summary>Checkpoint every this many rounds (0 = only at the end).</summary>
    public int CheckpointInterval { get; init; } = 500;
    /// <summary>Write a sample grid every this many rounds (0 = only at checkpoints and the end).</summary>
    public int SampleInterval { get; init; } = 0;
    /// <summary>Seed of every random choice: initialization, noise, dropout, shuffling.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>auto (CUDA when available, else CPU), cpu, or cuda[:n].</summary>
    public string Device { get; init; } = "auto";
    /// <summary>2-D mixture settings (ring8, grid25).</summary>
    public MixtureSpec Mixture { get; init; } = new();
    /// <summary>Widths and depths of the toy model's networks (model toy only).</summary>
    public ToyModelSpec Toy { get; init; } = new();
    /// <summary>GRAN's drawing steps (model gran only).</summary>
    public GranSpec Gran { get; init; } = new();
    /// <summary>InfoGAN's noise distribution and continuous-code weight (model infogan only).</summary>
    public InfoGanSpec Infogan { get; init; } = new();
    /// <summary>The semi-supervised GAN's D network (model ssgan only); null = Salimans et al.'s MLP, so older specs and recipe hashes are unchanged.</summary>
    public SsganSpec? Ssgan { get; init; }
    /// <summary>CatGAN's objective weights, translation and cluster count (model catgan only); null = the paper's objective with 10 classes, so older specs and recipe hashes are unchanged.</summary>
    public CatGanSpec? Catgan { get; init; }
    /// <summary>VAE-GAN's gamma (model vaegan only).</summary>
    public VaeGanSpec Vaegan { get; init; } = new();
    /// <summary>The image codec's bits per image (model codec only).</summary>
    public CodecSpec Codec { get; init; } = new();
    /// <summary>LAPGAN's pyramid level (model lapgan only).</summary>
    public LapganSpec Lapgan { get; init; } = new();
    /// <summary>Decay of the exponential moving average of G's weights used for samples and evaluation, in [0, 1) (0 = off; 0.999 typical).</summary>
    public double GeneratorEma { get; init; }
    /// <summary>
    /// With generatorEma: how fast the average's decay ramps up to it. After t G steps the decay is min(generatorEma, (1 +
    /// t) / (1 + r + t)), so until the cap the average spans about the last t / r steps. Null = 9 (TensorFlow's (1 + t) /
    /// (10 + t)), so older specs and recipe hashes are unchanged; smaller values average longer early (1: about every step
    /// so far), and with the default a decay above 0.999 only matters after 9,000 G steps.
    /// </summary>
    public double? GeneratorEmaRamp { get; init; }
    /// <summary>
    /// With generatorEma: the average samples with BatchNorm statistics recomputed for its own weights from noise
    /// ("standing statistics", Brock et al. 2019), not with copies of the live G's running statistics, which describe the
    /// live weights. Null or false = off (the copies); for generators with BatchNorm whose weights move fast.
    /// </summary>
    public bool? StandingStatistics { get; init; }
    /// <summary>
    /// Decay of the exponential moving average of D's weights, in [0, 1) (0 = off): the figures read from D (ssgan's and
    /// catgan's classifier, infogan's Q head) use the average; training never does. Polyak averaging of D is how Salimans
    /// et al.'s semi-supervised code evaluates its classifier.
    /// </summary>
    public double DiscriminatorEma { get; init; }
    /// <summary>One-sided label smoothing: D's target for real samples is 1 - this (Salimans et al. 2016), in [0, 0.5) (0 = off; not with hinge).</summary>
    public double RealLabelSmoothing { get; init; }
    /// <summary>Minibatch standard deviation feature in D (Karras et al. 2018) against mode dropping; mlp and dcgan models only.</summary>
    public bool MinibatchStd { get; init; }
    /// <summary>
    /// Spectral normalisation of D (Miyato et al. 2018): every layer's weight divided by its largest singular value, and no
    /// BatchNorm in D; dcgan, gran and vaegan models. null = off, so older specs and recipe hashes are unchanged.
    /// </summary>
    public bool? SpectralNorm { get; init; }
    /// <summary>Top-k training of G (Sinha et al. 2020); off by default.</summary>
    public TopKSpec TopK { get; init; } = new();
    /// <summary>Instance noise: std of Gaussian noise added to D's inputs, real and fake, annealed linearly to 0 over the run, &gt;= 0 (0 = off).</summary>
    public double InstanceNoise { get; init; }
    /// <summary>Fraction of the data held out for evaluation (Parzen validation/test), in [0, 0.9].</summary>
    public double HeldOutFraction { get; init; } = 0.2;
    /// <summary>Labelled training digits per class, chosen by the seed (loss catgan: 0 = unsupervised, 10 = the paper's 100 labels; ssgan always uses 10).</summary>
    public int LabelsPerClass { get; init; }

    /// <summary>Number of classes for conditional models (all bundled image data sets have 10).</summary>
    [JsonIgnore]
    public int Classes => Dataset is DatasetKind.Ring8 ? 8 : Dataset is DatasetKind.Grid25 ? 25 : 10;

    /// <summary>True for data sets of images (as opposed to 2-D points).</summary>
    [JsonIgnore]
    public bool IsImageData => Dataset is DatasetKind.Mnist or DatasetKind.FashionMnist;

    /// <summary>
    /// The spec with <paramref name="rounds"/> rounds for everything it trains: the command line's <c>--rounds</c>. A LAPGAN
    /// pyramid's <see cref="LapganSpec.CoarseRounds"/> is dropped too, so a short run is short at every level.
    /// </summary>
    public ExperimentSpec WithRounds(int rounds) =>
        this with { Rounds = rounds, Lapgan = Lapgan is { CoarseRounds: not null } ? Lapgan with { CoarseRounds = null } : Lapgan };
}
