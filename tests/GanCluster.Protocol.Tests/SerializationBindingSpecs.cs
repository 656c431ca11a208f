using Akka.Actor;
using Akka.Configuration;
using GanCluster.Protocol.Serialization;

namespace GanCluster.Protocol.Tests;

/// <summary>With the published HOCON every message goes through GanClusterSerializer, also locally under serialize-messages.</summary>
public sealed class SerializationBindingSpecs : Akka.TestKit.Xunit2.TestKit
{
    public SerializationBindingSpecs()
        : base(ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(GanClusterSerializer.Hocon))
    {
    }

    public static TheoryData<string> CaseNames() => GanClusterSerializerSpecs.CaseNames();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Message_is_bound_to_the_GanCluster_serializer(string name)
    {
        var message = MessageCases.All(TestActor).Single(c => c.Name == name).Message;

        var serializer = Sys.Serialization.FindSerializerFor(message);

        Assert.IsType<GanClusterSerializer>(serializer);
        Assert.Equal(4711, serializer.Identifier);
    }

    [Fact]
    public void Fake_batch_told_locally_is_serialized_and_deserialized_on_the_way()
    {
        Assert.True(Sys.Settings.SerializeAllMessages);
        var batch = new FakeBatch(MessageCases.Id, 42, Phase.Discriminator, 0, MessageCases.Floats(100, 784), null);

        TestActor.Tell(batch);

        var received = ExpectMsg<FakeBatch>();
        Assert.NotSame(batch, received);
        Assert.NotSame(batch.Samples.Data, received.Samples.Data);
        Assert.Equal(batch, received);
    }

    [Fact]
    public void Without_the_bindings_messages_fall_back_to_another_serializer()
    {
        using var bare = ActorSystem.Create("bare", "akka.loglevel = WARNING");

        var serializer = bare.Serialization.FindSerializerFor(new ExperimentAccepted(MessageCases.Id));

        Assert.IsNotType<GanClusterSerializer>(serializer);
    }
}
