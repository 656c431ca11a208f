using System.Diagnostics;
using GanCluster.Training.Data;
using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Objectives;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Core;

/// <summary>Outcome of one discriminator step.</summary>
/// <param name="Loss">Discriminator loss before the update.</param>
/// <param name="DReal">Mean D(x) = sigmoid(score) on the real batch.</param>
/// <param name="DFake">Mean D(G(z)) on the fake batch.</param>
public sealed record DiscriminatorStepResult(double Loss, double DReal, double DFake)
{
    /// <summary>Diversity of the step's fake and real batches, when the step was asked to measure it.</summary>
    public BatchDiversity? Diversity { get; init; }

    /// <summary>
    /// Every named value of the step (metric names, e.g. loss/d, d/real, d/fake, plus whatever an objective adds such as
    /// loss/d_r1). A round reports the mean of each over its k steps; names flow to metrics.jsonl, TensorBoard and the
    /// cluster's status without further plumbing.
    /// </summary>
    public IReadOnlyDictionary<string, double> Terms { get; init; } = new Dictionary<string, double>
    {
        [MetricNames.DLoss] = Loss,
        [MetricNames.DReal] = DReal,
        [MetricNames.DFake] = DFake,
    };
}

/// <summary>The discriminator's answer to a generator step: the loss, mean D(G(z)), and dLoss/dFake.</summary>
public sealed record GeneratorFeedbackResult(double Loss, double DFake, Tensor Gradient) : IDisposable
{
    /// <summary>Every named value of the generator step (loss/g, plus whatever an objective adds, e.g. loss/g_info).</summary>
    public IReadOnlyDictionary<string, double> Terms { get; init; } = new Dictionary<string, double>
    {
        [MetricNames.GLoss] = Loss,
    };

    public void Dispose() => Gradient.Dispose();
}

/// <summary>
/// The discriminator half of a GAN: owns D, its optimizer and its real-data source. It takes discriminator
/// steps on a real and a (detached) fake batch, and answers generator-feedback requests with the generator
/// loss and its gradient with respect to the fake batch, without updating D.
/// </summary>
public sealed class DiscriminatorHalf : IDisposable
{
    private readonly ExperimentSpec _spec;
    private readonly Device _device;
    private readonly DiscriminatorNet _net;
    private readonly optim.Optimizer _optimizer;
    private readonly RngStream _rng;
    private readonly BatchSampler _sampler;
    private readonly SampleRange _range;
    private readonly IGanObjective _objective;
    private readonly WeightAverage<DiscriminatorNet>? _average;
    private PreparedReal? _prepared;

    /// <param name="objective">The objective to run instead of the one spec.Loss names (tests, experiments in code).</param>
    public DiscriminatorHalf(ExperimentSpec spec, Device device, SampleSet trainingData, IGanObjective? objective = null)
    {
        if (spec.BatchSize > trainingData.Count)
        {
            throw new ArgumentException(
                $"batchSize: {spec.BatchSize} is larger than the training data ({trainingData.Count} samples of {trainingData.Description}); use a batch size of at most {trainingData.Count}.");
        }

        _spec = spec;
        _device = device;
        var family = FamilyCatalog.For(spec);
        _range = family.OutputRange;
        _rng = new RngStream(RngStream.Derive(spec.Seed, 2));
        _net = _rng.Run(() => family.CreateDiscriminator(spec));
        _net.to(device);
        _optimizer = OptimizerFactory.Create(spec.DiscriminatorOptimizer, _net.parameters());
        if (spec.DiscriminatorEma > 0)
        {
            _average = WeightAverage.Of(_net, () => family.CreateDiscriminator(spec), device, spec.DiscriminatorEma, "discriminatorEma");
        }

        _sampler = new BatchSampler(trainingData, RngStream.Derive(spec.Seed, 4));
        _objective = objective ?? ObjectiveCatalog.Create(spec);
    }

    /// <summary>The discriminator network (for inspection and tests).</summary>
    public DiscriminatorNet Network => _net;

    /// <summary>The network behind the figures read from D: the weight average when discriminatorEma is on, else D itself.</summary>
    public DiscriminatorNet EvaluationNetwork => _average?.Network ?? _net;

