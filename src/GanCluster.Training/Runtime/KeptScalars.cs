using System.Collections.Concurrent;
using TorchSharp;

namespace GanCluster.Training.Runtime;

/// <summary>
/// Constant TorchSharp scalars that live as long as the process.
/// </summary>
/// <remarks>
/// Every implicit conversion of a double to <see cref="Scalar"/> (<c>x * 2.0</c>, <c>add_(g, alpha: 0.1)</c>) creates a
/// managed wrapper around a native <c>c10::Scalar</c> whose only reference dies as soon as its handle is read, before
/// libtorch uses it. A garbage collection started by another thread at that moment runs the wrapper's finalizer, which
/// frees the native scalar while libtorch reads it: a c10 check failure ("value cannot be converted to type float",
/// "Expected false to be true") or a SIGSEGV, at random, more often the busier the process's other threads are. That
/// was the discriminator crash of the cluster (see <see cref="GcStress"/> for the mode that reproduces it in seconds).
/// Code on a training path therefore never passes a temporary scalar: constants come from here, and values that
/// change (an optimizer's step size) are held in a <c>using</c> variable until the native call has returned.
/// </remarks>
public static class KeptScalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Cache = new();
    private static readonly ConcurrentDictionary<long, Scalar> IntegerCache = new();
    private static readonly ConcurrentDictionary<float, Scalar> SingleCache = new();

    /// <summary>1.0 (a field: read on every training step, no lookup).</summary>
    public static Scalar One { get; } = Of(1.0);

    /// <summary>2.0</summary>
    public static Scalar Two { get; } = Of(2.0);

    /// <summary>A scalar for a constant <paramref name="value"/>, created once and never freed. Only for a bounded set of constants.</summary>
    public static Scalar Of(double value) => Cache.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>
    /// A scalar for a constant float <paramref name="value"/> (what an implicit float -> Scalar conversion makes, e.g. <c>div(255f)</c>),
    /// created once and never freed. Only for a bounded set of constants.
    /// </summary>
    public static Scalar OfSingle(float value) => SingleCache.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>
    /// The alpha TorchSharp's <c>add</c>/<c>sub</c> (and <c>+</c>, <c>-</c>) pass when none is given, an integer 1 made anew
    /// on every call: pass this one instead (it also suits integer tensors).
    /// </summary>
    public static Scalar DefaultAlpha { get; } = OfInteger(1);

    /// <summary>An integer scalar (for integer tensors, which refuse floating-point operands), created once and never freed.</summary>
    public static Scalar OfInteger(long value) => IntegerCache.GetOrAdd(value, static v => v.ToScalar());
}
