using Akka.Configuration;
using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;
using GanCluster.Protocol.Serialization;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Tests;

/// <summary>Configuration and fixtures shared by the actor specs.</summary>
internal static class SpecConfig
{
    public static readonly WireSettings Wire = new(WireSettings.ProtocolVersionCurrent, 4 * 1024 * 1024);

    /// <summary>
    /// Every message is serialized even between local actors (serialize-messages = on), so an unbound or
    /// broken message fails the spec instead of silently travelling as JSON.
    /// </summary>
    public static Config Hocon(string extra = "") => ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.serialize-messages = on
            akka.actor.serialize-creators = off
            {{extra}}
            """)
        .WithFallback(GanClusterSerializer.Hocon)
        .WithFallback(ConfigurationFactory.ParseString(CoordinatorEventSerializer.Hocon));

    public static ExperimentSpec ToySpec(int rounds = 4, int checkpointInterval = 2, int k = 2) => new()
    {
        Name = "spec-toy",
        Model = ModelKind.Toy,
        Dataset = DatasetKind.Ring8,
        Loss = LossKind.NonSaturating,
        K = k,
        BatchSize = 8,
        LatentSize = 4,
        Rounds = rounds,
        CheckpointInterval = checkpointInterval,
        Seed = 3,
        Device = "cpu",
        Mixture = new MixtureSpec { Samples = 64 },
    };
}