    /// <summary>Number of discriminator updates so far.</summary>
    public long Steps { get; private set; }

    /// <summary>True when the real half of the next discriminator step has been computed (<see cref="PrepareStep"/>).</summary>
    public bool IsPrepared => _prepared is not null;

    /// <summary>
    /// The real-batch half of the next discriminator step, ahead of its fake batch: draws the real batch, scores it
    /// and backpropagates the real term of D's loss into fresh gradients. D's parameters do not change until the
    /// fake batch arrives, so a cluster discriminator can do this while the generator is still working, and
    /// <see cref="Step"/> does it itself when nothing was prepared: the order of random draws and of gradient
    /// accumulation is the same either way, which keeps cluster runs bit-exact with local ones. Idempotent.
    /// </summary>
    public void PrepareStep()
    {
        if (_prepared is not null)
        {
            return;
        }

        // A checkpoint taken while prepared must not include the draws made here, nor the batch statistics the real
        // batch's train-mode forward folds into BatchNorm's running buffers (see SaveState).
        var rngBefore = _rng.Save();
        var samplerBefore = _sampler.State;
        var buffersBefore = CopyBuffers();
        _prepared = _rng.Run(() =>
        {
            using var scope = NewDisposeScope();
            _net.train();
            var (realRaw, realLabels) = _sampler.Next(_spec.BatchSize);
            var real = new GanBatch(ToModelInput(realRaw), _spec.Conditional ? realLabels.to(_device) : null);
            var phase = _objective.DiscriminatorReal(Critic(), real);
            _optimizer.zero_grad();
            phase.Loss.backward();
            return new PreparedReal(
                real.Samples.detach().MoveToOuterDisposeScope(), real.Labels?.detach().MoveToOuterDisposeScope(), phase.Terms, rngBefore, samplerBefore, buffersBefore);
        });
    }

    /// <summary>
    /// One discriminator step (Algorithm 1's inner loop): a real batch from the data source (prepared ahead by
    /// <see cref="PrepareStep"/>, or now) and the given fake batch, one optimizer update that increases D's
    /// objective. With <paramref name="measureDiversity"/> it also measures both batches' mean pairwise distance
    /// (no random draws, no effect on training).
    /// </summary>
    public DiscriminatorStepResult Step(Tensor fakeSamples, Tensor? fakeLabels, bool measureDiversity = false, IReadOnlyDictionary<string, Tensor>? sideInputs = null)
    {
        PrepareStep();
        using var prepared = _prepared!;
        _prepared = null;
        var result = _rng.Run(() =>
        {
            using var scope = NewDisposeScope();
            _net.train();
            var critic = Critic();
            var fake = new GanBatch(fakeSamples.to(_device), fakeLabels?.to(_device), OnDevice(sideInputs));
            var fakePhase = _objective.DiscriminatorFake(critic, fake);
            fakePhase.Loss.backward();
            var terms = new Dictionary<string, double>(prepared.Terms);
            Add(terms, fakePhase.Terms);
            var regularizer = _objective.DiscriminatorRegularizer(critic, new GanBatch(prepared.Real, prepared.Labels), fake);
            if (regularizer is not null)
            {
                regularizer.Loss.backward();
                Add(terms, regularizer.Terms);
            }

            if (OptimizerFactory.IsScheduled(_spec.DiscriminatorOptimizer))
            {
                OptimizerFactory.ApplyLearningRate(_optimizer, LearningRateNow());
            }

            _optimizer.step();
            _average?.Update(_net, Steps);
            return new DiscriminatorStepResult(terms[MetricNames.DLoss], terms[MetricNames.DReal], terms[MetricNames.DFake])
            {
                Terms = terms,
                Diversity = measureDiversity ? BatchDiversity.Measure(fake.Samples, prepared.Real) : null,
            };
        });
        Steps++;
        return result;
    }

