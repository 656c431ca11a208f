using GanCluster.Training.Options;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Core;

/// <summary>
/// The adversarial objectives on raw discriminator scores (logits). With D(x) = sigmoid(s), the BCE forms
/// below are log-sum-exp stable rewrites of the paper's log D(x) and log(1 - D(G(z))).
/// </summary>
public static class Losses
{
    /// <summary>Discriminator loss to minimize, from scores on a real and on a fake batch.</summary>
    /// <remarks>-log D(x) - log(1 - D(G(z))): softplus(-s) = -log sigmoid(s); softplus(s) = -log(1 - sigmoid(s)).</remarks>
    public static Tensor Discriminator(LossKind kind, Tensor realScores, Tensor fakeScores) =>
        DiscriminatorReal(kind, realScores) + DiscriminatorFake(kind, fakeScores);

    /// <summary>
    /// The real-batch term of <see cref="Discriminator"/>. The two terms are backpropagated separately (the real one
    /// before the fake batch has arrived), and their gradients add up to that of the sum.
    /// </summary>
    public static Tensor DiscriminatorReal(LossKind kind, Tensor realScores) => kind switch
    {
        LossKind.Minimax or LossKind.NonSaturating => F.softplus(-realScores).mean(),
        LossKind.Hinge => F.relu(1.0 - realScores).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The fake-batch term of <see cref="Discriminator"/>.</summary>
    public static Tensor DiscriminatorFake(LossKind kind, Tensor fakeScores) => kind switch
    {
        LossKind.Minimax or LossKind.NonSaturating => F.softplus(fakeScores).mean(),
        LossKind.Hinge => F.relu(1.0 + fakeScores).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Generator loss to minimize, from the discriminator's scores on a fake batch.</summary>
    public static Tensor Generator(LossKind kind, Tensor fakeScores) => kind switch
    {
        // The paper's minimax: minimize log(1 - D(G(z))) = -softplus(s).
        LossKind.Minimax => -F.softplus(fakeScores).mean(),
        // Non-saturating: maximize log D(G(z)), i.e. minimize softplus(-s).
        LossKind.NonSaturating => F.softplus(-fakeScores).mean(),
        LossKind.Hinge => -fakeScores.mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
