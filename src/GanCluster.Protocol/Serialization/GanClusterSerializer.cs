using Akka.Actor;
using Akka.Configuration;
using System.Runtime.Serialization;
using System.Text;
using Akka.Serialization;

namespace GanCluster.Protocol.Serialization;

/// <summary>
/// The binary serializer of every <see cref="IGanClusterMessage"/>: a short stable manifest per type and a
/// compact little-endian body; tensors and byte payloads are written as raw bytes (a 313,600-byte fake
/// batch serializes to the payload plus a few dozen bytes). Identifier 4711 and the manifests are a
/// storage and wire format: never change them once data is persisted or nodes of two versions meet.
/// </summary>
public sealed class GanClusterSerializer : SerializerWithStringManifest
{
    /// <summary>
    /// The serializer id stored beside every serialized message (and in any journal or snapshot that ever holds
    /// one). Never change it once data is persisted or nodes of two versions meet.
    /// </summary>
    public const int SerializerId = 4711;

    private sealed record Codec(Type Type, Action<WireWriter, object> Write, Func<WireReader, object> Read);

    private static readonly Dictionary<string, Codec> ByManifest = new();
    private static readonly Dictionary<Type, string> Manifests = new();

    static GanClusterSerializer()
    {
        Add<SubmitExperiment>("SUB", (w, m) => { w.String(m.SpecJson); w.Int(m.Priority); w.Wire(m.Wire); w.Optional(m.Key, w.String); }, r => new(r.String(), r.Int(), r.Wire(), r.Optional(r.String)));
        Add<ExperimentAccepted>("ACC", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<ExperimentRejected>("REJ", (w, m) => { w.String(m.Field); w.String(m.Reason); }, r => new(r.String(), r.String()));
        Add("LST", ListExperiments.Instance);
        Add<ExperimentList>("LSR", (w, m) => w.List(m.Experiments, w.Summary), r => new(r.List(r.Summary)));
        Add<GetExperimentStatus>("STQ", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<ExperimentStatusReply>("STR", (w, m) => { w.Summary(m.Summary); w.List(m.RecentRounds, w.Metrics); }, r => new(r.Summary(), r.List(r.Metrics)));
        Add<UnknownExperiment>("UNK", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<CancelExperiment>("CAN", (w, m) => { w.Id(m.Id); w.Optional(m.Key, w.String); }, r => new(r.Id(), r.Optional(r.String)));
        Add<CancelAccepted>("CNA", (w, m) => { w.Id(m.Id); w.Optional(m.AlreadyEnded, s => w.Byte((byte)s)); }, r => new(r.Id(), r.OptionalValue(r.Enum<ExperimentState>)));
        Add<ResumeExperiment>("RSM", (w, m) => { w.Id(m.Id); w.Optional(m.GeneratorLearningRate, w.Double); w.Optional(m.DiscriminatorLearningRate, w.Double); w.Optional(m.Rounds, w.Int); w.Optional(m.Key, w.String); },
            r => new(r.Id(), r.OptionalValue(r.Double), r.OptionalValue(r.Double), r.OptionalValue(r.Int), r.Optional(r.String)));
        Add<GetSamples>("SMQ", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<SamplesReply>("SMR", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.String(m.Format); w.Bytes(m.Data); }, r => new(r.Id(), r.Int(), r.String(), r.Bytes()));
        Add<NoSamplesYet>("NSY", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<WireMismatch>("WMM", (w, m) => w.String(m.Reason), r => new(r.String()));
        Add<CoordinatorRecovering>("CRC", (w, m) => { w.String(m.Reason); w.Int(m.RetryInSeconds); }, r => new(r.String(), r.Int()));

        Add<RegisterWorker>("REG", (w, m) => { w.Byte((byte)m.Role); w.ActorRef(m.Worker); w.String(m.NodeAddress); w.Wire(m.Wire); w.String(m.Device); },
            r => new(r.Enum<WorkerRole>(), r.ActorRef(), r.String(), r.Wire(), r.String()));
        Add<WorkerRegistered>("RGD", (w, m) => w.Long(m.CoordinatorIncarnation), r => new(r.Long()));
        Add<AssignExperiment>("ASG", (w, m) =>
        {
            w.Long(m.Incarnation); w.Id(m.Id); w.String(m.SpecJson); w.Byte((byte)m.Role); w.ActorRef(m.Peer); w.Int(m.NextRound);
            w.Optional(m.HalfState, w.Bytes); w.Optional(m.HalfStateSha256, w.String);
        }, r => new(r.Long(), r.Id(), r.String(), r.Enum<WorkerRole>(), r.ActorRef(), r.Int(), r.Optional(r.Bytes), r.Optional(r.String)));
        Add<ExperimentReady>("RDY", (w, m) => { w.Id(m.Id); w.Byte((byte)m.Role); w.Int(m.NextRound); }, r => new(r.Id(), r.Enum<WorkerRole>(), r.Int()));
        Add<RunRounds>("RUN", (w, m) => { w.Long(m.Incarnation); w.Id(m.Id); w.Int(m.FromRound); w.Int(m.ToRound); }, r => new(r.Long(), r.Id(), r.Int(), r.Int()));
        Add<RoundCompleted>("RND", (w, m) => { w.Id(m.Id); w.Metrics(m.Metrics); }, r => new(r.Id(), r.Metrics()));
        Add<TakeCheckpoint>("TCK", (w, m) => { w.Long(m.Incarnation); w.Id(m.Id); w.Int(m.Round); }, r => new(r.Long(), r.Id(), r.Int()));
        Add<HalfCheckpoint>("HCK", (w, m) => { w.Id(m.Id); w.Byte((byte)m.Role); w.Int(m.Round); w.String(m.Sha256); w.Bytes(m.State); },
            r => new(r.Id(), r.Enum<WorkerRole>(), r.Int(), r.String(), r.Bytes()));
        Add<SampleGridImage>("GRD", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Bytes(m.Png); }, r => new(r.Id(), r.Int(), r.Bytes()));
        Add<StopExperiment>("STP", (w, m) => { w.Long(m.Incarnation); w.Id(m.Id); }, r => new(r.Long(), r.Id()));
        Add<ExperimentStopped>("STD", (w, m) => { w.Id(m.Id); w.Byte((byte)m.Role); }, r => new(r.Id(), r.Enum<WorkerRole>()));
        Add<WorkerFailure>("WFL", (w, m) => { w.Id(m.Id); w.Byte((byte)m.Role); w.Int(m.Round); w.String(m.Reason); w.Bool(m.Diverged); },
            r => new(r.Id(), r.Enum<WorkerRole>(), r.Int(), r.String(), r.Bool()));
        Add("WSQ", GetWorkerStatus.Instance);
        Add<WorkerStatus>("WST", (w, m) => { w.Byte((byte)m.Role); w.String(m.NodeAddress); w.Optional(m.Experiment, w.Id); w.Optional(m.Round, w.Int); w.String(m.State); w.String(m.Device); },
            r => new(r.Enum<WorkerRole>(), r.String(), r.OptionalValue(r.Id), r.OptionalValue(r.Int), r.String(), r.String()));

        Add<FakeBatch>("FAK", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Byte((byte)m.Phase); w.Int(m.Step); w.Tensor(m.Samples); w.Optional(m.Labels, w.Tensor); w.NamedTensors(m.SideInputs); },
            r => new(r.Id(), r.Int(), r.Enum<Phase>(), r.Int(), r.Tensor(), r.Optional(r.Tensor)) { SideInputs = r.NamedTensors() });
        Add<DiscriminatorStepDone>("DSD", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Int(m.Step); w.Terms(m.Terms); w.Double(m.StepMs); },
            r => new(r.Id(), r.Int(), r.Int(), r.Terms(), r.Double()));
        Add<GeneratorFeedback>("GFB", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Terms(m.Terms); w.Tensor(m.Gradient); w.Double(m.FeedbackMs); },
            r => new(r.Id(), r.Int(), r.Terms(), r.Tensor(), r.Double()));

        Add<OpenExchangeChannel>("XOP", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<ExchangeChannelOffer>("XOF", (w, m) => { w.Id(m.Id); w.String(m.Host); w.Int(m.Port); w.String(m.Token); }, r => new(r.Id(), r.String(), r.Int(), r.String()));
        Add<ExchangeChannelHello>("XHI", (w, m) => { w.Id(m.Id); w.String(m.Token); }, r => new(r.Id(), r.String()));

        Add<MessageChunk>("CHK", (w, m) => { w.Long(m.TransferId); w.Int(m.Index); w.Int(m.Count); w.Int(m.SerializerId); w.String(m.Manifest); w.Bytes(m.Data); },
            r => new(r.Long(), r.Int(), r.Int(), r.Int(), r.String(), r.Bytes()));
        Add<MessageChunkAck>("CKA", (w, m) => { w.Long(m.TransferId); w.Int(m.Index); }, r => new(r.Long(), r.Int()));

        Add<WorkerMetrics>("WMT", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.List(m.Values, v => { w.String(v.Name); w.Double(v.Value); }); },
            r => new(r.Id(), r.Int(), r.List(() => new MetricValue(r.String(), r.Double()))));
        Add<GetAlarms>("ALQ", (w, m) => w.Optional(m.Id, w.Id), r => new(r.OptionalValue(r.Id)));
        Add<AlarmList>("ALR", (w, m) => w.List(m.Alarms, a => { w.Id(a.Id); w.String(a.Kind); w.Int(a.Round); w.String(a.Message); }),
            r => new(r.List(() => new ExperimentAlarm(r.Id(), r.String(), r.Int(), r.String()))));

        Add<GetLatestCheckpoint>("LCQ", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<LatestCheckpoint>("LCR", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.String(m.SpecJson); w.Long(m.GeneratorBytes); w.String(m.GeneratorSha256); },
            r => new(r.Id(), r.Int(), r.String(), r.Long(), r.String()));
        Add<NoCheckpointYet>("NCY", (w, m) => w.Id(m.Id), r => new(r.Id()));
        Add<GetCheckpointPart>("CPQ", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Long(m.Offset); w.Int(m.Length); }, r => new(r.Id(), r.Int(), r.Long(), r.Int()));
        Add<CheckpointPart>("CPR", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Long(m.Offset); w.Bytes(m.Data); }, r => new(r.Id(), r.Int(), r.Long(), r.Bytes()));
        Add<GetQuality>("QLQ", (w, m) => w.Optional(m.Id, w.Id), r => new(r.OptionalValue(r.Id)));
        Add<QualityList>("QLR", (w, m) => w.List(m.Experiments, q => { w.Id(q.Id); w.Int(q.Round); w.String(q.Headline); w.String(q.EvaluationJson); }),
            r => new(r.List(() => new ExperimentQuality(r.Id(), r.Int(), r.String(), r.String()))));

        Add<GetStoredCheckpoint>("SCQ", (w, m) => { w.Id(m.Id); w.Optional(m.Round, w.Int); }, r => new(r.Id(), r.OptionalValue(r.Int)));
        Add<StoredCheckpoint>("SCR", (w, m) =>
            {
                w.Id(m.Id); w.Int(m.Round); w.String(m.SpecJson);
                w.Long(m.GeneratorBytes); w.String(m.GeneratorSha256); w.Long(m.DiscriminatorBytes); w.String(m.DiscriminatorSha256);
            },
            r => new(r.Id(), r.Int(), r.String(), r.Long(), r.String(), r.Long(), r.String()));
        Add<CheckpointRoundUnavailable>("CRU", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.List(m.StoredRounds, w.Int); }, r => new(r.Id(), r.Int(), r.List(r.Int)));
        Add<GetCheckpointHalfPart>("HPQ", (w, m) => { w.Id(m.Id); w.Int(m.Round); w.Byte((byte)m.Role); w.Long(m.Offset); w.Int(m.Length); },
            r => new(r.Id(), r.Int(), r.Enum<WorkerRole>(), r.Long(), r.Int()));

        Add<GetExperimentLogs>("LGQ", (w, m) => { w.Id(m.Id); w.Optional(m.Since, w.Timestamp); w.List(m.After, c => LogCursor(w, c)); },
            r => new(r.Id(), r.OptionalValue(r.Timestamp), r.List(() => LogCursor(r))));
        Add<ReadExperimentLogs>("LGN", (w, m) => { w.Id(m.Id); w.Optional(m.Since, w.Timestamp); w.Optional(m.After, c => LogCursor(w, c)); w.Int(m.MaxBytes); },
            r => new(r.Id(), r.OptionalValue(r.Timestamp), r.Optional(() => LogCursor(r)), r.Int()));
        Add<NodeLogLines>("LGL", (w, m) => NodeLogLines(w, m), r => NodeLogLines(r));
        Add<ExperimentLogs>("LGR", (w, m) => { w.Id(m.Id); w.List(m.Nodes, n => NodeLogLines(w, n)); w.List(m.Unavailable, w.String); },
            r => new(r.Id(), r.List(() => NodeLogLines(r)), r.List(r.String)));

        Add<SubmitSweep>("SWS", (w, m) =>
            {
                w.String(m.BaseSpecJson); w.String(m.SpaceJson); w.String(m.Metric); w.String(m.Mode); w.String(m.Algorithm); w.Int(m.Seeds);
                w.Optional(m.Budget, w.Int); w.Int(m.Eta); w.Int(m.Priority); w.Wire(m.Wire); w.Optional(m.Key, w.String);
                w.Optional(m.Pbt, p => { w.Int(p.Ready); w.Double(p.Quantile); w.Double(p.PerturbDown); w.Double(p.PerturbUp); w.Double(p.ResampleProbability); });
                w.Optional(m.GracePeriod, w.Int);
            },
            r => new(r.String(), r.String(), r.String(), r.String(), r.String(), r.Int(), r.OptionalValue(r.Int), r.Int(), r.Int(), r.Wire(), r.Optional(r.String),
                r.Optional(() => new PbtOptions(r.Int(), r.Double(), r.Double(), r.Double(), r.Double())), r.OptionalValue(r.Int)));
        Add<SweepAccepted>("SWA", (w, m) => { w.String(m.Id.Value); w.List(m.Children, w.Id); }, r => new(new SweepId(r.String()), r.List(r.Id)));
        Add<GetSweepStatus>("SWQ", (w, m) => w.String(m.Id.Value), r => new(new SweepId(r.String())));
        Add<SweepStatusReply>("SWR", (w, m) =>
            {
                w.String(m.Id.Value); w.String(m.Name); w.String(m.Metric); w.String(m.Mode); w.String(m.Algorithm);
                w.List(m.Children, c =>
                {
                    w.Id(c.Id); w.String(c.Name); w.Int(c.Config); w.Int(c.SeedIndex); w.String(c.Overrides); w.Byte((byte)c.State); w.Int(c.RoundsDone); w.Int(c.RoundsTotal);
                    w.Optional(c.Reason, w.String); w.Optional(c.Metric, w.Double); w.Optional(c.MetricRound, w.Int);
                });
            },
            r => new(new SweepId(r.String()), r.String(), r.String(), r.String(), r.String(), r.List(() => new SweepChildStatus(
                r.Id(), r.String(), r.Int(), r.Int(), r.String(), r.Enum<ExperimentState>(), r.Int(), r.Int(), r.Optional(r.String), r.OptionalValue(r.Double), r.OptionalValue(r.Int)))));
        Add<UnknownSweep>("SWU", (w, m) => w.String(m.Id.Value), r => new(new SweepId(r.String())));
        Add<CancelSweep>("SWC", (w, m) => w.String(m.Id.Value), r => new(new SweepId(r.String())));
        Add<SweepCancelAccepted>("SWX", (w, m) => { w.String(m.Id.Value); w.Int(m.Cancelled); }, r => new(new SweepId(r.String()), r.Int()));
        Add<ResumeSweep>("SWM", (w, m) => w.String(m.Id.Value), r => new(new SweepId(r.String())));
        Add<SweepResumeAccepted>("SWY", (w, m) => { w.String(m.Id.Value); w.Int(m.Resumed); }, r => new(new SweepId(r.String()), r.Int()));
        Add<GetSweepCurves>("SWP", (w, m) => w.String(m.Id.Value), r => new(new SweepId(r.String())));
        Add<SweepCurvesReply>("SWK", (w, m) =>
            {
                w.String(m.Id.Value); w.String(m.Metric);
                w.List(m.Curves, c => { w.Id(c.Id); w.String(c.Name); w.List(c.Rounds, w.Int); w.List(c.Values, w.Double); });
            },
            r => new(new SweepId(r.String()), r.String(), r.List(() => new SweepCurve(r.Id(), r.String(), r.List(r.Int), r.List(r.Double)))));
        Add<GetSweepReplay>("SRP", (w, m) => { w.String(m.Id.Value); w.Optional(m.Member, w.Id); }, r => new(new SweepId(r.String()), r.OptionalValue(r.Id)));
        Add<SweepReplayReply>("SRY", (w, m) => { w.String(m.Id.Value); w.Id(m.Member); w.String(m.Name); w.String(m.State); w.Int(m.Changes); w.String(m.SpecJson); },
            r => new(new SweepId(r.String()), r.Id(), r.String(), r.String(), r.Int(), r.String()));
        Add<GetSweepLineage>("SWL", (w, m) => w.String(m.Id.Value), r => new(new SweepId(r.String())));
        Add<SweepLineageReply>("SWG", (w, m) =>
            {
                w.String(m.Id.Value); w.String(m.Metric); w.String(m.Mode); w.Int(m.Ready);
                w.List(m.Members, x =>
                {
                    w.Id(x.Id); w.String(x.Name);
                    w.List(x.Generations, g => { w.Int(g.Generation); w.Int(g.Round); w.Optional(g.Metric, w.Double); w.Optional(g.CopiedFrom, w.Id); w.String(g.Hyperparameters); });
                });
            },
            r => new(new SweepId(r.String()), r.String(), r.String(), r.Int(), r.List(() => new PbtMemberLineage(r.Id(), r.String(),
                r.List(() => new PbtGenerationStep(r.Int(), r.Int(), r.OptionalValue(r.Double), r.OptionalValue(r.Id), r.String()))))));
    }

    private static void LogCursor(WireWriter w, LogCursor c)
    {
        w.String(c.Address);
        w.String(c.File);
        w.Long(c.Offset);
    }

    private static LogCursor LogCursor(WireReader r) => new(r.String(), r.String(), r.Long());

    private static void NodeLogLines(WireWriter w, NodeLogLines m)
    {
        w.String(m.Address);
        w.String(m.Node);
        w.String(m.Roles);
        w.List(m.Lines, w.String);
        LogCursor(w, m.Cursor);
        w.Bool(m.More);
    }

    private static NodeLogLines NodeLogLines(WireReader r) => new(r.String(), r.String(), r.String(), r.List(r.String), LogCursor(r), r.Bool());

    public GanClusterSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <summary>
    /// HOCON that binds every <see cref="IGanClusterMessage"/> to this serializer (Akka 1.5 keys):
    /// <code>
    /// akka.actor.serializers.gancluster = "GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol"
    /// akka.actor.serialization-bindings { "GanCluster.Protocol.IGanClusterMessage, GanCluster.Protocol" = gancluster }
    /// akka.actor.serialization-identifiers { "GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol" = 4711 }
    /// </code>
    /// Every node and client must load it; use <see cref="Hocon"/> as a fallback of the node's config.
    /// </summary>
    public const string HoconText = """
        akka.actor {
          serializers.gancluster = "GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol"
          serialization-bindings {
            "GanCluster.Protocol.IGanClusterMessage, GanCluster.Protocol" = gancluster
          }
          serialization-identifiers {
            "GanCluster.Protocol.Serialization.GanClusterSerializer, GanCluster.Protocol" = 4711
          }
        }
        """;

    /// <summary><see cref="HoconText"/> parsed, for <c>config.WithFallback(GanClusterSerializer.Hocon)</c>.</summary>
    public static Config Hocon => ConfigurationFactory.ParseString(HoconText);

    /// <summary>Every message type this serializer knows, for specs.</summary>
    public static IReadOnlyCollection<Type> KnownTypes => Manifests.Keys;

    public override int Identifier => SerializerId;

    /// <summary>The manifest of a message type, or null when the type is not a GanCluster message.</summary>
    public static string? ManifestOf(Type type) => Manifests.GetValueOrDefault(type);

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest) ? manifest : throw new ArgumentException($"{o.GetType()} has no GanCluster manifest");

    /// <summary>
    /// The exact length <see cref="ToBinary"/> would return, found by the counting pass alone (no buffer, no copy of
    /// the payload): lets <c>BulkSender</c> decide whether a message needs chunking without serializing it twice.
    /// </summary>
    public static long SerializedSize(object obj)
    {
        var manifest = Manifests.TryGetValue(obj.GetType(), out var m) ? m : throw new ArgumentException($"{obj.GetType()} has no GanCluster manifest");
        using var counter = new CountingStream();
        using (var writer = new WireWriter(counter))
        {
            ByManifest[manifest].Write(writer, obj);
        }

        return counter.Length;
    }

    /// <summary>
    /// Writes what <see cref="ToBinary"/> would return straight into <paramref name="stream"/>, with no array of the
    /// message in between: a tensor's bytes go from its payload to the stream (the exchange channel's send path; give
    /// it a buffered stream, the writer makes many small writes around the large ones).
    /// </summary>
    public static void WriteTo(Stream stream, object obj)
    {
        var manifest = Manifests.TryGetValue(obj.GetType(), out var m) ? m : throw new ArgumentException($"{obj.GetType()} has no GanCluster manifest");
        using var writer = new WireWriter(stream);
        ByManifest[manifest].Write(writer, obj);
    }

    // Two passes: the first only counts bytes, the second writes into an array of exactly that size, so a
    // payload is copied once (into the result) and never into a growing buffer or a trimmed copy.
    public override byte[] ToBinary(object obj)
    {
        var codec = ByManifest[Manifest(obj)];
        long size;
        using (var counter = new CountingStream())
        {
            using (var writer = new WireWriter(counter))
            {
                codec.Write(writer, obj);
            }

            size = counter.Length;
        }

        if (size > Array.MaxLength)
        {
            throw new SerializationException($"{obj.GetType().Name} serializes to {size} bytes, more than one array holds");
        }

        var buffer = new byte[size];
        using (var stream = new MemoryStream(buffer, writable: true))
        using (var writer = new WireWriter(stream))
        {
            codec.Write(writer, obj);
        }

        return buffer;
    }

    public override object FromBinary(byte[] bytes, string manifest) => Read(new MemoryStream(bytes, writable: false), manifest);

    /// <summary>
    /// Reads a message of <paramref name="length"/> bytes straight from <paramref name="stream"/> (what
    /// <see cref="WriteTo"/> wrote), leaving the stream just after it: a tensor's bytes are read into the payload's own
    /// array, with no array of the whole message first. The stream must hold the whole message (a short one fails).
    /// </summary>
    public object ReadFrom(Stream stream, long length, string manifest) => Read(new SliceReadStream(stream, length), manifest);

    private object Read(Stream bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var codec))
        {
            throw new SerializationException($"unknown GanCluster manifest '{manifest}': a node of another version? Use the same GanCluster version everywhere.");
        }

        try
        {
            using var reader = new WireReader(bytes, system);
            var message = codec.Read(reader);
            if (reader.Remaining != 0)
            {
                throw new InvalidDataException($"{reader.Remaining} bytes left over");
            }

            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or FormatException or DecoderFallbackException)
        {
            throw new SerializationException($"malformed GanCluster message '{manifest}' ({bytes.Length} bytes): {e.Message}", e);
        }
    }

    private static void Add<T>(string manifest, Action<WireWriter, T> write, Func<WireReader, T> read) where T : class
    {
        ByManifest.Add(manifest, new Codec(typeof(T), (w, o) => write(w, (T)o), r => read(r)));
        Manifests.Add(typeof(T), manifest);
    }

    private static void Add<T>(string manifest, T singleton) where T : class => Add<T>(manifest, (_, _) => { }, _ => singleton);
}