    /// <summary>
    /// The generator loss on a fake batch and its gradient with respect to that batch. D's parameters get
    /// no gradient and no update; its train-mode behaviour (dropout, batch statistics) is that of a
    /// single-process generator step.
    /// </summary>
    public GeneratorFeedbackResult Feedback(Tensor fakeSamples, Tensor? fakeLabels, IReadOnlyDictionary<string, Tensor>? sideInputs = null)
    {
        return _rng.Run(() =>
        {
            using var scope = NewDisposeScope();
            _net.train();
            var fake = fakeSamples.to(_device).detach().requires_grad_(true);
            var phase = _objective.Generator(Critic(), new GanBatch(fake, fakeLabels?.to(_device), OnDevice(sideInputs)));
            var gradient = autograd.grad(new[] { phase.Loss }, new[] { fake })[0];
            return new GeneratorFeedbackResult(phase.Terms[MetricNames.GLoss], phase.DFake, gradient.MoveToOuterDisposeScope())
            {
                Terms = phase.Terms,
            };
        });
    }

    /// <summary>Scores for samples in the model's range (no packing applied by the caller), without gradients.</summary>
    public Tensor Evaluate(Tensor samples, Tensor? labels)
    {
        using var noGrad = no_grad();
        _net.eval();
        try
        {
            // A scope holds the temporaries (the inputs on the device, the packed batch, the scores) until every native
            // call that reads them has returned: unreferenced, a garbage collection could free them mid-call (see KeptScalars).
            using var scope = NewDisposeScope();
            return Score(samples.to(_device), labels?.to(_device)).cpu().MoveToOuterDisposeScope();
        }
        finally
        {
            _net.train();
        }
    }

    /// <summary>Maps real data ([0, 1] images at 28x28, or 2-D points) to what the model generates.</summary>
    public Tensor ToModelInput(Tensor real)
    {
        // The intermediate tensors are held by the scope until the calls that read them return (see Evaluate).
        using var scope = NewDisposeScope();
        var x = real.to(_device);
        if (_spec.IsImageData && x.shape[^1] != _spec.ImageSize)
        {
            x = F.interpolate(x, new long[] { _spec.ImageSize, _spec.ImageSize }, mode: InterpolationMode.Bilinear, align_corners: false);
        }

        return (_range == SampleRange.Symmetric ? x.ToSymmetric() : x).MoveToOuterDisposeScope();
    }

    public HalfState SaveState() => HalfState.Write("gancluster-discriminator", writer =>
    {
        writer.Write(Steps);
        if (_prepared is { BuffersBefore.Length: > 0 } prepared)
        {
            // D's buffers (BatchNorm's running statistics) as they were before the prepared real batch went through it:
            // a cluster discriminator prepares ahead, a local run does not, and both must checkpoint the same bytes.
            var current = CopyBuffers();
            SetBuffers(prepared.BuffersBefore);
            try
            {
                HalfState.WriteModule(writer, _net);
            }
            finally
            {
                SetBuffers(current);
                foreach (var buffer in current)
                {
                    buffer.Dispose();
                }
            }
        }
        else
        {
            HalfState.WriteModule(writer, _net);
        }

        HalfState.WriteOptimizer(writer, _optimizer);

        // A prepared real batch is not part of the state: the checkpoint holds the generator and sampler as they
        // were before it was drawn, so a run resumed from it prepares the very same batch again.
        var rng = _prepared?.RngBefore ?? _rng.Save();
        writer.Write(rng.Length);
        writer.Write(rng);
        var sampler = _prepared?.SamplerBefore ?? _sampler.State;
        writer.Write(sampler.Epoch);
        writer.Write(sampler.Cursor);

        // Appended after the fields of the first format, and only when there is an average (as G's): states without one
        // are byte for byte those of earlier builds, and those states still load (see LoadState). The average's buffers
        // are those of its last update, made before any prepared batch.
        if (_average is not null)
        {
            HalfState.WriteModule(writer, _average.Network);
        }
    });

    public void LoadState(HalfState state) => state.Read("gancluster-discriminator", reader =>
    {
        DiscardPrepared();
        Steps = reader.ReadInt64();
        HalfState.ReadModule(reader, _net);
        HalfState.ReadOptimizer(reader, _optimizer);
        OptimizerFactory.ApplyLearningRate(_optimizer, LearningRateNow());
        _rng.Restore(reader.ReadBytes(reader.ReadInt32()));
        var epoch = reader.ReadInt64();
        var cursor = reader.ReadInt32();
        _sampler.Restore(new SamplerState(epoch, cursor));
        WeightAverage.ReadOptional(reader, _average, _net);
    });

