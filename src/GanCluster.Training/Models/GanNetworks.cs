using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>
/// A generator network: (z [N, latent], labels [N] int64 or null) -> samples [N, ...sample shape], in the
/// model's output range (see <see cref="ModelFactory.OutputRange"/>). Labels are non-null exactly when
/// the model is conditional.
/// </summary>
public abstract class GeneratorNet : nn.Module<Tensor, Tensor?, Tensor>
{
    protected GeneratorNet(string name) : base(name)
    {
    }
}

/// <summary>
/// A discriminator network: (packed samples [B, m * C, ...], labels [B, m] int64 or null) -> one raw score
/// per packed group, shape [B]. Scores are logits: D(x) = sigmoid(score) for the minimax and
/// non-saturating losses; the hinge loss uses them as they are. m is the PacGAN packing factor (1 = off):
/// m samples are concatenated along the first feature axis (channels for images, features for vectors).
/// </summary>
public abstract class DiscriminatorNet : nn.Module<Tensor, Tensor?, Tensor>
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
