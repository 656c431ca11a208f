using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>Where a <see cref="BatchSampler"/> stands: the epoch and the position in that epoch's permutation.</summary>
public sealed record SamplerState(long Epoch, int Cursor);

/// <summary>
/// Deterministic shuffled mini-batches. Each epoch's permutation is drawn from (seed, epoch) alone, with a
/// generator of its own, so a run restored from a checkpoint (which stores <see cref="State"/>) sees exactly
/// the batches it would have seen without the interruption. The incomplete tail of an epoch is dropped so
/// that every batch has the requested size.
/// </summary>
public sealed class BatchSampler
{
    private readonly SampleSet _data;
    private readonly long _seed;
    private long _epoch;
    private int _cursor;
    private long[] _order;

    public BatchSampler(SampleSet data, long seed)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException($"data: {data.Description} is empty; a sampler needs at least one sample", nameof(data));
        }

        _data = data;
        _seed = seed;
        _order = Permutation(0);
    }

    /// <summary>The position to store in a checkpoint.</summary>
    public SamplerState State => new(_epoch, _cursor);

    /// <summary>Continues from a position returned by <see cref="State"/> (of a sampler with the same data and seed).</summary>
    public void Restore(SamplerState state)
    {
        if (state.Epoch < 0 || state.Cursor < 0 || state.Cursor > _data.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(state), $"state: epoch {state.Epoch}, cursor {state.Cursor}; expected epoch >= 0 and cursor in [0, {_data.Count}]");
        }

        if (state.Epoch != _epoch)
        {
            _order = Permutation(state.Epoch);
        }

        _epoch = state.Epoch;
        _cursor = state.Cursor;
    }

    /// <summary>The next batch: new tensors samples [B, ...] and labels [B], which the caller disposes.</summary>
    public (Tensor Samples, Tensor Labels) Next(int batchSize)
    {
        if (batchSize < 1 || batchSize > _data.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(batchSize), $"batchSize: {batchSize}; expected 1 to {_data.Count}, the size of the data set ({_data.Description}). Fix: lower batchSize or use more data.");
        }

        if (_cursor + batchSize > _data.Count)
        {
            _epoch++;
            _cursor = 0;
            _order = Permutation(_epoch);
        }

        using var indices = tensor(_order.AsSpan(_cursor, batchSize).ToArray(), device: _data.Samples.device);
        _cursor += batchSize;
        return (_data.Samples.index_select(0, indices), _data.Labels.index_select(0, indices));
    }

    private long[] Permutation(long epoch)
    {
        using var generator = new Generator(SeedMixer.Mix(_seed, epoch));
        using var permutation = randperm(_data.Count, generator: generator);
        return permutation.data<long>().ToArray();
    }
}
