using GanCluster.Training.Adversarial;
using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Models;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanCluster.Training.Metrics;

/// <summary>The training loop of the product's digit classifiers (the evaluation CNN, the maxout MLP of the adversarial-examples paper).</summary>
public static class ClassifierTraining
{
    /// <summary>
    /// Trains <paramref name="net"/> (logits of [N, 1, 28, 28] images in [0, 1]) in place, deterministically for the state of
    /// <paramref name="rng"/> and a thread count: Adam (lr 1e-3, halved every 6 epochs), batches of 64, each training digit
    /// shifted by up to 2 pixels in x and y (the only augmentation); the shuffles, shifts and dropout draw from
    /// <paramref name="rng"/>. With <paramref name="adversarial"/>, each batch's loss is <see cref="AdversarialTraining.Loss"/>.
    /// Returns the held-out accuracy after the last epoch; <paramref name="progress"/> gets (epoch, held-out accuracy).
    /// </summary>
    public static double Run(
        Module<Tensor, Tensor> net, RngStream rng, SampleSet train, SampleSet heldOut, int epochs,
        Action<int, double>? progress = null, AdversarialTrainingOptions? adversarial = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        adversarial?.Validated();
        // SafeAdam: torch.optim.Adam's arithmetic with its scalars held until libtorch has used them (SafeOptimizers.cs).
        var optimizer = new SafeAdam(net.parameters(), 1e-3, 0.9, 0.999);
        const int batch = 64;
        const int shift = 2;
        var images = train.Samples.cpu();
        var labels = train.Labels.cpu();
        var n = train.Count;
        var accuracy = 0.0;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            if (epoch > 1 && (epoch - 1) % 6 == 0)
            {
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate /= 2;
                }
            }

            rng.Run(() =>
            {
                net.train();
                using var order = randperm(n);
                // Digit i is read from its image padded by `shift` at offset (row, column) in 0..2 * shift: a move of
                // shift - offset pixels down and right.
                using var offsets = randint(0, (2 * shift) + 1, [n, 2]);
                using var down = offsets.select(1, 0).neg().add(KeptScalars.OfInteger(shift), KeptScalars.DefaultAlpha);
                using var right = offsets.select(1, 1).neg().add(KeptScalars.OfInteger(shift), KeptScalars.DefaultAlpha);
                for (var start = 0; start + batch <= n; start += batch)
                {
                    using var scope = NewDisposeScope();
                    var items = order.narrow(0, start, batch);
                    var x = RandomTranslation.Shift(images.index_select(0, items), down.index_select(0, items), right.index_select(0, items), bound: shift);
                    var y = labels.index_select(0, items);
                    optimizer.zero_grad();
                    var loss = adversarial is null ? functional.cross_entropy(net.call(x), y) : AdversarialTraining.Loss(net, x, y, adversarial);
                    loss.backward();
                    optimizer.step();
                }
            });

            accuracy = Accuracy(net, heldOut);
            progress?.Invoke(epoch, accuracy);
        }

        net.eval();
        return accuracy;
    }

    /// <summary>Fraction of <paramref name="data"/> that <paramref name="net"/> (in eval mode) classifies as labelled, in chunks.</summary>
    public static double Accuracy(Module<Tensor, Tensor> net, SampleSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        long right = 0;
        var samples = data.Samples.cpu();
        var labels = data.Labels.cpu();
        for (long start = 0; start < data.Count; start += Fgsm.Chunk)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(Fgsm.Chunk, data.Count - start);
            using var noGrad = no_grad();
            net.eval();
            right += net.call(samples.narrow(0, start, count).to(float32)).argmax(1).eq(labels.narrow(0, start, count)).sum().item<long>();
        }

        return (double)right / data.Count;
    }
}
