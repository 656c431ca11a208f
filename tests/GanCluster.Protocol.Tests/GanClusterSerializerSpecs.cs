using System.Collections;
using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using GanCluster.Protocol.Serialization;

namespace GanCluster.Protocol.Tests;

public sealed class GanClusterSerializerSpecs : Akka.TestKit.Xunit2.TestKit
{
    private readonly GanClusterSerializer _serializer;

    public GanClusterSerializerSpecs()
        : base(GanClusterSerializer.Hocon)
    {
        _serializer = new GanClusterSerializer((ExtendedActorSystem)Sys);
    }

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in MessageCases.All(ActorRefs.Nobody))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Every_concrete_message_type_has_a_round_trip_case()
    {
        var messageTypes = typeof(IGanClusterMessage).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IGanClusterMessage).IsAssignableFrom(t))
            .ToHashSet();
        var covered = MessageCases.All(TestActor).Select(c => c.Message.GetType()).ToHashSet();

        var missing = messageTypes.Except(covered).Select(t => t.Name).Order().ToList();
        Assert.True(missing.Count == 0, $"message types without a round-trip case in MessageCases: {string.Join(", ", missing)}");
        Assert.True(messageTypes.Count >= 33, $"found only {messageTypes.Count} message types: the reflection scan is broken");
        Assert.Equal(messageTypes.OrderBy(t => t.Name), GanClusterSerializer.KnownTypes.OrderBy(t => t.Name));
    }

    [Fact]
    public void Every_nullable_field_has_a_case_with_null_and_a_case_with_a_value()
    {
        var seen = new Dictionary<string, (bool Null, bool Set)>();
        var nullability = new NullabilityInfoContext();
        foreach (var (_, message) in MessageCases.All(TestActor))
        {
            Walk(message, seen, nullability);
        }

        var incomplete = seen.Where(kv => !(kv.Value.Null && kv.Value.Set)).Select(kv => kv.Key).Order().ToList();
        Assert.True(incomplete.Count == 0, $"nullable fields not covered both null and set: {string.Join(", ", incomplete)}");
        Assert.Contains("AssignExperiment.HalfState", seen.Keys);
        Assert.Contains("ExperimentSummary.LastCheckpointRound", seen.Keys);
        Assert.Contains("FakeBatch.Labels", seen.Keys);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Message_round_trips_to_an_equal_message(string name)
    {
        var message = MessageCases.All(TestActor).Single(c => c.Name == name).Message;

        var manifest = _serializer.Manifest(message);
        var bytes = _serializer.ToBinary(message);
        var back = _serializer.FromBinary(bytes, manifest);

        Assert.IsType(message.GetType(), back);
        Assert.Equal(message, back);
        if (message.GetType().GetField("Instance", BindingFlags.Public | BindingFlags.Static) is not null)
        {
            Assert.Same(message, back);
        }
        else
        {
            Assert.NotSame(message, back);
        }

        // And through the actor system's serialization, as remoting does it.
        var viaSystem = Sys.Serialization.Deserialize(Sys.Serialization.Serialize(message), GanClusterSerializer.SerializerId, manifest);
        Assert.Equal(message, viaSystem);
    }

    [Fact]
    public void Submission_time_keeps_its_instant_and_offset()
    {
        var reply = new ExperimentStatusReply(MessageCases.FullSummary(), []);

        var back = (ExperimentStatusReply)_serializer.FromBinary(_serializer.ToBinary(reply), "STR");

        Assert.Equal(reply.Summary.SubmittedAt.UtcTicks, back.Summary.SubmittedAt.UtcTicks);
        Assert.Equal(TimeSpan.FromHours(1), back.Summary.SubmittedAt.Offset);
    }

    [Fact]
    public void Actor_reference_fields_resolve_to_the_same_working_actor()
    {
        var probe = CreateTestProbe();
        var register = new RegisterWorker(WorkerRole.Generator, probe.Ref, "node", new WireSettings(1, 4194304));

        var back = (RegisterWorker)_serializer.FromBinary(_serializer.ToBinary(register), "REG");
        back.Worker.Tell(new WorkerRegistered(3));

        Assert.Equal(probe.Ref, back.Worker);
        Assert.Equal(probe.Ref.Path, back.Worker.Path);
        probe.ExpectMsg<WorkerRegistered>(m => m.CoordinatorIncarnation == 3);
    }

    [Fact]
    public void Manifests_are_the_published_ones()
    {
        // The manifests are a wire and storage format: an existing entry changes only together with ProtocolVersionCurrent.
        // New messages only add entries (as the alarm and quality queries did); a node without them cannot answer them.
        var expected = new Dictionary<Type, string>
        {
            [typeof(SubmitExperiment)] = "SUB", [typeof(ExperimentAccepted)] = "ACC", [typeof(ExperimentRejected)] = "REJ",
            [typeof(ListExperiments)] = "LST", [typeof(ExperimentList)] = "LSR", [typeof(GetExperimentStatus)] = "STQ",
            [typeof(ExperimentStatusReply)] = "STR", [typeof(UnknownExperiment)] = "UNK", [typeof(CancelExperiment)] = "CAN", [typeof(ResumeExperiment)] = "RSM",
            [typeof(CancelAccepted)] = "CNA", [typeof(GetSamples)] = "SMQ", [typeof(SamplesReply)] = "SMR", [typeof(NoSamplesYet)] = "NSY",
            [typeof(WireMismatch)] = "WMM", [typeof(RegisterWorker)] = "REG", [typeof(WorkerRegistered)] = "RGD",
            [typeof(AssignExperiment)] = "ASG", [typeof(ExperimentReady)] = "RDY", [typeof(RunRounds)] = "RUN",
            [typeof(RoundCompleted)] = "RND", [typeof(TakeCheckpoint)] = "TCK", [typeof(HalfCheckpoint)] = "HCK",
            [typeof(SampleGridImage)] = "GRD", [typeof(StopExperiment)] = "STP", [typeof(ExperimentStopped)] = "STD",
            [typeof(WorkerFailure)] = "WFL", [typeof(GetWorkerStatus)] = "WSQ", [typeof(WorkerStatus)] = "WST",
            [typeof(OpenExchangeChannel)] = "XOP", [typeof(ExchangeChannelOffer)] = "XOF", [typeof(ExchangeChannelHello)] = "XHI",
            [typeof(FakeBatch)] = "FAK", [typeof(DiscriminatorStepDone)] = "DSD", [typeof(GeneratorFeedback)] = "GFB",
            [typeof(MessageChunk)] = "CHK", [typeof(MessageChunkAck)] = "CKA",
            [typeof(WorkerMetrics)] = "WMT", [typeof(GetAlarms)] = "ALQ", [typeof(AlarmList)] = "ALR",
            [typeof(GetLatestCheckpoint)] = "LCQ", [typeof(LatestCheckpoint)] = "LCR", [typeof(NoCheckpointYet)] = "NCY",
            [typeof(GetCheckpointPart)] = "CPQ", [typeof(CheckpointPart)] = "CPR", [typeof(GetQuality)] = "QLQ", [typeof(QualityList)] = "QLR",
            [typeof(GetStoredCheckpoint)] = "SCQ", [typeof(StoredCheckpoint)] = "SCR", [typeof(CheckpointRoundUnavailable)] = "CRU", [typeof(GetCheckpointHalfPart)] = "HPQ",
            [typeof(GetExperimentLogs)] = "LGQ", [typeof(ReadExperimentLogs)] = "LGN", [typeof(NodeLogLines)] = "LGL", [typeof(ExperimentLogs)] = "LGR", [typeof(CoordinatorRecovering)] = "CRC",
            [typeof(SubmitSweep)] = "SWS", [typeof(SweepAccepted)] = "SWA", [typeof(GetSweepStatus)] = "SWQ", [typeof(SweepStatusReply)] = "SWR",
            [typeof(UnknownSweep)] = "SWU", [typeof(CancelSweep)] = "SWC", [typeof(SweepCancelAccepted)] = "SWX",
            [typeof(ResumeSweep)] = "SWM", [typeof(SweepResumeAccepted)] = "SWY", [typeof(GetSweepLineage)] = "SWL", [typeof(SweepLineageReply)] = "SWG",
            [typeof(GetSweepCurves)] = "SWP", [typeof(SweepCurvesReply)] = "SWK", [typeof(GetSweepReplay)] = "SRP", [typeof(SweepReplayReply)] = "SRY",
        };

        var actual = GanClusterSerializer.KnownTypes.ToDictionary(t => t, t => GanClusterSerializer.ManifestOf(t)!);

        Assert.Equal(expected.OrderBy(kv => kv.Value), actual.OrderBy(kv => kv.Value));
        Assert.Equal(4711, _serializer.Identifier);
    }

    [Fact]
    public void Wire_layout_of_a_small_message_is_fixed()
    {
        var bytes = _serializer.ToBinary(new RunRounds(7, new ExperimentId("exp-0a1b2c3d"), 501, 1000));

        // int64 incarnation, 7-bit length + UTF-8 id, int32 from, int32 to; all little-endian.
        Assert.Equal("0700000000000000" + "0C6578702D3061316232633364" + "F5010000" + "E8030000", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Fake_batch_serializes_to_its_payload_plus_a_few_dozen_bytes()
    {
        var batch = new FakeBatch(MessageCases.Id, 42, Phase.Discriminator, 0, MessageCases.Floats(100, 784), null);
        Assert.Equal(313_600, batch.Samples.Data.Length);

        var bytes = _serializer.ToBinary(batch);

        var overhead = bytes.Length - batch.Samples.Data.Length;
        Assert.InRange(overhead, 1, 64);

        // The payload is written as is, followed only by the absent-labels presence byte and the side-input count (0).
        Assert.True(bytes.AsSpan(overhead - 5, batch.Samples.Data.Length).SequenceEqual(batch.Samples.Data));
        Assert.Equal(0, bytes[^5]);
        Assert.Equal(0, BitConverter.ToInt32(bytes, bytes.Length - 4));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Serialized_size_is_the_length_of_the_serialized_bytes(string name)
    {
        var message = MessageCases.All(TestActor).Single(c => c.Name == name).Message;
        Assert.Equal(_serializer.ToBinary(message).LongLength, GanClusterSerializer.SerializedSize(message));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Written_to_a_stream_it_is_the_serialized_bytes_and_reads_back_from_the_stream(string name)
    {
        // The exchange channel's path: written straight into the connection, read straight out of it.
        var message = MessageCases.All(TestActor).Single(c => c.Name == name).Message;
        var bytes = _serializer.ToBinary(message);
        using var stream = new MemoryStream();
        GanClusterSerializer.WriteTo(stream, message);
        Assert.Equal(bytes, stream.ToArray());

        // Two messages back to back with a trailing byte: each read takes exactly its own bytes.
        GanClusterSerializer.WriteTo(stream, message);
        stream.WriteByte(7);
        stream.Position = 0;
        var manifest = _serializer.Manifest(message);
        Assert.Equal(message, _serializer.ReadFrom(stream, bytes.Length, manifest));
        Assert.Equal(message, _serializer.ReadFrom(stream, bytes.Length, manifest));
        Assert.Equal(7, stream.ReadByte());
    }

    [Fact]
    public void A_stream_that_ends_inside_a_message_is_a_serialization_error()
    {
        var batch = new FakeBatch(MessageCases.Id, 42, Phase.Discriminator, 0, MessageCases.Floats(10, 784), null);
        var bytes = _serializer.ToBinary(batch);

        var error = Assert.Throws<SerializationException>(() => _serializer.ReadFrom(new MemoryStream(bytes[..^100]), bytes.Length, "FAK"));
        Assert.Contains("'FAK'", error.Message);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Truncated_bytes_are_a_serialization_error(string name)
    {
        var message = MessageCases.All(TestActor).Single(c => c.Name == name).Message;
        var bytes = _serializer.ToBinary(message);
        if (bytes.Length == 0)
        {
            Assert.Throws<SerializationException>(() => _serializer.FromBinary([0], _serializer.Manifest(message)));
            return;
        }

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes[..^1], _serializer.Manifest(message)));
        Assert.Contains(_serializer.Manifest(message), error.Message);
    }

    [Fact]
    public void Trailing_bytes_are_a_serialization_error()
    {
        var bytes = _serializer.ToBinary(new CancelExperiment(MessageCases.Id));

        Assert.Throws<SerializationException>(() => _serializer.FromBinary([.. bytes, 0], "CAN"));
    }

    [Fact]
    public void Unknown_manifest_is_a_serialization_error_that_names_it()
    {
        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary([1, 2, 3], "XYZ"));

        Assert.Contains("'XYZ'", error.Message);
    }

    [Fact]
    public void Undefined_enum_value_is_rejected()
    {
        var bytes = _serializer.ToBinary(new ExperimentStopped(MessageCases.Id, WorkerRole.Generator));
        bytes[^1] = 99;

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "STD"));
        Assert.Contains("WorkerRole", error.Message);
    }

    [Fact]
    public void Invalid_experiment_id_on_the_wire_is_rejected()
    {
        var bytes = _serializer.ToBinary(new CancelExperiment(MessageCases.Id));
        bytes[1] = (byte)'E';

        Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "CAN"));
    }

    [Fact]
    public void Corrupt_byte_length_fails_without_allocating_it()
    {
        var bytes = _serializer.ToBinary(new SampleGridImage(MessageCases.Id, 1, [1, 2, 3]));
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 7, 4), int.MaxValue);

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "GRD"));
        Assert.Contains("promises 2147483647 bytes", error.Message);
    }

    [Fact]
    public void A_term_named_twice_on_the_wire_is_rejected()
    {
        var terms = new Dictionary<string, double> { ["a"] = 1, ["b"] = 2 };
        var bytes = _serializer.ToBinary(new DiscriminatorStepDone(MessageCases.Id, 1, 0, terms, 1.0));
        var second = 1 + MessageCases.Id.Value.Length + 4 + 4 + 4 + 1 + 1 + 8;
        bytes[second + 1] = (byte)'a';

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "DSD"));
        Assert.Contains("'a' appears twice", error.Message);
    }

    [Fact]
    public void Named_terms_survive_a_round_trip_in_order_with_non_finite_values()
    {
        var terms = new Dictionary<string, double> { ["loss/d"] = 1.25, ["loss/d_r1"] = double.NaN, ["d/real"] = double.PositiveInfinity };
        var done = new DiscriminatorStepDone(MessageCases.Id, 3, 1, terms, 2.5);

        var back = (DiscriminatorStepDone)_serializer.FromBinary(_serializer.ToBinary(done), "DSD");

        Assert.Equal(terms.Keys, back.Terms.Keys);
        Assert.Equal(done, back);
    }

    [Fact]
    public void Tensor_whose_bytes_disagree_with_its_shape_is_rejected_on_read()
    {
        var bytes = _serializer.ToBinary(new GeneratorFeedback(MessageCases.Id, 1, NamedTerms.Empty, MessageCases.Floats(2, 3), 1.0));
        var shapeOffset = 1 + MessageCases.Id.Value.Length + 4 + 4 + 1 + 4;
        BitConverter.TryWriteBytes(bytes.AsSpan(shapeOffset, 8), 5L);

        var error = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "GFB"));
        Assert.Contains("needs 60 bytes", error.Message);
    }

    private static void Walk(object value, Dictionary<string, (bool Null, bool Set)> seen, NullabilityInfoContext nullability)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var content = property.GetValue(value);
            if (nullability.Create(property).ReadState == NullabilityState.Nullable)
            {
                var key = $"{value.GetType().Name}.{property.Name}";
                var (wasNull, wasSet) = seen.GetValueOrDefault(key);
                seen[key] = (wasNull || content is null, wasSet || content is not null);
            }

            if (content is ExperimentSummary or TensorPayload or RoundMetrics)
            {
                Walk(content, seen, nullability);
            }
            else if (content is IReadOnlyDictionary<string, TensorPayload> tensors)
            {
                foreach (var tensor in tensors.Values)
                {
                    Walk(tensor, seen, nullability);
                }
            }
            else if (content is IEnumerable items and not string and not byte[] and not long[] and not IEnumerable<string> and not IReadOnlyDictionary<string, double>)
            {
                foreach (var item in items)
                {
                    Walk(item, seen, nullability);
                }
            }
        }
    }
}
