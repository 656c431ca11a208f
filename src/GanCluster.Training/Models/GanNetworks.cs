using TorchSharp;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>
/// What generator and discriminator networks share: layer factories that shadow TorchSharp's <c>nn.LeakyReLU</c> and
/// <c>nn.BatchNorm2d</c> inside every network class, so no network hands libtorch a temporary scalar.
/// </summary>
public abstract class GanNetwork : nn.Module<Tensor, Tensor?, Tensor>
{
    protected GanNetwork(string name) : base(name)
    {
        // libtorch's process settings before any network computes: the zero fill of new tensor blocks (TorchZeroFill).
        TorchRuntime.EnsureLoaded();
    }

    /// <summary>
    /// Shadows <c>nn.LeakyReLU</c> for every network: TorchSharp's module passes its slope as a temporary
    /// scalar that a concurrent garbage collection may free mid-call (see <see cref="KeptScalars"/>).
    /// </summary>
    protected static nn.Module<Tensor, Tensor> LeakyReLU(double negativeSlope = 0.01, bool inplace = false) => new KeptLeakyReLU(negativeSlope, inplace);

    /// <summary>Shadows <c>nn.BatchNorm2d</c>: TorchSharp's counts its batches with temporary scalars (see <see cref="KeptBatchNorm2d"/>).</summary>
    protected static TorchSharp.Modules.BatchNorm BatchNorm2d(long features) => new KeptBatchNorm2d(features);
}

/// <summary>
/// A generator network: (z [N, latent], labels [N] int64 or null) -> samples [N, ...sample shape], in the
/// model's output range (see <see cref="Families.IGanFamily.OutputRange"/>). Labels are non-null exactly when
/// the model is conditional.
/// </summary>
public abstract class GeneratorNet : GanNetwork
{
    protected GeneratorNet(string name) : base(name)
    {
    }

    /// <summary>
    /// A loss term of the generator node's own, from the last train-mode forward that built a graph (VAE-GAN's KL prior on
    /// its encoder), or null: most generators have none. The caller takes ownership (disposes it); a second call returns
    /// null. <see cref="Core.GeneratorHalf"/> backpropagates it together with dLoss/dFake, so a term that never leaves
    /// G's node needs no change to what the halves exchange.
    /// </summary>
    public virtual Tensor? TakeLocalLoss() => null;
}

/// <summary>
/// A discriminator network: (packed samples [B, m * C, ...], labels [B, m] int64 or null) -> one raw score
/// per packed group, shape [B]. Scores are logits: D(x) = sigmoid(score) for the minimax and
/// non-saturating losses; the hinge loss uses them as they are. m is the PacGAN packing factor (1 = off):
/// m samples are concatenated along the first feature axis (channels for images, features for vectors).
/// </summary>
public abstract class DiscriminatorNet : GanNetwork
{
    protected DiscriminatorNet(string name) : base(name)
    {
    }
}

/// <summary>The value range of generated samples and of the real data as the discriminator sees it.</summary>
public enum SampleRange
{
    /// <summary>[0, 1] (sigmoid output), as in Goodfellow et al.'s MNIST MLP.</summary>
    UnitInterval,
    /// <summary>[-1, 1] (tanh output), as in DCGAN.</summary>
    Symmetric,
    /// <summary>Unbounded (linear output), for 2-D points.</summary>
    Unbounded,
}

/// <summary>LeakyReLU whose slope is a scalar that outlives every call (<see cref="KeptScalars"/>); no parameters, no state.</summary>
public sealed class KeptLeakyReLU : nn.Module<Tensor, Tensor>
{
    private readonly Scalar _slope;
    private readonly bool _inplace;

    public KeptLeakyReLU(double negativeSlope, bool inplace) : base(nameof(KeptLeakyReLU))
    {
        _slope = KeptScalars.Of(negativeSlope);
        _inplace = inplace;
    }

    public override Tensor forward(Tensor input) => _inplace ? input.leaky_relu_(_slope).alias() : input.leaky_relu(_slope);
}

/// <summary>
/// BatchNorm2d with TorchSharp's arithmetic, state and state-dict keys (weight, bias, running_mean, running_var,
/// num_batches_tracked), except that the batch counter is incremented with scalars that outlive the call: TorchSharp's
/// own forward calls <c>num_batches_tracked.add_(1)</c> with temporaries (see <see cref="KeptScalars"/>).
/// </summary>
public sealed class KeptBatchNorm2d : TorchSharp.Modules.BatchNorm
{
    public KeptBatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1)
        : base(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var averagingFactor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is not null)
        {
            num_batches_tracked.add_(KeptScalars.OfInteger(1), KeptScalars.DefaultAlpha);
            if (momentum is null)
            {
                averagingFactor = 1.0 / num_batches_tracked.item<long>();
            }
        }

        var useBatchStatistics = training || (running_mean is null && running_var is null);
        var useRunning = !training || track_running_stats;
        return nn.functional.batch_norm(input, useRunning ? running_mean : null, useRunning ? running_var : null, weight, bias, useBatchStatistics, averagingFactor, eps);
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4)
        {
            throw new ArgumentException($"batch norm: expected a 4-D input [N, C, H, W], got {input.ndim}-D");
        }
    }
}
