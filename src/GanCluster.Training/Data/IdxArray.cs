namespace GanCluster.Training.Data;

/// <summary>The content of one IDX file: the magic number, the dimensions (first = count) and the unsigned bytes, row-major.</summary>
public sealed record IdxArray(int Magic, int[] Dimensions, byte[] Data)
{
    /// <summary>Number of items (the first dimension).</summary>
    public int Count => Dimensions[0];
}
