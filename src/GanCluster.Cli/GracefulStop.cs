using System.Runtime.InteropServices;
using Serilog;

namespace GanCluster.Cli;

/// <summary>
/// Ctrl-C (SIGINT) or SIGTERM during <c>train</c>: the first one asks the run to stop after the round in progress and
/// write a checkpoint of it (however long the round takes, so no work is lost); a second one ends the process at once,
/// as a signal normally does. Without it, a signal killed the process mid-round and the rounds since the last periodic
/// checkpoint were lost.
/// </summary>
internal sealed class GracefulStop : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly ILogger _log;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _signals;

    public GracefulStop(ILogger log, CancellationToken outer)
    {
        _log = log;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first signal (or by the outer token).</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Whether a signal asked the run to stop.</summary>
    public bool Signalled => Volatile.Read(ref _signals) > 0;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            return; // not cancelled: the runtime's default handling ends the process now
        }

        context.Cancel = true;
        _log.Warning("{Signal}: stopping after the round in progress and writing its checkpoint (resume with --resume); send it again to stop at once without one", context.Signal);
        _stop.Cancel();
    }
}
