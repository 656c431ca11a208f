using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Serializes the coordinator's journal events and snapshots as JSON with explicit, stable manifests.
/// Identifier 4712 and the manifests are part of the storage format: never change them once data is persisted.
/// </summary>
public sealed partial class CoordinatorEventSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 4712;

    /// <summary>HOCON that binds the events and the snapshot type to this serializer.</summary>
    public const string Hocon = """
        akka.actor {
          serializers.gancluster-events = "GanCluster.Cluster.Coordinator.CoordinatorEventSerializer, GanCluster.Cluster"
          serialization-bindings {
            "GanCluster.Cluster.Coordinator.ICoordinatorEvent, GanCluster.Cluster" = gancluster-events
            "GanCluster.Cluster.Coordinator.CoordinatorState, GanCluster.Cluster" = gancluster-events
          }
          serialization-identifiers {
            "GanCluster.Cluster.Coordinator.CoordinatorEventSerializer, GanCluster.Cluster" = 4712
          }
        }
        """;

    // Named floating-point literals: an ASHA report whose evaluation failed is NaN (it ranks last), in its event and in snapshots.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly Dictionary<string, Type> Types = new()
    {
        ["started"] = typeof(CoordinatorStarted),
        ["submitted"] = typeof(ExperimentSubmitted),
        ["assigned"] = typeof(ExperimentAssigned),
        ["rounds"] = typeof(RoundsRecorded),
        ["checkpoint"] = typeof(CheckpointStored),
        ["pruned"] = typeof(CheckpointsPruned),
        ["samples"] = typeof(SampleGridStored),
        ["paused"] = typeof(ExperimentPaused),
        ["completed"] = typeof(ExperimentCompleted),
        ["failed"] = typeof(ExperimentFailed),
        ["cancelled"] = typeof(ExperimentCancelled),
        ["resumed"] = typeof(ExperimentResumed),
        ["key"] = typeof(RequestKeyRecorded),
        ["sweep"] = typeof(SweepSubmitted),
        ["rung"] = typeof(RungReached),
        ["figure-awaited"] = typeof(SweepFigureAwaited),
        ["stopped-early"] = typeof(ExperimentStoppedEarly),
        ["pbt-ready"] = typeof(PbtMemberReady),
        ["pbt-generation"] = typeof(PbtGenerationDecided),
        ["checkpoint-copied"] = typeof(CheckpointCopied),
        ["state"] = typeof(CoordinatorState),
    };

    private static readonly Dictionary<Type, string> Manifests = Types.ToDictionary(kv => kv.Value, kv => kv.Key);

    public CoordinatorEventSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest) ? manifest : throw new ArgumentException($"{o.GetType()} is not a coordinator event");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    /// <summary>
    /// Reads an event or the state. An event that cannot be read comes back as an <see cref="UnreadableEvent"/> naming the
    /// experiment found in its readable part, so one damaged entry costs one experiment, not the coordinator; a damaged
    /// snapshot still fails (it names no single experiment, and the journal it summarizes is kept in full).
    /// </summary>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Types.TryGetValue(manifest, out var type))
        {
            return manifest == "state"
                ? throw new SerializationException("unknown state manifest")
                : Unreadable(bytes, manifest, $"unknown manifest '{Excerpt(manifest)}'");
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type, Json) ?? throw new JsonException("the entry is JSON null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException && type != typeof(CoordinatorState))
        {
            return Unreadable(bytes, manifest, e.Message);
        }
    }

    private static UnreadableEvent Unreadable(byte[] bytes, string manifest, string error) =>
        new(Excerpt(manifest), ExperimentIdPattern().Match(Encoding.UTF8.GetString(bytes)) is { Success: true } m ? m.Groups[1].Value : null, error);

    private static string Excerpt(string text) => text.Length <= 40 ? text : text[..40] + "...";

    // Every per-experiment event writes its id first: {"id":"exp-...",...}; the id survives a truncation after it.
    [GeneratedRegex("^\\{\"id\":\"([A-Za-z0-9._-]{1,64})\"")]
    private static partial Regex ExperimentIdPattern();
}
