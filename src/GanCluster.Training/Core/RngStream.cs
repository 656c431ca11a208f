using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>
/// A private stream of torch's global CPU random generator. Each half of a GAN owns one and swaps it in
/// around its own work, so the random draws of G (noise, labels) and of D (dropout) do not depend on
/// whether the halves share a process. That is what makes a cluster run match a local run of the same
/// seed. Swapping is guarded by a process-wide lock because the global generator is process-wide.
/// </summary>
public sealed class RngStream : IDisposable
{
    /// <summary>Held by every half while it does torch work that draws random numbers.</summary>
    public static readonly object GlobalGeneratorLock = new();

    // torch.get_rng_state()/set_rng_state() call Generator.Default.get_state(): a new wrapper of the global generator
    // whose only reference dies once its handle is read, so a garbage collection on another thread may run its
    // finalizer (freeing the native wrapper) while libtorch reads the state: a SIGSEGV in at::Generator::get_state,
    // the same hazard as temporary scalars (KeptScalars). This wrapper lives as long as the process.
    private static readonly Generator Global = Generator.Default;

    private Tensor _state;

    public RngStream(long seed)
    {
        lock (GlobalGeneratorLock)
        {
            using var outer = Global.get_state();
            Global.manual_seed(seed);
            _state = Global.get_state();
            Global.set_state(outer);
        }
    }

    /// <summary>Runs <paramref name="work"/> with this stream as torch's global generator.</summary>
    public T Run<T>(Func<T> work)
    {
        lock (GlobalGeneratorLock)
        {
            using var outer = Global.get_state();
            Global.set_state(_state);
            try
            {
                return work();
            }
            finally
            {
                _state.Dispose();
                _state = Global.get_state();
                Global.set_state(outer);
            }
        }
    }

    public void Run(Action work) => Run<bool>(() =>
    {
        work();
        return true;
    });

    /// <summary>The generator state as bytes, for checkpoints.</summary>
    public byte[] Save() => _state.bytes.ToArray();

    /// <summary>Restores a state saved by <see cref="Save"/>.</summary>
    public void Restore(byte[] state)
    {
        if (state.Length != _state.NumberOfElements)
        {
            throw new InvalidDataException($"random generator state has {state.Length} bytes; expected {_state.NumberOfElements}");
        }

        _state.bytes = state;
    }

    /// <summary>Derives independent seeds for the parts of an experiment (G, D, fixed noise, ...).</summary>
    public static long Derive(long seed, int stream) => unchecked((seed * 6364136223846793005L) + (1442695040888963407L * (stream + 1))) & long.MaxValue;

    public void Dispose() => _state.Dispose();
}
