using GanCluster.Training.Core;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;

namespace GanCluster.Cluster.Workers;

/// <summary>What a generator worker renders for people to look at: the sample grid of a round as PNG bytes.</summary>
public static class GeneratorRendering
{
    /// <summary>The fixed-noise grid (images) or scatter plot (2-D data) of a generator half, as a local run writes it.</summary>
    public static byte[] SamplesPng(GeneratorHalf half, ExperimentSpec spec)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gancluster-grid-{Guid.NewGuid():N}.png");
        try
        {
            SampleRenderer.WriteSamples(half, spec, file);
            return File.ReadAllBytes(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
