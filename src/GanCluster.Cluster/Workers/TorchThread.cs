using System.Collections.Concurrent;

namespace GanCluster.Cluster.Workers;

/// <summary>
/// One dedicated thread for all TorchSharp work of one half. Actors hand work to it and pipe the result
/// back to themselves, so their mailbox keeps answering status and cancellation while a step runs, and a
/// model is only ever touched by one thread.
/// </summary>
public sealed class TorchThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public TorchThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="work"/> and completes with its result (or exception).</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    completion.SetResult(work());
                }
                catch (Exception e)
                {
                    completion.SetException(e);
                }
            });
        }
        catch (InvalidOperationException)
        {
            completion.SetException(new ObjectDisposedException(_thread.Name, "the torch thread has stopped"));
        }

        return completion.Task;
    }

    private void Loop()
    {
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(30));
        }
    }
}
