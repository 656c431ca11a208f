using System.Collections.Concurrent;
using System.Reflection;
using GanCluster.Training.Options;

namespace GanCluster.Training.Objectives;

/// <summary>Marks a <see cref="LossKind"/> value with the objective that implements it.</summary>
[AttributeUsage(AttributeTargets.Field)]
public abstract class ObjectiveAttribute : Attribute
{
    public abstract IGanObjective Create(ExperimentSpec spec);

    public abstract IEnumerable<SpecError> Validate(ExperimentSpec spec);
}

/// <summary><c>[Objective&lt;WganGpObjective&gt;]</c> on a <see cref="LossKind"/> value: the one line that registers an objective.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ObjectiveAttribute<T> : ObjectiveAttribute where T : IObjectiveDefinition
{
    public override IGanObjective Create(ExperimentSpec spec) => T.Create(spec);

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec) => T.Validate(spec);
}

/// <summary>
/// The objective registry: <see cref="LossKind"/> is the list of objectives (its JSON names are what experiment files
/// write as "loss"), each value carrying its implementation in an <see cref="ObjectiveAttribute{T}"/>.
/// </summary>
public static class ObjectiveCatalog
{
    private static readonly ConcurrentDictionary<LossKind, ObjectiveAttribute?> Entries = new();

    /// <summary>The objective of a validated experiment.</summary>
    public static IGanObjective Create(ExperimentSpec spec) => Entry(spec.Loss)?.Create(spec)
        ?? throw new ArgumentException($"loss: unknown objective {(int)spec.Loss}; allowed: {SpecJson.Allowed<LossKind>()}");

    /// <summary>The objective's own checks of <paramref name="spec"/> (an unknown loss is reported once, as "loss").</summary>
    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => Entry(spec.Loss) is { } entry
        ? entry.Validate(spec)
        : [new SpecError("loss", $"allowed: {SpecJson.Allowed<LossKind>()}")];

    private static ObjectiveAttribute? Entry(LossKind kind) => Entries.GetOrAdd(kind, static k =>
        Enum.IsDefined(k) ? typeof(LossKind).GetField(k.ToString())!.GetCustomAttribute<ObjectiveAttribute>() : null);
}
