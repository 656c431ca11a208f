using GanCluster.Training.Families;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>
/// A whole LAPGAN pyramid submitted as one experiment (model lapgan, level null) becomes a parent with one child experiment
/// per level, journaled as a <see cref="SweepSubmitted"/> like a sweep's: its levels are queued children on the worker pool,
/// so they run at once on as many free generator/discriminator pairs as there are and one after another on fewer, each
/// with its own checkpoints and its own pause and resume (a level whose worker dies pauses alone). The levels are a grid
/// over <c>lapgan.level</c> (2, 1, 0: the coarsest first, the order a single pair runs them in), one seed, ranked by loss/g
/// only because a sweep has a metric; <c>sweep status</c> and <c>list --sweep</c> show the pyramid and its levels. Pure.
/// </summary>
public static class LapganLevels
{
    /// <summary>The parent's id for a submission that was given experiment id <paramref name="experimentId"/> (exp-xxxxxxxx -> swp-xxxxxxxx).</summary>
    public static string ParentId(string experimentId) => $"swp-{experimentId[(experimentId.IndexOf('-') + 1)..]}";

    /// <summary>The journal event of pyramid <paramref name="pyramid"/>: one child per level, named <c>&lt;name&gt;-level&lt;k&gt;</c>.</summary>
    public static SweepSubmitted Expand(ExperimentSpec pyramid, int priority, string parentId, DateTimeOffset at)
    {
        var parent = new Protocol.SweepId(parentId);
        var children = LapganFamily.Levels(pyramid)
            .Select((level, i) => new SweepChild(parent.Child(i + 1).Value, SpecJson.Serialize(level, indented: false), level.Name, level.Rounds, i + 1, 1,
                $"lapgan.level={level.Lapgan.Level}"))
            .ToList();
        return new SweepSubmitted(parentId, pyramid.Name, "loss/g", "min", "grid", 3, [], priority, children, at);
    }
}
