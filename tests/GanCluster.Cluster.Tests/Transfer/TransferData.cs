using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using GanCluster.Cluster.Transfer;
using GanCluster.Protocol;
using GanCluster.Protocol.Serialization;

namespace GanCluster.Cluster.Tests.Transfer;

/// <summary>Payloads, configuration and a receiving actor shared by the transfer specs.</summary>
internal static class TransferData
{
    public static readonly ExperimentId Id = new("exp-transfer");

    public static Config Local => GanClusterSerializer.Hocon;

    /// <summary>Remoting on 127.0.0.1, a free port, the cluster's 4 MiB frame, and the serializer bindings.</summary>
    public static Config Remote => ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 0
          maximum-frame-size = 4194304b
        }
        """).WithFallback(GanClusterSerializer.Hocon);

    public static byte[] Bytes(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static HalfCheckpoint Checkpoint(int length, int seed = 1)
    {
        var state = Bytes(length, seed);
        return new HalfCheckpoint(Id, WorkerRole.Discriminator, 500, Sha256(state), state);
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>Receives messages the way a worker does (whole or in chunks) and tells each complete one to a target.</summary>
internal sealed class ChunkReceivingActor : ReceiveActor
{
    public ChunkReceivingActor(IActorRef target)
    {
        var chunks = new ChunkReceiver(Context.System);
        Receive<MessageChunk>(chunk =>
        {
            if (chunks.TryAccept(chunk, Sender, out var message))
            {
                target.Tell(message, Sender);
            }
        });
        ReceiveAny(message => target.Tell(message, Sender));
    }

    public static Props Props(IActorRef target) => Akka.Actor.Props.Create(() => new ChunkReceivingActor(target));
}
