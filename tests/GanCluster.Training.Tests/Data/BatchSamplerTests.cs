using GanCluster.Training.Data;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

public sealed class BatchSamplerTests
{
    /// <summary>Sample i is the value i (and label i), so batches show which indices they took.</summary>
    private static SampleSet Indexed(int count) =>
        new(arange(KeptScalars.OfInteger(count), dtype: float32).view(count, 1), arange(KeptScalars.OfInteger(count), dtype: int64), count, "indexed");

    private static long[] Take(BatchSampler sampler, int batchSize)
    {
        var (samples, labels) = sampler.Next(batchSize);
        using (samples)
        using (labels)
        {
            var fromSamples = samples.flatten().data<float>().Select(v => (long)v).ToArray();
            var fromLabels = labels.data<long>().ToArray();
            Assert.Equal(fromLabels, fromSamples);
            return fromLabels;
        }
    }

    [Fact]
    public void An_epoch_visits_distinct_samples_and_drops_the_incomplete_tail()
    {
        using var data = Indexed(10);
        var sampler = new BatchSampler(data, seed: 1);

        var epoch0 = Enumerable.Range(0, 3).SelectMany(_ => Take(sampler, 3)).ToArray();
        Assert.Equal(new SamplerState(0, 9), sampler.State);
        var next = Take(sampler, 3);

        Assert.Equal(9, epoch0.Distinct().Count());
        Assert.All(epoch0, i => Assert.InRange(i, 0, 9));
        Assert.Equal(new SamplerState(1, 3), sampler.State);
        Assert.Equal(3, next.Distinct().Count());
    }

    [Fact]
    public void Batches_depend_on_the_seed_and_the_epoch_only()
    {
        using var data = Indexed(50);
        var a = new BatchSampler(data, seed: 7);
        var b = new BatchSampler(data, seed: 7);
        var c = new BatchSampler(data, seed: 8);

        var fromA = Take(a, 50);
        Assert.Equal(fromA, Take(b, 50));
        Assert.NotEqual(fromA, Take(c, 50));
        Assert.NotEqual(fromA, Take(a, 50)); // epoch 1 is another permutation
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), fromA.Order());
    }

    [Fact]
    public void A_restored_sampler_continues_with_exactly_the_same_batches()
    {
        using var data = Indexed(20);
        var original = new BatchSampler(data, seed: 3);
        for (var i = 0; i < 7; i++)
        {
            Take(original, 6); // crosses two epoch boundaries
        }

        var saved = original.State;
        var expected = Enumerable.Range(0, 8).Select(_ => Take(original, 6)).ToArray();

        var resumed = new BatchSampler(data, seed: 3);
        resumed.Restore(saved);
        var actual = Enumerable.Range(0, 8).Select(_ => Take(resumed, 6)).ToArray();

        Assert.Equal(new SamplerState(2, 6), saved);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_batch_larger_than_the_data_set_is_rejected_naming_batchSize()
    {
        using var data = Indexed(5);
        var sampler = new BatchSampler(data, seed: 1);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Next(6));

        Assert.Contains("batchSize: 6", e.Message);
        Assert.Contains("indexed", e.Message);
    }

    [Fact]
    public void An_impossible_state_is_rejected()
    {
        using var data = Indexed(5);
        var sampler = new BatchSampler(data, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Restore(new SamplerState(0, 6)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Restore(new SamplerState(-1, 0)));
    }
}
