using GanCluster.Training.Families;
using GanCluster.Training.Metrics;
using GanCluster.Training.Models;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>A batch of generated samples and, for conditional models, the labels they were generated for.</summary>
public sealed record FakeSamples(Tensor Samples, Tensor? Labels) : IDisposable
{
    /// <summary>
    /// Inputs the family attached to the batch (e.g. InfoGAN's codes c), by name: they travel with the samples to the
    /// discriminator half, where the objective reads them (<see cref="GanBatch.SideInputs"/>). Inputs, not outputs of G:
    /// no gradient flows back through them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> SideInputs { get; init; } = GanBatch.NoSideInputs;

    /// <summary>Forward passes computed again because a native kernel returned a non-finite value (<see cref="Runtime.FiniteForward"/>); evaluation only.</summary>
    public int NonFiniteRetries { get; init; }

    public void Dispose()
    {
        Samples.Dispose();
        Labels?.Dispose();
        foreach (var input in SideInputs.Values)
        {
            input.Dispose();
        }
    }
}

/// <summary>
/// The generator half of a GAN: owns G, its optimizer and its noise source. It produces fake batches and
/// applies a received gradient dLoss/dFake by backpropagating it through G. It never sees D: what it
/// exchanges with the discriminator half are tensors and scalars only, so the halves can live on two machines.
/// </summary>
public sealed class GeneratorHalf : IDisposable
{
    /// <summary>Size of the fixed noise batch behind every sample grid.</summary>
    public const int FixedNoiseCount = 64;

    private readonly ExperimentSpec _spec;
    private readonly Device _device;
    private readonly IGanFamily _family;
    private readonly GeneratorNet _net;
    private readonly optim.Optimizer _optimizer;
    private readonly RngStream _rng;
    private readonly Tensor _fixedNoise;
    private readonly Tensor? _fixedLabels;
    private readonly WeightAverage<GeneratorNet>? _average;
    // standingStatistics is on and the average has BatchNorm statistics to recompute (decided once, not per sample call).
    private readonly bool _standingStatistics;
    private Tensor? _pendingFake;
    private Tensor? _pendingLocalLoss;

    /// <summary>A new half for <paramref name="spec"/>, with <paramref name="state"/> (a checkpoint's or a replaced worker's) loaded when given.</summary>
    public static GeneratorHalf Restore(ExperimentSpec spec, Device device, HalfState? state)
    {
        var half = new GeneratorHalf(spec, device);
        try
        {
            if (state is not null)
            {
                half.LoadState(state);
            }

            return half;
        }
        catch
        {
            half.Dispose();
            throw;
        }
    }

    /// <param name="family">The family to use instead of the one spec.Model names (tests, experiments in code).</param>
    public GeneratorHalf(ExperimentSpec spec, Device device, IGanFamily? family = null)
    {
        _spec = spec;
        _device = device;
        _family = family ?? FamilyCatalog.For(spec);
        _rng = new RngStream(RngStream.Derive(spec.Seed, 1));
        _net = _rng.Run(() => _family.CreateGenerator(spec));
        _net.to(device);
        _optimizer = OptimizerFactory.Create(spec.GeneratorOptimizer, _net.parameters());
        if (spec.GeneratorEma > 0)
        {
            _average = WeightAverage.Of(_net, () => _family.CreateGenerator(spec), device, spec.GeneratorEma, "generatorEma", spec.GeneratorEmaRamp ?? WeightAverage.DefaultRamp);
            _standingStatistics = spec.StandingStatistics == true && PreciseBatchNorm.HasRunningStatistics(_average.Network);
        }

        // The fixed noise batch comes from its own seed so that drawing it never shifts the training stream.
        using var fixedRng = new RngStream(RngStream.Derive(spec.Seed, 3));
        (_fixedNoise, _fixedLabels) = fixedRng.Run(() =>
        {
            // Temporaries held until the native calls that read them return, scalars kept (see KeptScalars).
            using var noise = GanFamily.DrawNoise(_family.Noise(spec), FixedNoiseCount, spec.LatentSize);
            var z = noise.to(device);
            Tensor? labels = null;
            if (spec.Conditional)
            {
                using var counter = arange(KeptScalars.OfInteger(0), KeptScalars.OfInteger(FixedNoiseCount), KeptScalars.OfInteger(1), dtype: int64, device: device);
                labels = counter.remainder(KeptScalars.OfInteger(spec.Classes));
            }

            return (z, labels);
        });
    }

    /// <summary>The generator network (for inspection and tests).</summary>
    public GeneratorNet Network => _net;

