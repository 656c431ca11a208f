using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.TestSupport;
using GanCluster.Training.Core;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;

namespace GanCluster.Cluster.Tests;

/// <summary>
/// Checkpoint evaluation on the coordinator (real generator halves, real TorchSharp, a real run folder): evaluation.json
/// and evaluations.jsonl in the experiment's folder, the latest figure for list/status/watch, one evaluation at a
/// time skipping to the newest checkpoint, and the checkpoint download behind <c>gancluster evaluate &lt;id&gt;</c>.
/// </summary>
public sealed class CoordinatorQualitySpecs : TestKit, IDisposable
{
    /// <summary>A store whose generator loads wait until the test opens the gate: holds an evaluation "running".</summary>
    private sealed class GatedStore(ICheckpointStore inner) : ICheckpointStore
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task SaveAsync(CheckpointBlob blob) => inner.SaveAsync(blob);

        public async Task<CheckpointBlob?> LoadAsync(string experimentId, int round, string role)
        {
            await Gate.Task.ConfigureAwait(false);
            return await inner.LoadAsync(experimentId, round, role).ConfigureAwait(false);
        }

        public Task<IReadOnlyList<CheckpointInfo>> ListAsync(string experimentId) => inner.ListAsync(experimentId);

        public Task DeleteAsync(string experimentId, int round) => inner.DeleteAsync(experimentId, round);
    }

    private static readonly QualitySettings Quality = new(true, 200, 1);
    private readonly string _folder;
    private readonly SqliteCheckpointStore _store;

    public CoordinatorQualitySpecs() : this(Directory.CreateTempSubdirectory("gancluster-quality-").FullName)
    {
    }

    private CoordinatorQualitySpecs(string folder) : base(JournalConfig.Sqlite(Path.Combine(folder, "journal.db")))
    {
        _folder = folder;
        _store = new SqliteCheckpointStore(Path.Combine(folder, "checkpoints.db"));
    }

    private string Experiments => Path.Combine(_folder, "experiments");

    private static byte[] Generator(ExperimentSpec spec)
    {
        using var generator = new GeneratorHalf(spec, TorchSharp.torch.CPU);
        return generator.SaveState().Data;
    }

    [Fact]
    public async Task Only_the_newest_waiting_checkpoint_is_evaluated_after_the_running_one()
    {
        var spec = SpecConfig.ToySpec();
        var g = Generator(spec);
        foreach (var round in new[] { 10, 20, 30 })
        {
            await _store.SaveAsync(CheckpointBlob.Create("exp-quality", round, CheckpointRoles.Generator, g));
        }

        var store = new GatedStore(_store);
        var quality = Sys.ActorOf(QualityActor.Props(store, Quality, Experiments));
        var specJson = SpecJson.Serialize(spec, indented: false);
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-quality", 10, specJson));
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-quality", 20, specJson));
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-quality", 30, specJson));

        // While round 10 is held at the store, the actor still answers: nothing evaluated yet.
        quality.Tell(new GetQuality(null), TestActor);
        Assert.Empty(ExpectMsg<QualityList>().Experiments);
        store.Gate.SetResult();

        var folder = Path.Combine(Experiments, "exp-quality");
        AwaitAssert(() => Assert.Equal([10, 30], EvaluationLog.Read(folder).Select(r => r.Round)), TimeSpan.FromMinutes(2));
        AwaitAssert(() =>
        {
            quality.Tell(new GetQuality(new ExperimentId("exp-quality")), TestActor);
            var latest = Assert.Single(ExpectMsg<QualityList>().Experiments);
            Assert.Equal(30, latest.Round);
            Assert.StartsWith("modes ", latest.Headline);
        }, TimeSpan.FromMinutes(1));
        Assert.Equal(30, EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder, EvaluationLog.LatestFileName))).Round);
    }

    [Fact]
    public async Task A_checkpoint_a_sweep_waits_for_is_evaluated_even_with_evaluation_off_never_skipped_and_answered()
    {
        var spec = SpecConfig.ToySpec();
        var g = Generator(spec);
        foreach (var round in new[] { 10, 20, 30 })
        {
            await _store.SaveAsync(CheckpointBlob.Create("exp-sweep", round, CheckpointRoles.Generator, g));
        }

        var store = new GatedStore(_store);
        var quality = Sys.ActorOf(QualityActor.Props(store, Quality with { Enabled = false }, Experiments));
        var specJson = SpecJson.Serialize(spec, indented: false);
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-other", 10, specJson)); // off: ignored
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-sweep", 10, specJson, TestActor));
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-sweep", 25, specJson)); // waits: replaced by the one below, older as it is
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-sweep", 20, specJson, TestActor));
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-sweep", 30, specJson)); // newer, but no one waits for it: does not replace 20
        store.Gate.SetResult();

        // Hang guards, not speed limits: two evaluations of 200 points.
        var first = ExpectMsg<QualityActor.Figure>(TimeSpan.FromMinutes(2));
        var second = ExpectMsg<QualityActor.Figure>(TimeSpan.FromMinutes(2));
        Assert.Equal([("exp-sweep", 10), ("exp-sweep", 20)], new[] { (first.Id, first.Round), (second.Id, second.Round) });
        Assert.Null(first.Error);
        var local = Evaluation.Checkpoint(spec, new HalfState(g), 10, 200);
        Assert.Equal(local.Modes!.HighQualityFraction, Training.Runs.EvaluationLog.Deserialize(first.EvaluationJson!).Modes!.HighQualityFraction);
        Assert.Equal(local.Modes.HighQualityFraction, GanCluster.Cluster.Coordinator.Sweeps.SweepRanking.EvaluationFigure(first.EvaluationJson!, "modes.highQualityFraction"));

        // A checkpoint that is not in the store is answered with the reason.
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-sweep", 40, specJson, TestActor));
        var missing = ExpectMsg<QualityActor.Figure>(TimeSpan.FromMinutes(2));
        Assert.Equal((40, (string?)null), (missing.Round, missing.EvaluationJson));
        Assert.Contains("not in the checkpoint store", missing.Error);
        Assert.Equal([10, 20], EvaluationLog.Read(Path.Combine(Experiments, "exp-sweep")).Select(r => r.Round));
        Assert.False(Directory.Exists(Path.Combine(Experiments, "exp-other")));
    }

    [Fact]
    public async Task A_family_whose_figure_reads_d_is_evaluated_with_its_discriminator_half_from_the_store()
    {
        var spec = new ExperimentSpec
        {
            Name = "quality-infogan", Model = ModelKind.InfoGan, Dataset = DatasetKind.Mnist, Loss = LossKind.InfoGan,
            BatchSize = 8, LatentSize = 62, Rounds = 4, Seed = 3, Device = "cpu",
        };
        var g = Generator(spec);
        byte[] d;
        var (train, heldOut) = Training.Data.DatasetCatalog.Load(spec);
        using (train)
        using (heldOut)
        using (var half = new DiscriminatorHalf(spec, TorchSharp.torch.CPU, train))
        {
            d = half.SaveState().Data;
        }

        await _store.SaveAsync(CheckpointBlob.Create("exp-infogan", 4, CheckpointRoles.Generator, g));
        await _store.SaveAsync(CheckpointBlob.Create("exp-infogan", 4, CheckpointRoles.Discriminator, d));
        var quality = Sys.ActorOf(QualityActor.Props(_store, Quality, Experiments));
        quality.Tell(new QualityActor.EvaluateCheckpoint("exp-infogan", 4, SpecJson.Serialize(spec, indented: false)));

        // A hang guard, not a speed limit: one evaluation of 200 samples and 10,000 digits through D.
        var file = Path.Combine(Experiments, "exp-infogan", EvaluationLog.LatestFileName);
        AwaitAssert(() => Assert.True(File.Exists(file)), TimeSpan.FromMinutes(10));
        var figure = EvaluationLog.Deserialize(File.ReadAllText(file)).InfoGan!;
        var local = Evaluation.Checkpoint(spec, new HalfState(g), 4, 200, discriminatorState: new HalfState(d)).InfoGan!;
        Assert.Equal((2000, 8000), (figure.HeldOut.Count, figure.Train.Count));
        Assert.Equal(local.HeldOut.Confusion, figure.HeldOut.Confusion);
        Assert.Equal(local.HeldOut.Accuracy, figure.HeldOut.Accuracy);
    }

    [Fact]
    public void A_stored_checkpoint_is_evaluated_into_the_run_folder_and_can_be_downloaded()
    {
        var settings = new CoordinatorSettings(3, 50, 50, 200, SpecConfig.Wire, 1 << 20)
        {
            Monitoring = new MonitoringSettings(Experiments, 2, false, Training.Monitoring.AlarmSettings.Default),
            Quality = Quality,
        };
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(_store, settings, Sys.ActorOf(BulkSender.Props(1 << 20))));
        var generator = CreateTestProbe();
        var discriminator = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(WorkerRole.Generator, generator.Ref, "gen-node", SpecConfig.Wire), generator.Ref);
        coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, discriminator.Ref, "disc-node", SpecConfig.Wire), discriminator.Ref);
        var spec = SpecConfig.ToySpec(rounds: 2, checkpointInterval: 2);
        coordinator.Tell(new SubmitExperiment(SpecJson.Serialize(spec, indented: false), 0, SpecConfig.Wire), TestActor);
        var id = ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id;
        coordinator.Tell(new GetLatestCheckpoint(id), TestActor);
        ExpectMsg<NoCheckpointYet>(TimeSpan.FromSeconds(10));
        generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        discriminator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        coordinator.Tell(new ExperimentReady(id, WorkerRole.Generator, 1), generator.Ref);
        coordinator.Tell(new ExperimentReady(id, WorkerRole.Discriminator, 1), discriminator.Ref);
        generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        for (var round = 1; round <= 2; round++)
        {
            coordinator.Tell(new RoundCompleted(id, new RoundMetrics(round, 1.2, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000)), generator.Ref);
        }

        generator.FishForMessage<TakeCheckpoint>(_ => true, TimeSpan.FromSeconds(10));
        var g = Generator(spec);
        var d = new byte[] { 9, 8, 7 };
        coordinator.Tell(new HalfCheckpoint(id, WorkerRole.Generator, 2, CheckpointBlob.Hash(g), g), generator.Ref);
        coordinator.Tell(new HalfCheckpoint(id, WorkerRole.Discriminator, 2, CheckpointBlob.Hash(d), d), discriminator.Ref);

        var folder = Path.Combine(Experiments, id.Value);
        AwaitAssert(() => Assert.True(File.Exists(Path.Combine(folder, EvaluationLog.LatestFileName))), TimeSpan.FromMinutes(2));
        var evaluation = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder, EvaluationLog.LatestFileName)));
        Assert.Equal(2, evaluation.Round);
        Assert.Equal(8, evaluation.Modes!.Modes);
        // One run folder per experiment: the evaluation lands beside the monitor's options.json and metrics.
        AwaitAssert(() => Assert.Equal(spec.Name, SpecJson.Parse(File.ReadAllText(Path.Combine(folder, "options.json"))).Name), TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(Path.Combine(folder, "metrics.jsonl")));
        AwaitAssert(() =>
        {
            coordinator.Tell(new GetQuality(id), TestActor);
            var latest = Assert.Single(ExpectMsg<QualityList>(TimeSpan.FromSeconds(10)).Experiments);
            Assert.Equal(evaluation.Headline, latest.Headline);
        }, TimeSpan.FromMinutes(1));

        // The download behind 'gancluster evaluate <id>': the description, then parts smaller than the whole.
        coordinator.Tell(new GetLatestCheckpoint(id), TestActor);
        var info = ExpectMsg<LatestCheckpoint>(TimeSpan.FromSeconds(10));
        Assert.Equal((2, g.LongLength, CheckpointBlob.Hash(g)), (info.Round, info.GeneratorBytes, info.GeneratorSha256));
        Assert.Equal(spec.Name, SpecJson.Parse(info.SpecJson).Name);
        var downloaded = new List<byte>();
        var partSize = Math.Max(1, g.Length / 3);
        while (downloaded.Count < g.Length)
        {
            coordinator.Tell(new GetCheckpointPart(id, 2, downloaded.Count, partSize), TestActor);
            var part = ExpectMsg<CheckpointPart>(TimeSpan.FromSeconds(10));
            Assert.Equal(downloaded.Count, part.Offset);
            Assert.InRange(part.Data.Length, 1, partSize);
            downloaded.AddRange(part.Data);
        }

        Assert.Equal(g, downloaded.ToArray());
        coordinator.Tell(new GetLatestCheckpoint(new ExperimentId("exp-nobody")), TestActor);
        ExpectMsg<UnknownExperiment>(TimeSpan.FromSeconds(10));
    }

    public new void Dispose()
    {
        base.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
