using static TorchSharp.torch;

namespace GanCluster.Training.Data;

/// <summary>Where a <see cref="BatchSampler"/> stands: the epoch and the position in its permutation.</summary>
public sealed record SamplerState(long Epoch, int Cursor);

/// <summary>
/// Deterministic shuffled mini-batches: each epoch is a permutation drawn from (seed, epoch) alone, so a run
/// restored from a checkpoint (which stores <see cref="State"/>) sees exactly the batches it would have seen.
/// The incomplete tail of an epoch is dropped.
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
        _data = data;
        _seed = seed;
        _order = Permutation(0);
    }

    public SamplerState State => new(_epoch, _cursor);

    public void Restore(SamplerState state)
    {
        if (state.Epoch != _epoch)
        {
            _order = Permutation(state.Epoch);
        }

        _epoch = state.Epoch;
        _cursor = state.Cursor;
    }

    /// <summary>The next batch: samples [B, ...] and labels [B].</summary>
    public (Tensor Samples, Tensor Labels) Next(int batchSize)
    {
        if (batchSize > _data.Count)
        {
            throw new ArgumentException($"batchSize: {batchSize} is larger than the data set ({_data.Count} samples of {_data.Description}); lower batchSize");
        }

        if (_cursor + batchSize > _data.Count)
        {
            _epoch++;
            _cursor = 0;
            _order = Permutation(_epoch);
        }

        using var indices = tensor(_order.AsSpan(_cursor, batchSize).ToArray());
        _cursor += batchSize;
        return (_data.Samples.index_select(0, indices), _data.Labels.index_select(0, indices));
    }

    private long[] Permutation(long epoch)
    {
        // A SplitMix64-derived seed per epoch keeps epochs independent and reproducible.
        var mixed = unchecked((ulong)_seed + ((ulong)epoch * 0x9E3779B97F4A7C15UL));
        mixed = unchecked((mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9UL);
        mixed = unchecked((mixed ^ (mixed >> 27)) * 0x94D049BB133111EBUL);
        using var generator = new Generator(mixed ^ (mixed >> 31));
        using var permutation = randperm(_data.Count, generator: generator);
        return permutation.data<long>().ToArray();
    }
}