    /// <summary>The rate of D's next update (k per round), the same when stepping and when restoring.</summary>
    private double LearningRateNow() => OptimizerFactory.LearningRateAt(_spec.DiscriminatorOptimizer, Steps, (long)_spec.Rounds * _spec.K, _spec.K);

    /// <summary>PacGAN packing: m samples side by side along the first feature axis, labels as [B, m].</summary>
    private Tensor Score(Tensor samples, Tensor? labels)
    {
        var m = _spec.Packing;
        var n = samples.shape[0];
        if (n % m != 0)
        {
            throw new ArgumentException($"packing: the batch of {n} samples is not divisible by the packing factor {m}");
        }

        var shape = samples.shape;
        var packedShape = new long[shape.Length];
        packedShape[0] = n / m;
        packedShape[1] = shape[1] * m;
        Array.Copy(shape, 2, packedShape, 2, shape.Length - 2);
        var packed = samples.reshape(packedShape);
        var packedLabels = labels?.reshape(n / m, m);
        return _net.call(packed, packedLabels);
    }

    /// <summary>D as the objective sees it for the current step: packed scores and this step's instance noise.</summary>
    private Critic Critic() => new(_net, Score, _spec.Packing, InstanceNoiseStd(), _spec.TopK is { On: true } ? GeneratorKeep : null, Steps);

    /// <summary>Top-k training: the fakes G's loss keeps at the G step this feedback belongs to (the k D steps before it are counted).</summary>
    private int GeneratorKeep(int n) => _spec.TopK.Keep(n, Math.Max(0, (Steps / _spec.K) - 1));

    /// <summary>A name reported by several phases of one step adds up (loss/d = real part + fake part).</summary>
    private static void Add(Dictionary<string, double> terms, IReadOnlyDictionary<string, double> phaseTerms)
    {
        foreach (var (name, value) in phaseTerms)
        {
            terms[name] = terms.TryGetValue(name, out var sum) ? sum + value : value;
        }
    }

    private IReadOnlyDictionary<string, Tensor> OnDevice(IReadOnlyDictionary<string, Tensor>? sideInputs) =>
        sideInputs is null || sideInputs.Count == 0 ? GanBatch.NoSideInputs : sideInputs.ToDictionary(kv => kv.Key, kv => kv.Value.to(_device));

    /// <summary>Instance noise for the current step: annealed over the run by the count of D steps taken so far.</summary>
    private double InstanceNoiseStd() =>
        DiscriminatorRegularizers.InstanceNoiseStd(_spec.InstanceNoise, Steps, (long)_spec.K * _spec.Rounds);

    /// <summary>Copies of D's buffers (running means and variances, batch counters), in the module's order.</summary>
    private Tensor[] CopyBuffers()
    {
        using var noGrad = no_grad();
        // Owned by the prepared step (or SaveState), not by whatever dispose scope the caller may have open.
        return _net.buffers().Select(b => b.clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Writes <paramref name="values"/> (from <see cref="CopyBuffers"/>) into D's buffers in place.</summary>
    private void SetBuffers(Tensor[] values)
    {
        using var noGrad = no_grad();
        var buffers = _net.buffers().ToArray();
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i].copy_(values[i]);
        }
    }

    private void DiscardPrepared()
    {
        _prepared?.Dispose();
        _prepared = null;
    }

    public void Dispose()
    {
        DiscardPrepared();
        _optimizer.Dispose();
        _average?.Dispose();
        _net.Dispose();
        _rng.Dispose();
    }

    /// <summary>The real half of a discriminator step, computed ahead; its gradients are in D's parameters.</summary>
    /// <remarks>The real batch (and its labels) stay for the regularizer phase, which needs it together with the fake batch.</remarks>
    private sealed record PreparedReal(Tensor Real, Tensor? Labels, IReadOnlyDictionary<string, double> Terms, byte[] RngBefore, SamplerState SamplerBefore, Tensor[] BuffersBefore) : IDisposable
    {
        public void Dispose()
        {
            Real.Dispose();
            Labels?.Dispose();
            foreach (var buffer in BuffersBefore)
            {
                buffer.Dispose();
            }
        }
    }
}
