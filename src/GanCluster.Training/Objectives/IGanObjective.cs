using GanCluster.Training.Core;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Objectives;

/// <summary>
/// A GAN objective as named phases, in the spirit of stylegan2-ada's <c>loss.accumulate_gradients(phase)</c>. The
/// discriminator half runs every phase on its own side of the G/D split, inside its own random stream, and does the
/// backpropagation itself: a phase only builds the loss and names its values.
/// <list type="number">
/// <item><see cref="DiscriminatorReal"/>: the real batch, before the fake one has arrived (a cluster discriminator
/// runs it ahead, see <see cref="DiscriminatorHalf.PrepareStep"/>). Regularizers that need only the real batch (R1)
/// join its loss, as stylegan2-ada's "Dboth" phase does.</item>
/// <item><see cref="DiscriminatorFake"/>: the (detached) fake batch.</item>
/// <item><see cref="DiscriminatorRegularizer"/>: terms that need both batches (a gradient penalty on interpolates),
/// backpropagated after the fake phase and before D's optimizer steps.</item>
/// <item><see cref="Generator"/>: G's loss on a fake batch that requires grad; the half sends G dLoss/dFake only.</item>
/// </list>
/// Every phase's <see cref="PhaseLoss.Terms"/> become metrics by name (metric name -> value) with no further plumbing.
/// A name reported by several phases of one D step adds up (loss/d is the real plus the fake part). Every objective
/// reports <see cref="Monitoring.MetricNames.DLoss"/>, <see cref="Monitoring.MetricNames.DReal"/> and
/// <see cref="Monitoring.MetricNames.DFake"/> over a D step and <see cref="Monitoring.MetricNames.GLoss"/> in the G phase.
/// </summary>
public interface IGanObjective
{
    /// <summary>The real-batch phase of a D step: its loss (regularizers of the real batch included) and terms.</summary>
    PhaseLoss DiscriminatorReal(Critic critic, GanBatch real);

    /// <summary>The fake-batch phase of a D step; <paramref name="fake"/>'s samples are detached from G.</summary>
    PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake);

    /// <summary>A regularizer that needs the real and the fake batch of the step together, or null for none.</summary>
    PhaseLoss? DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake);

    /// <summary>G's loss on <paramref name="fake"/>, whose samples require grad (the half takes dLoss/dFake from it).</summary>
    GeneratorPhaseLoss Generator(Critic critic, GanBatch fake);
}

/// <summary>
/// How an objective is chosen: the <see cref="LossKind"/> value names its implementation with
/// <see cref="ObjectiveAttribute{T}"/>, and the class creates and validates itself (static members, no reflection
/// beyond reading that attribute).
/// </summary>
public interface IObjectiveDefinition
{
    /// <summary>The objective for a validated experiment.</summary>
    static abstract IGanObjective Create(ExperimentSpec spec);

    /// <summary>What this objective does not support in <paramref name="spec"/>, each error naming the field.</summary>
    static abstract IEnumerable<SpecError> Validate(ExperimentSpec spec);
}

/// <summary>A phase's loss to backpropagate and its named values (metric name -> value).</summary>
/// <param name="Loss">The scalar to backpropagate into D's parameters.</param>
/// <param name="Terms">Values to report, e.g. loss/d, d/real, loss/d_r1.</param>
public record PhaseLoss(Tensor Loss, IReadOnlyDictionary<string, double> Terms);

/// <summary>The generator phase: G's loss and terms, plus mean D(G(z)) that the feedback message has always carried.</summary>
/// <param name="DFake">Mean D(G(z)) on this batch (kept apart from <see cref="PhaseLoss.Terms"/>: d/fake is the D step's).</param>
public sealed record GeneratorPhaseLoss(Tensor Loss, double DFake, IReadOnlyDictionary<string, double> Terms) : PhaseLoss(Loss, Terms);

/// <summary>
/// A batch as an objective sees it: samples in the model's range, the class labels of a conditional model, and any
/// side inputs a family attaches to it (e.g. InfoGAN's codes c), which travel with a fake batch from the generator half.
/// </summary>
public sealed record GanBatch(Tensor Samples, Tensor? Labels, IReadOnlyDictionary<string, Tensor> SideInputs)
{
    /// <summary>A batch without side inputs.</summary>
    public GanBatch(Tensor samples, Tensor? labels)
        : this(samples, labels, NoSideInputs)
    {
    }

    /// <summary>The empty side-input map.</summary>
    public static IReadOnlyDictionary<string, Tensor> NoSideInputs { get; } = new Dictionary<string, Tensor>();
}

/// <summary>
/// What the discriminator half lends an objective for one step: D's scores with PacGAN packing applied, D itself (for
/// families whose objective reads extra heads) and the step's instance noise, drawn from D's random stream.
/// </summary>
public sealed class Critic
{
    private readonly Func<Tensor, Tensor?, Tensor> _score;
    private readonly Func<int, int> _generatorKeep;

    /// <param name="step">D's updates before this step (the step's number, 0-based): what lazy regularization counts.</param>
    public Critic(DiscriminatorNet network, Func<Tensor, Tensor?, Tensor> score, int packing, double instanceNoiseStd, Func<int, int>? generatorKeep = null, long step = 0)
    {
        _generatorKeep = generatorKeep ?? (n => n);
        Network = network;
        _score = score;
        Packing = packing;
        InstanceNoiseStd = instanceNoiseStd;
        Step = step;
    }

    /// <summary>D's updates before this step: the step's number, the same in a local run and on the cluster.</summary>
    public long Step { get; }

    /// <summary>The discriminator network, in train mode.</summary>
    public DiscriminatorNet Network { get; }

    /// <summary>PacGAN packing factor m: one score judges m samples.</summary>
    public int Packing { get; }

    /// <summary>Standard deviation of this step's instance noise (0 = off).</summary>
    public double InstanceNoiseStd { get; }

    /// <summary>One raw score (logit) per packed group of samples: shape [N / m].</summary>
    public Tensor Score(Tensor samples, Tensor? labels) => _score(samples, labels);

    /// <summary>Top-k training: how many of <paramref name="n"/> fake scores G's loss keeps at this step (n when off).</summary>
    public int GeneratorKeep(int n) => _generatorKeep(n);

    /// <summary>D's input with this step's instance noise added (a draw from D's stream; the input itself when off).</summary>
    public Tensor AddInstanceNoise(Tensor samples) => DiscriminatorRegularizers.AddInstanceNoise(samples, InstanceNoiseStd);
}
