using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Adversarial;

/// <summary>
/// A checkpoint's discriminator seen as a digit classifier for <see cref="Fgsm"/>: the images go through the network the
/// family's figure reads (<see cref="DiscriminatorHalf.EvaluationNetwork"/>: D's weight average when discriminatorEma is
/// on) and come out as 10 digit logits, made by the family's <c>digitLogits</c>. The network is a registered component,
/// so <see cref="Fgsm"/>'s eval() reaches it (no input noise then).
/// </summary>
public sealed class DiscriminatorClassifier : Module<Tensor, Tensor>
{
    [TorchSharp.Utils.ComponentName(Name = "network")]
    private readonly DiscriminatorNet _network;
    private readonly Func<DiscriminatorNet, Tensor, Tensor> _digitLogits;

    private DiscriminatorClassifier(DiscriminatorNet network, Func<DiscriminatorNet, Tensor, Tensor> digitLogits) : base(nameof(DiscriminatorClassifier))
    {
        _network = network;
        _digitLogits = digitLogits;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _digitLogits(_network, x);

    /// <summary>
    /// The attack target of <paramref name="checkpoint"/>'s discriminator half, restored on the CPU.
    /// <paramref name="digitLogits"/> gets the restored network and the training and held-out digits of the checkpoint's
    /// spec (to name a clusterer's classes, say) and returns the function from images to digit logits [N, 10].
    /// </summary>
    public static AttackTarget Load(
        Checkpoint checkpoint,
        SampleRange input,
        string description,
        string sha256,
        Func<DiscriminatorNet, SampleSet, SampleSet, Func<DiscriminatorNet, Tensor, Tensor>> digitLogits)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(digitLogits);
        var (train, heldOut) = DatasetCatalog.Load(checkpoint.Spec);
        DiscriminatorHalf? half = null;
        try
        {
            half = new DiscriminatorHalf(checkpoint.Spec, CPU, train);
            half.LoadState(checkpoint.Discriminator);
            var network = half.EvaluationNetwork;
            var classifier = new DiscriminatorClassifier(network, digitLogits(network, train, heldOut));
            var averaged = checkpoint.Spec.DiscriminatorEma > 0 ? $", D's weight average (discriminatorEma {checkpoint.Spec.DiscriminatorEma})" : "";
            // The half owns the network the classifier wraps: disposing the half (not the wrapper) frees it once.
            return new AttackTarget(classifier, input, $"{description} (round {checkpoint.Round}{averaged})", sha256, new Owned(half, train, heldOut));
        }
        catch
        {
            half?.Dispose();
            train.Dispose();
            heldOut.Dispose();
            throw;
        }
    }

    private sealed class Owned(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }
    }
}
