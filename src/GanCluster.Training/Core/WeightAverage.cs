using GanCluster.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>The decay schedule of <see cref="WeightAverage{TNet}"/>.</summary>
public static class WeightAverage
{
    /// <summary>The ramp of TensorFlow's ExponentialMovingAverage with num_updates, (1 + t) / (10 + t): the default.</summary>
    public const double DefaultRamp = 9;

    /// <summary>
    /// The decay applied by the update that follows <paramref name="updates"/> earlier updates: min(decay, (1 + t) / (1 +
    /// ramp + t)). Until it reaches the decay, the average weighs step s of t about as (s / t)^ramp, so it spans about the
    /// last t / ramp steps; a smaller <paramref name="ramp"/> averages longer early (1: about every step so far).
    /// </summary>
    public static double EffectiveDecay(double decay, long updates, double ramp = DefaultRamp) => Math.Min(decay, (1.0 + updates) / (1.0 + ramp + updates));

    /// <summary>
    /// The average of <paramref name="source"/> a half keeps when its field asks for one. The shadow's own initial weights
    /// are overwritten by a copy of the source's; building it under a throwaway generator keeps its initialization draws
    /// out of every stream that training uses.
    /// </summary>
    public static WeightAverage<TNet> Of<TNet>(TNet source, Func<TNet> create, Device device, double decay, string field, double ramp = DefaultRamp)
        where TNet : nn.Module
    {
        using var throwaway = new RngStream(0);
        var shadow = throwaway.Run(create);
        shadow.to(device);
        return new WeightAverage<TNet>(shadow, source, decay, field, ramp);
    }

    /// <summary>
    /// Reads the average a half's state may end with (appended only when the average was on, so states without one are
    /// those of earlier builds): into <paramref name="average"/>; skipped when the average is off now; and when the state
    /// has none (an older checkpoint, or the average switched on at resume), the average starts at <paramref name="source"/>.
    /// </summary>
    public static void ReadOptional<TNet>(BinaryReader reader, WeightAverage<TNet>? average, TNet source)
        where TNet : nn.Module
    {
        var hasAverage = reader.BaseStream.Position < reader.BaseStream.Length;
        if (hasAverage && average is not null)
        {
            HalfState.ReadModule(reader, average.Network);
        }
        else if (hasAverage)
        {
            HalfState.ReadBlock(reader).Dispose();
        }
        else
        {
            average?.Reset(source);
        }
    }
}

/// <summary>
/// An exponential moving average of a network's weights: of G's (Yazici et al. 2019, "The Unusual Effectiveness of
/// Averaging in GAN Training"; Karras et al. 2018, ProGAN), or of D's when D is the product (the semi-supervised GAN's
/// classifier, evaluated with Polyak-averaged weights in Salimans et al.'s code). A shadow copy updated after every
/// step of its network, <c>shadow = beta * shadow + (1 - beta) * weight</c>. Samples and evaluations use the shadow;
/// training never reads it, so it changes no update and draws no random numbers. Buffers (BatchNorm running
/// statistics, fixed weight-norm scales) are copied as they are, as in StyleGAN2's training loop.
/// </summary>
/// <remarks>
/// beta ramps up as <c>min(decay, (1 + t) / (1 + ramp + t))</c> after t updates (ramp 9 by default: TensorFlow's
/// ExponentialMovingAverage with num_updates): early in training (and in short runs) the average does not drag
/// along the random initial weights. t is the network's step counter, so the state is the shadow alone.
/// </remarks>
/// <typeparam name="TNet">The averaged network's type (a generator or a discriminator).</typeparam>
public sealed class WeightAverage<TNet> : IDisposable
    where TNet : nn.Module
{
    private readonly TNet _shadow;
    private readonly string _field;
    private readonly double _decay;
    private readonly double _ramp;

    /// <param name="shadow">A network of the same architecture as the averaged one; it is overwritten and put in eval mode.</param>
    /// <param name="source">The network to average; the shadow starts as a copy of it.</param>
    /// <param name="decay">The target decay, in (0, 1).</param>
    /// <param name="field">The experiment field that asked for the average (named in errors).</param>
    /// <param name="ramp">How fast the decay ramps up to <paramref name="decay"/> (<see cref="WeightAverage.EffectiveDecay"/>).</param>
    public WeightAverage(TNet shadow, TNet source, double decay, string field, double ramp = WeightAverage.DefaultRamp)
    {
        if (!(decay > 0 && decay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"{field}: the decay must be in (0, 1)");
        }

        _shadow = shadow;
        _field = field;
        _decay = decay;
        _ramp = ramp is > 0 && double.IsFinite(ramp) ? ramp : throw new ArgumentOutOfRangeException(nameof(ramp), ramp, $"{field}: the ramp must be a positive number");
        foreach (var p in _shadow.parameters())
        {
            p.requires_grad_(false);
        }

        _shadow.eval();
        Reset(source);
    }

    /// <summary>The averaged network, always in eval mode.</summary>
    public TNet Network => _shadow;

    /// <summary>Folds the current weights of <paramref name="source"/> into the average; <paramref name="updates"/> counts the earlier updates.</summary>
    public void Update(TNet source, long updates)
    {
        var beta = WeightAverage.EffectiveDecay(_decay, updates, _ramp);
        // The two scalars are held until the loop is done: a temporary one (an implicit double -> Scalar) is freed by its
        // finalizer while libtorch may still read it (see KeptScalars); beta changes with t, so they are not constants.
        using var betaScalar = beta.ToScalar();
        using var alphaScalar = (1.0 - beta).ToScalar();
        using var noGrad = no_grad();
        foreach (var (average, weight) in Pairs(_shadow.parameters(), source.parameters()))
        {
            using var detached = weight.detach();
            average.mul_(betaScalar).add_(detached, alpha: alphaScalar);
        }

        CopyBuffers(source);
    }

    /// <summary>Makes the average an exact copy of <paramref name="source"/> (a new run, or a checkpoint saved without an average).</summary>
    public void Reset(TNet source)
    {
        using var noGrad = no_grad();
        foreach (var (average, weight) in Pairs(_shadow.parameters(), source.parameters()))
        {
            using var detached = weight.detach();
            average.copy_(detached);
        }

        CopyBuffers(source);
    }

    private void CopyBuffers(TNet source)
    {
        using var noGrad = no_grad();
        foreach (var (average, buffer) in Pairs(_shadow.buffers(), source.buffers()))
        {
            average.copy_(buffer);
        }
    }

    private IEnumerable<(Tensor Shadow, Tensor Source)> Pairs(IEnumerable<Tensor> shadow, IEnumerable<Tensor> source)
    {
        var s = shadow.ToList();
        var t = source.ToList();
        if (s.Count != t.Count)
        {
            throw new InvalidOperationException($"{_field}: the average has {s.Count} tensors but the network has {t.Count}");
        }

        return s.Zip(t);
    }

    public void Dispose() => _shadow.Dispose();
}
