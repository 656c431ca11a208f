using Akka.Actor;

namespace GanCluster.Protocol.Tests;

/// <summary>
/// One or more example instances of every GanCluster message, with every nullable field both null and set
/// somewhere (checked by <see cref="GanClusterSerializerSpecs"/>). Add a case here with every new message.
/// </summary>
public static class MessageCases
{
    public static readonly ExperimentId Id = new("exp-0a1b2c3d");

    public static readonly SweepId Sweep = new("swp-0a1b2c3d");

    public static byte[] Bytes(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static TensorPayload Floats(params long[] shape) =>
        new(TensorDType.Float32, shape, Bytes((int)TensorPayload.ByteLength(TensorDType.Float32, shape)));

    public static RoundMetrics Metrics(int round) =>
        new(round, 0.693, 0.701, 0.52, 0.48, 1.25, 3.5, 0.75, 2.0, 7.5, 627_200 + round) { Terms = new Dictionary<string, double> { ["loss/d_r1"] = 0.0125 } };

    /// <summary>Round metrics as a build without named terms sent and journaled them.</summary>
    public static RoundMetrics PlainMetrics(int round) => new(round, 0.693, 0.701, 0.52, 0.48, 1.25, 3.5, 0.75, 2.0, 7.5, 627_200 + round);

    public static Dictionary<string, double> DTerms => new() { ["loss/d"] = 1.386, ["d/real"] = 0.5, ["d/fake"] = 0.5, ["loss/d_r1"] = 0.01 };

    public static ExperimentSummary FullSummary() => new(
        Id, "mlp-mnist", ExperimentState.Running, 120, 2000, "resumed after fail-over", 0.69, 0.71, 0.55, 0.45, 52.5,
        new DateTimeOffset(2026, 11, 26, 18, 30, 15, 123, TimeSpan.FromHours(1)), "akka.tcp://gan@10.0.0.1:4053", "akka.tcp://gan@10.0.0.2:4053", 100, 5,
        "cuda: 1 GPU: 0 NVIDIA A100-SXM4-40GB (40.0 GiB)", "cpu: AMD EPYC 7B13 (2 cores, 24.0 GiB)");

    public static ExperimentSummary EmptySummary() => new(
        new ExperimentId("exp-queued"), "ring8", ExperimentState.Queued, 0, 500, null, null, null, null, null, null,
        new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero), null, null, null, 0);