    /// <summary>The network behind samples and evaluations: the weight average when generatorEma is on, else G itself.</summary>
    public GeneratorNet SamplingNetwork => _average?.Network ?? _net;

    /// <summary>Batches the weight average's BatchNorm statistics are recomputed on before it samples.</summary>
    public const int StandingStatisticsBatches = 8;

    /// <summary>Inputs per batch of the standing statistics.</summary>
    public const int StandingStatisticsBatchSize = 250;

    private const long StandingStatisticsSeed = 0x5747A9D1;

    /// <summary>Number of generator updates applied so far.</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// A fake batch for a discriminator step: G runs without building a graph (D's step only needs the
    /// samples, the paper's fake.detach()).
    /// </summary>
    public FakeSamples ProduceForDiscriminator()
    {
        return _rng.Run(() =>
        {
            _net.train();
            using var noGrad = no_grad();
            var input = _family.DrawInput(_spec, _spec.BatchSize, _device);
            using (input.Z)
            {
                var samples = _net.call(input.Z, input.Labels);
                _net.TakeLocalLoss()?.Dispose();
                return new FakeSamples(samples, input.Labels) { SideInputs = input.SideInputs };
            }
        });
    }

    /// <summary>
    /// A fake batch for the generator step. G keeps the graph; the returned samples are a detached copy
    /// to send to the discriminator half, whose answer goes to <see cref="ApplyGradient"/>.
    /// </summary>
    public FakeSamples ProduceForUpdate()
    {
        DisposePending();
        return _rng.Run(() =>
        {
            _net.train();
            var input = _family.DrawInput(_spec, _spec.BatchSize, _device);
            using (input.Z)
            {
                _pendingFake = _net.call(input.Z, input.Labels);
                _pendingLocalLoss = _net.TakeLocalLoss();
                return new FakeSamples(_pendingFake.detach(), input.Labels) { SideInputs = input.SideInputs };
            }
        });
    }

    /// <summary>
    /// Backpropagates dLoss/dFake, the gradient of the generator loss with respect to the batch returned by
    /// the last <see cref="ProduceForUpdate"/>, through G and steps G's optimizer. By the chain rule this
    /// is exactly the update of a single-process step of the same loss. A loss term of G's node's own
    /// (<see cref="GeneratorNet.TakeLocalLoss"/>, e.g. VAE-GAN's KL prior) is backpropagated after it, into the same gradients.
    /// </summary>
    public void ApplyGradient(Tensor gradient)
    {
        var fake = _pendingFake ?? throw new InvalidOperationException("ApplyGradient needs a batch from ProduceForUpdate first.");
        if (!fake.shape.SequenceEqual(gradient.shape))
        {
            throw new ArgumentException($"gradient shape [{string.Join(",", gradient.shape)}] does not match the fake batch [{string.Join(",", fake.shape)}]");
        }

        _rng.Run(() =>
        {
            _optimizer.zero_grad();
            using var onDevice = gradient.to(fake.device);
            if (_pendingLocalLoss is null)
            {
                fake.backward(new[] { onDevice });
            }
            else
            {
                // The local term shares G's graph (VAE-GAN: the encoder's codes), so the first pass keeps it.
                fake.backward(new[] { onDevice }, retain_graph: true);
                _pendingLocalLoss.backward();
            }

            if (OptimizerFactory.IsScheduled(_spec.GeneratorOptimizer))
            {
                OptimizerFactory.ApplyLearningRate(_optimizer, LearningRateNow());
            }

            _optimizer.step();
        });
        _average?.Update(_net, Steps);
        DisposePending();
        Steps++;
    }

    /// <summary>
    /// The sample grid's images from the fixed noise batch (eval mode, no graph), for comparable grids across rounds, and
    /// the grid's images per row; the family decides what G reads (<see cref="IGanFamily.GridInput"/>).
    /// </summary>
    public (Tensor Images, int Columns) SampleFixed()
    {
        using var noGrad = no_grad();
        var net = SamplingNetwork;
        net.eval();
        using var statistics = StandingStatistics(net);
        try
        {
            var input = _family.GridInput(_spec, _fixedNoise, _fixedLabels);
            using var output = net.call(input.Z, input.Labels); // held until cpu() returns
            var images = output.cpu();
            if (!ReferenceEquals(input.Z, _fixedNoise))
            {
                input.Z.Dispose();
            }

            return (images, input.Columns);
        }
        finally
        {
            RestoreMode(net);
        }
    }

