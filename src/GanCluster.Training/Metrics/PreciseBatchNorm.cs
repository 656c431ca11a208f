using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Metrics;

/// <summary>
/// BatchNorm statistics recomputed on given data for an evaluation ("precise BN", Wu and Johnson 2021, "Rethinking
/// 'Batch' in BatchNorm"): a GAN discriminator's running statistics are an exponential average over the batches it was
/// trained on, and most of those are G's fakes (the D-fake phase and every G step pass fakes through D in train mode),
/// so eval mode normalizes real digits with statistics of generated ones; and the weight average of a generator holds
/// copies of the live generator's statistics, not its own (BigGAN's "standing statistics" recompute them from noise; see
/// <see cref="Core.GeneratorHalf"/>). <see cref="Recalibrate"/> resets every
/// BatchNorm's statistics of a network to the average of the per-batch statistics of the data passed through it in train mode, and
/// returns a scope that puts the trained statistics back bit for bit when disposed: the network being
/// evaluated is the training network itself in <c>train --local</c>, so an evaluation must leave no trace in it.
/// </summary>
public static class PreciseBatchNorm
{
    /// <summary>
    /// Recomputes the BatchNorm statistics of <paramref name="network"/> from <paramref name="data"/> (already in the
    /// network's input range), passed through <paramref name="forward"/> in batches of <paramref name="batchSize"/>
    /// under no_grad; the network is left in eval mode inside the scope and in its former mode after it. The forward must
    /// draw no random numbers (no dropout or noise in train mode): it may run on the training network between rounds.
    /// </summary>
    public static IDisposable Recalibrate(nn.Module network, Tensor data, Action<Tensor> forward, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.shape[0], 2L, "data.shape[0]");
        var n = data.shape[0];
        var batches = (int)((n + batchSize - 1) / batchSize);
        return Recalibrate(network, batches, b =>
        {
            var start = (long)b * batchSize;
            forward(data.narrow(0, start, Math.Min(batchSize, n - start)));
        });
    }

    /// <summary>
    /// The same with the batches made by <paramref name="forwardBatch"/> (called with 0 .. batches - 1, each call under
    /// its own dispose scope): for a network whose input is not one data tensor, such as a generator fed noise and labels.
    /// </summary>
    public static IDisposable Recalibrate(nn.Module network, int batches, Action<int> forwardBatch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(forwardBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);

        var norms = TrackingNorms(network);
        var saved = new Saved(network, network.training, norms.Select(Snapshot).ToList());
        var means = norms.Select(norm => zeros_like(norm.running_mean!)).ToList();
        var variances = norms.Select(norm => zeros_like(norm.running_var!)).ToList();
        var seen = new int[norms.Count];
        var hooks = new List<Action>();
        try
        {
            using var noGrad = no_grad();
            for (var i = 0; i < norms.Count; i++)
            {
                var index = i;
                var remover = norms[i].register_forward_pre_hook((_, input) =>
                {
                    // What a train-mode BatchNorm averages into its running statistics: the batch's per-channel mean and
                    // unbiased variance over every dimension but the channels (1).
                    var dimensions = Enumerable.Range(0, (int)input.ndim).Where(d => d != 1).Select(d => (long)d).ToArray();
                    means[index].add_(input.mean(dimensions));
                    variances[index].add_(input.var(dimensions, unbiased: true));
                    seen[index]++;
                    return input;
                });
                hooks.Add(remover.remove);
            }

            network.train();
            for (var b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                forwardBatch(b);
            }

            // The cumulative average of the batches' statistics (what PyTorch's momentum=None gives), written directly so
            // that the figure does not depend on how a TorchSharp version treats a null momentum. A BatchNorm the forward
            // never reached (a VAE-GAN generator's encoder while it samples) keeps its statistics.
            for (var i = 0; i < norms.Count; i++)
            {
                if (seen[i] == 0)
                {
                    continue;
                }

                using var count = ((long)seen[i]).ToScalar();
                norms[i].running_mean!.copy_(means[i].div_(count));
                norms[i].running_var!.copy_(variances[i].div_(count));
            }

            network.eval();
            return saved;
        }
        catch
        {
            saved.Dispose();
            throw;
        }
        finally
        {
            hooks.ForEach(remove => remove());
            means.ForEach(t => t.Dispose());
            variances.ForEach(t => t.Dispose());
        }
    }

    /// <summary>Whether <paramref name="network"/> has a BatchNorm with running statistics (something to recalibrate).</summary>
    public static bool HasRunningStatistics(nn.Module network) => TrackingNorms(network).Count > 0;

    // TorchSharp's modules() omits the module itself; a BatchNorm that tracks no statistics has none to recompute.
    private static List<TorchSharp.Modules.BatchNorm> TrackingNorms(nn.Module network) =>
        network.modules().Prepend(network).OfType<TorchSharp.Modules.BatchNorm>().Distinct()
            .Where(norm => norm.running_mean is not null && norm.running_var is not null).ToList();

    private static Statistics Snapshot(TorchSharp.Modules.BatchNorm norm) =>
        new(norm, norm.running_mean?.clone(), norm.running_var?.clone(), norm.num_batches_tracked?.clone());

    private sealed record Statistics(TorchSharp.Modules.BatchNorm Norm, Tensor? Mean, Tensor? Variance, Tensor? Batches);

    private sealed class Saved(nn.Module network, bool training, List<Statistics> statistics) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            using var noGrad = no_grad();
            foreach (var s in statistics)
            {
                Restore(s.Norm.running_mean, s.Mean);
                Restore(s.Norm.running_var, s.Variance);
                Restore(s.Norm.num_batches_tracked, s.Batches);
            }

            network.train(training);
        }

        private static void Restore(Tensor? live, Tensor? saved)
        {
            if (live is not null && saved is not null)
            {
                live.copy_(saved);
            }

            saved?.Dispose();
        }
    }
}