    /// <summary>Named cases; <paramref name="actor"/> fills every IActorRef field.</summary>
    public static IReadOnlyList<(string Name, IGanClusterMessage Message)> All(IActorRef actor)
    {
        var wire = new WireSettings(WireSettings.ProtocolVersionCurrent, 4 * 1024 * 1024);
        return
        [
            ("submit", new SubmitExperiment("{\"name\":\"mlp-mnist\",\"k\":2,\"note\":\"ünïcødé ✓\"}", 3, wire)),
            ("submit with a key", new SubmitExperiment("{}", -2, wire, "0123456789abcdef01234567")),
            ("accepted", new ExperimentAccepted(Id)),
            ("rejected", new ExperimentRejected("k", "k must be between 1 and 100")),
            ("list request", ListExperiments.Instance),
            ("list empty", new ExperimentList([])),
            ("list", new ExperimentList([FullSummary(), EmptySummary()])),
            ("status request", new GetExperimentStatus(Id)),
            ("status full", new ExperimentStatusReply(FullSummary(), [PlainMetrics(119), Metrics(120)])),
            ("status empty", new ExperimentStatusReply(EmptySummary(), [])),
            ("unknown", new UnknownExperiment(Id)),
            ("cancel", new CancelExperiment(Id)),
            ("cancel with a key", new CancelExperiment(Id, "script:run-7.cancel")),
            ("cancel accepted", new CancelAccepted(Id)),
            ("cancel of an ended experiment", new CancelAccepted(Id, ExperimentState.Completed)),
            ("resume with changes", new ResumeExperiment(Id, 1e-4, 5e-5, 3000)),
            ("resume as is", new ResumeExperiment(Id, null, null, null)),
            ("resume with a key", new ResumeExperiment(Id, null, 1e-5, null, "k_1")),
            ("samples request", new GetSamples(Id)),
            ("samples", new SamplesReply(Id, 100, "png", Bytes(4_321))),
            ("no samples", new NoSamplesYet(Id)),
            ("wire mismatch", new WireMismatch("maximum-frame-size 128000 vs 4194304")),
            ("register", new RegisterWorker(WorkerRole.Discriminator, actor, "akka.tcp://gan@127.0.0.1:4055", wire, "cpu: AMD EPYC 7B13 (2 cores, 24.0 GiB)")),
            ("register without a device", new RegisterWorker(WorkerRole.Generator, actor, "akka.tcp://gan@127.0.0.1:4054", wire)),
            ("registered", new WorkerRegistered(638_000_000_000_000_000)),
            ("assign fresh", new AssignExperiment(7, Id, "{\"k\":1}", WorkerRole.Generator, actor, 0, null, null)),
            ("assign resumed", new AssignExperiment(7, Id, "{\"k\":1}", WorkerRole.Discriminator, actor, 501, Bytes(70_000), new string('a', 64))),
            ("ready", new ExperimentReady(Id, WorkerRole.Generator, 501)),
            ("run rounds", new RunRounds(7, Id, 501, 1000)),
            ("round completed", new RoundCompleted(Id, Metrics(501))),
            ("take checkpoint", new TakeCheckpoint(7, Id, 1000)),
            ("half checkpoint", new HalfCheckpoint(Id, WorkerRole.Discriminator, 1000, new string('f', 64), Bytes(100_000))),
            ("half checkpoint empty", new HalfCheckpoint(Id, WorkerRole.Generator, 0, new string('0', 64), [])),
            ("sample grid", new SampleGridImage(Id, 1000, Bytes(12_345))),
            ("stop", new StopExperiment(7, Id)),
            ("stopped", new ExperimentStopped(Id, WorkerRole.Discriminator)),
            ("failure", new WorkerFailure(Id, WorkerRole.Generator, 77, "loss is NaN", true)),
            ("worker status request", GetWorkerStatus.Instance),
            ("worker status idle", new WorkerStatus(WorkerRole.Generator, "akka.tcp://gan@127.0.0.1:4054", null, null, "idle")),
            ("worker status busy", new WorkerStatus(WorkerRole.Discriminator, "akka.tcp://gan@127.0.0.1:4055", Id, 42, "training", "cuda: 2 GPUs: 0 NVIDIA L4 (22.5 GiB), 1 NVIDIA L4 (22.5 GiB)")),
            ("fake batch", new FakeBatch(Id, 42, Phase.Discriminator, 1, Floats(100, 784), null)),
            ("fake batch conditional", new FakeBatch(Id, 42, Phase.Generator, 0, Floats(100, 1, 28, 28),
                new TensorPayload(TensorDType.Int64, [100], Bytes(800)))),
            ("fake batch half precision", new FakeBatch(Id, 43, Phase.Discriminator, 0,
                new TensorPayload(TensorDType.Float16, [2, 3], Bytes(12)), new TensorPayload(TensorDType.BFloat16, [], Bytes(2)))),
            ("fake batch with side inputs", new FakeBatch(Id, 44, Phase.Generator, 0, Floats(64, 784), null)
            {
                SideInputs = new Dictionary<string, TensorPayload>
                {
                    ["code/categorical"] = new TensorPayload(TensorDType.Int64, [64], Bytes(512)),
                    ["code/continuous"] = Floats(64, 2),
                },
            }),
            ("discriminator step", new DiscriminatorStepDone(Id, 42, 1, DTerms, 3.25)),
            ("discriminator step without terms", new DiscriminatorStepDone(Id, 42, 0, NamedTerms.Empty, 3.25)),
            ("feedback", new GeneratorFeedback(Id, 42, new Dictionary<string, double> { ["loss/g"] = 0.693 }, Floats(100, 784), 0.8)),
            ("exchange channel request", new OpenExchangeChannel(Id)),
            ("exchange channel offer", new ExchangeChannelOffer(Id, "10.0.0.3", 40123, "c2VjcmV0LXRva2Vu")),
            ("exchange channel offer none", new ExchangeChannelOffer(Id, "", 0, "")),
            ("exchange channel hello", new ExchangeChannelHello(Id, "c2VjcmV0LXRva2Vu")),
            ("chunk", new MessageChunk(638_000_000_000_000_001, 2, 9, 4711, "HCK", Bytes(1 << 16))),
            ("chunk ack", new MessageChunkAck(638_000_000_000_000_001, 2)),
            ("worker metrics", new WorkerMetrics(Id, 500, [new MetricValue("diversity/fake", 8.25), new MetricValue("diversity/real", 9.5), new MetricValue("loss/d", double.NaN)])),
            ("worker metrics empty", new WorkerMetrics(Id, 1, [])),
            ("alarms request", new GetAlarms(Id)),
            ("alarms request all", new GetAlarms(null)),
            ("alarms", new AlarmList([new ExperimentAlarm(Id, "diversity-collapse", 1200, "fake batches are 0.05x as diverse as real ones"), new ExperimentAlarm(new ExperimentId("exp-other"), "non-finite-loss", 7, "loss/d NaN")])),
            ("alarms empty", new AlarmList([])),
            ("latest checkpoint request", new GetLatestCheckpoint(Id)),
            ("latest checkpoint", new LatestCheckpoint(Id, 1500, "{\"name\":\"mlp-mnist\"}", 31_457_280, new string('a', 64))),
            ("no checkpoint yet", new NoCheckpointYet(Id)),
            ("checkpoint part request", new GetCheckpointPart(Id, 1500, 3_145_728, 1 << 20)),
            ("checkpoint part", new CheckpointPart(Id, 1500, 3_145_728, Bytes(4_321))),
            ("checkpoint part empty", new CheckpointPart(Id, 1500, 31_457_280, [])),
            ("quality request", new GetQuality(Id)),
            ("quality request all", new GetQuality(null)),
            ("quality", new QualityList([new ExperimentQuality(Id, 1500, "FID 12.30 (floor 0.90), KL 0.021", "{\"round\":1500}")])),
            ("quality empty", new QualityList([])),
            ("stored checkpoint request", new GetStoredCheckpoint(Id, 1500)),
            ("stored checkpoint request newest", new GetStoredCheckpoint(Id, null)),
            ("stored checkpoint", new StoredCheckpoint(Id, 1500, "{\"name\":\"mlp-mnist\"}", 31_457_280, new string('a', 64), 2_000_000, new string('b', 64))),
            ("checkpoint round unavailable", new CheckpointRoundUnavailable(Id, 700, [1000, 1500])),
            ("checkpoint round unavailable none", new CheckpointRoundUnavailable(Id, 700, [])),
            ("checkpoint half part request", new GetCheckpointHalfPart(Id, 1500, WorkerRole.Discriminator, 3_145_728, 1 << 20)),
            ("logs request from the start", new GetExperimentLogs(Id, null, [])),
            ("logs request with cursors", new GetExperimentLogs(Id, new DateTimeOffset(2026, 12, 2, 3, 40, 0, TimeSpan.Zero),
                [new LogCursor("akka.tcp://gancluster@10.0.0.5:4053", "gancluster-coordinator-4053-20261202.json", 18_204), new LogCursor("akka.tcp://gancluster@10.0.0.6:37211", "", 0)])),
            ("node logs request", new ReadExperimentLogs(Id, null, null, 262_144)),
            ("node logs request with cursor", new ReadExperimentLogs(Id, DateTimeOffset.UnixEpoch, new LogCursor("akka.tcp://gancluster@10.0.0.6:37211", "gancluster-generator-pid77-20261202_001.json", 5), 4096)),
            ("node log lines", new NodeLogLines("akka.tcp://gancluster@10.0.0.6:37211", "generator-pid77", "generator",
                ["{\"@t\":\"2026-12-02T03:44:23.87Z\",\"@mt\":\"Experiment {0}: loading\",\"0\":\"exp-0a1b2c3d\"}", "ümlaut ✓"],
                new LogCursor("akka.tcp://gancluster@10.0.0.6:37211", "gancluster-generator-pid77-20261202.json", 912), More: true)),
            ("experiment logs", new ExperimentLogs(Id,
                [new NodeLogLines("akka.tcp://gancluster@10.0.0.5:4053", "coordinator-4053", "coordinator", [], new LogCursor("akka.tcp://gancluster@10.0.0.5:4053", "", 0), false)],
                ["akka.tcp://gancluster@10.0.0.7:41000 (discriminator of the last run) is not in the cluster"])),
            ("experiment logs none", new ExperimentLogs(Id, [], [])),
            ("sweep", new SubmitSweep("{\"name\":\"ring\"}", "{\"parameters\":{\"k\":[1,2]}}", "loss/g", "min", "asha", 2, 8, 3, -1, wire, "sweep-key.1")),
            ("sweep without budget or key", new SubmitSweep("{}", "{}", "modes.modesCaptured", "max", "grid", 1, null, 2, 0, wire)),
            ("asha sweep with a grace period", new SubmitSweep("{}", "{}", "modes.highQualityFraction", "max", "asha", 1, null, 2, 0, wire, "asha-key", null, 2000)),
            ("sweep accepted", new SweepAccepted(Sweep, [Sweep.Child(1), Sweep.Child(2)])),
            ("sweep status request", new GetSweepStatus(Sweep)),
            ("sweep status", new SweepStatusReply(Sweep, "ring", "loss/g", "min", "asha",
            [
                new SweepChildStatus(Sweep.Child(1), "ring-c1-s1", 1, 1, "k=1", ExperimentState.Completed, 20, 40, "stopped by ASHA at rung 1 (round 20)", 0.71, 20),
                new SweepChildStatus(Sweep.Child(2), "ring-c2-s1", 2, 1, "k=2", ExperimentState.Queued, 0, 40, null, null, null),
            ])),
            ("sweep status empty", new SweepStatusReply(Sweep, "x", "m/x", "max", "grid", [])),
            ("unknown sweep", new UnknownSweep(Sweep)),
            ("cancel sweep", new CancelSweep(Sweep)),
            ("sweep cancelled", new SweepCancelAccepted(Sweep, 3)),
            ("pbt sweep", new SubmitSweep("{}", "{}", "loss/g", "min", "pbt", 1, 4, 3, 0, wire, "pbt-key", new PbtOptions(20, 0.25, 0.8, 1.2, 0.25))),
            ("resume sweep", new ResumeSweep(Sweep)),
            ("sweep resumed", new SweepResumeAccepted(Sweep, 2)),
            ("sweep curves request", new GetSweepCurves(Sweep)),
            ("sweep curves", new SweepCurvesReply(Sweep, "loss/g", [new SweepCurve(Sweep.Child(1), "ring-c1-s1", [1, 2, 3], [0.7, 0.71, 0.69]), new SweepCurve(Sweep.Child(2), "ring-c2-s1", [], [])])),
            ("sweep lineage request", new GetSweepLineage(Sweep)),
            ("sweep lineage", new SweepLineageReply(Sweep, "loss/g", "min", 10,
            [
                new PbtMemberLineage(Sweep.Child(1), "ring-c1-s1",
                [
                    new PbtGenerationStep(0, 0, null, null, "generatorOptimizer.learningRate=0.002"),
                    new PbtGenerationStep(1, 10, 0.93, Sweep.Child(2), "generatorOptimizer.learningRate=0.00024"),
                ]),
                new PbtMemberLineage(Sweep.Child(2), "ring-c2-s1", [new PbtGenerationStep(1, 10, null, null, "generatorOptimizer.learningRate=0.0002")]),
            ])),
            ("sweep lineage empty", new SweepLineageReply(Sweep, "loss/d", "max", 1, [])),
            ("sweep replay request", new GetSweepReplay(Sweep, Sweep.Child(3))),
            ("sweep replay request of the best", new GetSweepReplay(Sweep, null)),
            ("sweep replay", new SweepReplayReply(Sweep, Sweep.Child(3), "ring-c3-s1", "completed", 2,
                """{"name":"ring-c3-s1-replay","generatorOptimizer":{"learningRate":0.002,"learningRateChanges":[{"afterRound":10,"learningRate":0.0024}]}}""")),
            ("coordinator recovering", new CoordinatorRecovering("could not persist CoordinatorStarted: 57P01 terminating connection", 8)),
        ];
    }
}
