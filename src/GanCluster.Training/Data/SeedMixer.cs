namespace GanCluster.Training.Data;

/// <summary>
/// Derives independent seeds from a seed and a stream number (SplitMix64 finalizer). Neighbouring inputs,
/// such as epochs 3 and 4 or seeds 1 and 2, give unrelated outputs, so derived random streams do not overlap.
/// </summary>
public static class SeedMixer
{
    public static ulong Mix(long seed, long stream)
    {
        var z = unchecked((ulong)seed + ((ulong)stream * 0x9E3779B97F4A7C15UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