    /// <summary>
    /// Generates <paramref name="count"/> samples for evaluation, from a seed of its own (no effect on training), with
    /// the weight average when there is one, or with G's current weights when <paramref name="useAverage"/> is false.
    /// </summary>
    public FakeSamples Generate(int count, long seed, bool useAverage = true)
    {
        using var rng = new RngStream(seed);
        return rng.Run(() =>
        {
            using var noGrad = no_grad();
            var net = useAverage ? SamplingNetwork : _net;
            net.eval();
            using var statistics = StandingStatistics(net);
            try
            {
                var input = _family.DrawInput(_spec, count, _device);
                using (input.Z)
                {
                    // Computed again if a native kernel returns a non-finite value for finite weights (FiniteForward).
                    using var output = FiniteForward.Run(() => net.call(input.Z, input.Labels), () => FiniteForward.ParametersFinite(net), out var retries);
                    return new FakeSamples(output.cpu(), input.Labels?.cpu())
                    {
                        NonFiniteRetries = retries,
                        SideInputs = input.SideInputs.ToDictionary(kv => kv.Key, kv => kv.Value.cpu()),
                    };
                }
            }
            finally
            {
                RestoreMode(net);
            }
        });
    }

    public HalfState SaveState() => HalfState.Write("gancluster-generator", writer =>
    {
        writer.Write(Steps);
        HalfState.WriteModule(writer, _net);
        HalfState.WriteOptimizer(writer, _optimizer);
        var rng = _rng.Save();
        writer.Write(rng.Length);
        writer.Write(rng);

        // Appended after the fields of the first format, and only when there is an average: states without one are
        // byte for byte those of earlier builds, and those states still load (see LoadState).
        if (_average is not null)
        {
            HalfState.WriteModule(writer, _average.Network);
        }
    });

    public void LoadState(HalfState state) => state.Read("gancluster-generator", reader =>
    {
        DisposePending();
        Steps = reader.ReadInt64();
        HalfState.ReadModule(reader, _net);
        HalfState.ReadOptimizer(reader, _optimizer);
        OptimizerFactory.ApplyLearningRate(_optimizer, LearningRateNow());
        _rng.Restore(reader.ReadBytes(reader.ReadInt32()));
        WeightAverage.ReadOptional(reader, _average, _net);
    });

    /// <summary>The rate of G's next update (one per round), the same when stepping and when restoring.</summary>
    private double LearningRateNow() => OptimizerFactory.LearningRateAt(_spec.GeneratorOptimizer, Steps, _spec.Rounds);

    /// <summary>
    /// With standingStatistics on, the weight average's BatchNorm statistics recomputed for its own weights while it samples
    /// (Brock et al. 2019, BigGAN): the average's buffers are copies of the live G's running statistics, which describe the
    /// live G's activations, not the averaged weights', and the gap grows with G's learning rate. The average runs in train
    /// mode on <see cref="StandingStatisticsBatches"/> batches of <see cref="StandingStatisticsBatchSize"/> inputs drawn
    /// from a fixed seed of their own (the same statistics for every sample of one state, locally and on the cluster; no
    /// draw from training's streams), and the returned scope puts the copied statistics back bit for bit, so checkpoints and
    /// training never see the recomputed ones. Null (nothing to do) when off, for G's current weights and for a G without
    /// BatchNorm.
    /// </summary>
    private IDisposable? StandingStatistics(GeneratorNet net)
    {
        if (!_standingStatistics || !ReferenceEquals(net, _average!.Network))
        {
            return null;
        }

        using var rng = new RngStream(StandingStatisticsSeed);
        return rng.Run(() => PreciseBatchNorm.Recalibrate(net, StandingStatisticsBatches, _ =>
        {
            var input = _family.DrawInput(_spec, StandingStatisticsBatchSize, _device);
            net.call(input.Z, input.Labels);
            net.TakeLocalLoss()?.Dispose();
        }));
    }

    /// <summary>Puts G back in train mode after sampling from it; the average stays in eval mode.</summary>
    private void RestoreMode(GeneratorNet net)
    {
        if (ReferenceEquals(net, _net))
        {
            _net.train();
        }
    }

    private void DisposePending()
    {
        _pendingFake?.Dispose();
        _pendingFake = null;
        _pendingLocalLoss?.Dispose();
        _pendingLocalLoss = null;
    }

    public void Dispose()
    {
        DisposePending();
        _fixedNoise.Dispose();
        _fixedLabels?.Dispose();
        _optimizer.Dispose();
        _average?.Dispose();
        _net.Dispose();
        _rng.Dispose();
    }
}
