using System.Text;
using System.Text.Json;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// Serializes the coordinator's journal events and snapshots as JSON with explicit, stable manifests.
/// Identifier 4712 and the manifests are part of the storage format: never change them once data is persisted.
/// </summary>
public sealed class CoordinatorEventSerializer : SerializerWithStringManifest
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

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

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

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"empty {manifest} event")
            : throw new SerializationException($"unknown coordinator event manifest '{manifest}' ({Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 80)))})");
}
