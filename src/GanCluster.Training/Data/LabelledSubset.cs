using TorchSharp;

namespace GanCluster.Training.Data;

/// <summary>
/// The labels a semi-supervised run may use (ssgan; catgan with labelsPerClass &gt; 0): <see cref="PerClass"/> digits of
/// every class from the training split, chosen by the seed alone (a Fisher-Yates shuffle of the split's indices with
/// System.Random seeded from <see cref="SeedMixer"/>, then the first perClass of each class in that order), so every
/// node and every evaluation picks the same digits.
/// </summary>
public static class LabelledSubset
{
    /// <summary>Labels per class (Salimans et al.'s 100 labels for 10 digit classes).</summary>
    public const int PerClass = 10;

    /// <summary>Seed stream of the choice (see <see cref="SeedMixer"/>).</summary>
    public const long Stream = 103;

    /// <summary>The chosen indices into <paramref name="training"/>, ascending.</summary>
    public static long[] Select(SampleSet training, long seed, int perClass = PerClass)
    {
        ArgumentNullException.ThrowIfNull(training);
        using var labels = training.Labels.cpu(); // held while its data is read
        return Select(labels.data<long>().ToArray(), training.Classes, seed, perClass);
    }

    /// <inheritdoc cref="Select(SampleSet, long, int)"/>
    public static long[] Select(long[] labels, int classes, long seed, int perClass = PerClass)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var order = Enumerable.Range(0, labels.Length).ToArray();
        var random = new Random((int)(SeedMixer.Mix(seed, Stream) & int.MaxValue));
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var taken = new int[classes];
        var chosen = new List<long>(classes * perClass);
        foreach (var index in order)
        {
            var label = labels[index];
            if (label >= 0 && label < classes && taken[label] < perClass)
            {
                taken[label]++;
                chosen.Add(index);
            }
        }

        var short_ = Enumerable.Range(0, classes).Where(c => taken[c] < perClass).ToList();
        if (short_.Count > 0)
        {
            throw new ArgumentException(
                $"heldOutFraction: the training split has fewer than {perClass} digits of class(es) {string.Join(", ", short_)}; lower heldOutFraction or use a larger data set");
        }

        chosen.Sort();
        return [.. chosen];
    }

    /// <summary>
    /// The digits of <paramref name="training"/> outside <paramref name="chosen"/>, with their labels: the figure to select
    /// recipes on (the held-out digits are only reported, never tuned on).
    /// </summary>
    public static SampleSet Complement(SampleSet training, long[] chosen)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(chosen);
        var set = new HashSet<long>(chosen);
        var rest = Enumerable.Range(0, training.Count).Select(i => (long)i).Where(i => !set.Contains(i)).ToArray();
        using var indices = torch.tensor(rest, dtype: torch.int64);
        return new SampleSet(training.Samples.index_select(0, indices), training.Labels.index_select(0, indices), training.Classes, $"{training.Description}, unlabelled part");
    }
}
