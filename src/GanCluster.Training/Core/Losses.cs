using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Core;

/// <summary>
/// The score math of the minimax, non-saturating and hinge objectives (Objectives/ScoreObjectives.cs) on raw
/// discriminator scores (logits). With D(x) = sigmoid(s), the BCE forms below are log-sum-exp stable rewrites of the
/// paper's log D(x) and log(1 - D(G(z))). Other objectives write their own math in their own file.
/// </summary>
public static class Losses
{
    /// <summary>Discriminator loss to minimize, from scores on a real and on a fake batch.</summary>
    /// <remarks>-log D(x) - log(1 - D(G(z))): softplus(-s) = -log sigmoid(s); softplus(s) = -log(1 - sigmoid(s)).</remarks>
    public static Tensor Discriminator(LossKind kind, Tensor realScores, Tensor fakeScores) =>
        DiscriminatorReal(kind, realScores).add(DiscriminatorFake(kind, fakeScores), KeptScalars.DefaultAlpha);

    /// <summary>
    /// The real-batch term of <see cref="Discriminator"/>. The two terms are backpropagated separately (the real one
    /// before the fake batch has arrived), and their gradients add up to that of the sum.
    /// </summary>
    public static Tensor DiscriminatorReal(LossKind kind, Tensor realScores) => kind switch
    {
        LossKind.Minimax or LossKind.NonSaturating => Softplus(-realScores).mean(),
        LossKind.Hinge => F.relu(realScores.neg().add(KeptScalars.One, KeptScalars.One)).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The fake-batch term of <see cref="Discriminator"/>.</summary>
    public static Tensor DiscriminatorFake(LossKind kind, Tensor fakeScores) => kind switch
    {
        LossKind.Minimax or LossKind.NonSaturating => Softplus(fakeScores).mean(),
        LossKind.Hinge => F.relu(fakeScores.add(KeptScalars.One, KeptScalars.One)).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Generator loss to minimize, from the discriminator's scores on a fake batch.</summary>
    public static Tensor Generator(LossKind kind, Tensor fakeScores) => kind switch
    {
        // The paper's minimax: minimize log(1 - D(G(z))) = -softplus(s).
        LossKind.Minimax => -Softplus(fakeScores).mean(),
        // Non-saturating: maximize log D(G(z)), i.e. minimize softplus(-s).
        LossKind.NonSaturating => Softplus(-fakeScores).mean(),
        LossKind.Hinge => -fakeScores.mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// softplus(x) = log(1 + exp(x)), computed as relu(x) + log1p(exp(-|x|)) (exact and overflow-free for any x). Not
    /// F.softplus: TorchSharp 0.107 passes its beta and threshold as temporary scalars, which a concurrent garbage
    /// collection may free mid-call (see <see cref="KeptScalars"/>).
    /// </summary>
    public static Tensor Softplus(Tensor x) => F.relu(x).add(x.abs().neg().exp().log1p(), KeptScalars.One);
}
