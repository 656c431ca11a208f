using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.TestSupport;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Tests;

/// <summary>
/// The coordinator's monitoring with probe workers: a run folder per experiment under the monitoring directory
/// (metrics.jsonl, TensorBoard events, the checkpoint's sample grid) and alarms answered to clients.
/// </summary>
public sealed class CoordinatorMonitoringSpecs : TestKit, IDisposable
{
    private readonly string _folder;
    private readonly ICheckpointStore _store;

    public CoordinatorMonitoringSpecs() : this(Directory.CreateTempSubdirectory("gancluster-monitoring-").FullName)
    {
    }

    private CoordinatorMonitoringSpecs(string folder) : base(JournalConfig.Sqlite(Path.Combine(folder, "journal.db")))
    {
        _folder = folder;
        _store = new SqliteCheckpointStore(Path.Combine(folder, "checkpoints.db"));
    }

    private string Experiments => Path.Combine(_folder, "experiments");

    private IActorRef StartCoordinator()
    {
        var monitoring = new MonitoringSettings(Experiments, 2, true, new AlarmSettings(NearZeroRounds: 3, DiversityMeasurements: 1, WarmupRounds: 0));
        var settings = new CoordinatorSettings(3, 50, 50, 200, SpecConfig.Wire, 1 << 20) { Monitoring = monitoring };
        return Sys.ActorOf(CoordinatorActor.Props(_store, settings, Sys.ActorOf(BulkSender.Props(1 << 20))));
    }

    private (TestProbe Generator, TestProbe Discriminator, ExperimentId Id) StartExperiment(IActorRef coordinator, ExperimentSpec spec)
    {
        var generator = CreateTestProbe();
        var discriminator = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(WorkerRole.Generator, generator.Ref, "gen-node", SpecConfig.Wire), generator.Ref);
        coordinator.Tell(new RegisterWorker(WorkerRole.Discriminator, discriminator.Ref, "disc-node", SpecConfig.Wire), discriminator.Ref);
        coordinator.Tell(new SubmitExperiment(SpecJson.Serialize(spec, indented: false), 0, SpecConfig.Wire), TestActor);
        var id = ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id;
        generator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        discriminator.FishForMessage<AssignExperiment>(_ => true, TimeSpan.FromSeconds(10));
        coordinator.Tell(new ExperimentReady(id, WorkerRole.Generator, 1), generator.Ref);
        coordinator.Tell(new ExperimentReady(id, WorkerRole.Discriminator, 1), discriminator.Ref);
        generator.FishForMessage<RunRounds>(_ => true, TimeSpan.FromSeconds(10));
        return (generator, discriminator, id);
    }

    private static RoundMetrics Metrics(int round, double dLoss, double dFake) => new(round, dLoss, 0.8, 0.6, dFake, 1, 2, 1, 1, 5, 1000);

    [Fact]
    public void The_experiment_folder_gets_metrics_tensorboard_events_and_the_checkpoint_sample_grid()
    {
        var coordinator = StartCoordinator();
        var (generator, discriminator, id) = StartExperiment(coordinator, SpecConfig.ToySpec(rounds: 4, checkpointInterval: 4));

        for (var round = 1; round <= 4; round++)
        {
            coordinator.Tell(new RoundCompleted(id, Metrics(round, 1.2, 0.4)), generator.Ref);
        }

        coordinator.Tell(new WorkerMetrics(id, 2, [new MetricValue(MetricNames.DiversityFake, 9), new MetricValue(MetricNames.DiversityReal, 10)]), discriminator.Ref);
        var png = File.ReadAllBytes(WritePng());
        coordinator.Tell(new SampleGridImage(id, 4, png), generator.Ref);

        var folder = Path.Combine(Experiments, id.Value);
        var metricsFile = Path.Combine(folder, "metrics.jsonl");
        AwaitAssert(() =>
        {
            // Rounds (every second one logged) and the worker's metrics arrive on separate paths, so rows are not in round order.
            var rows = MetricsLog.Read(metricsFile);
            Assert.Equal([2, 2, 4], rows.Select(r => r.Round).Order());
            var round2 = Assert.Single(rows, r => r.Round == 2 && r[MetricNames.DLoss] is not null);
            Assert.Equal(1.2, round2[MetricNames.DLoss]);
            Assert.Equal(1000, round2[MetricNames.ExchangeBytes]);
            Assert.Equal(200, round2[MetricNames.StepsPerSecond]);
            Assert.Equal(0.9, Assert.Single(rows, r => r[MetricNames.DiversityRatio] is not null)[MetricNames.DiversityRatio]);
            Assert.Equal(png, File.ReadAllBytes(Path.Combine(folder, "samples", "round-000004.png")));
            // The resolved spec, as a local run writes it (RunFolder.WriteOptions).
            Assert.Equal(SpecJson.Serialize(SpecConfig.ToySpec(rounds: 4, checkpointInterval: 4)), File.ReadAllText(Path.Combine(folder, "options.json")));
        }, TimeSpan.FromSeconds(10));
        AwaitAssert(() =>
        {
            var events = Assert.Single(Directory.GetFiles(Path.Combine(folder, "tensorboard"), "events.out.tfevents.*"));
            Assert.True(new FileInfo(events).Length > png.Length, "the sample grid is not in the event file yet");
        }, TimeSpan.FromSeconds(10));

        coordinator.Tell(new GetAlarms(id), TestActor);
        Assert.Empty(ExpectMsg<AlarmList>().Alarms);
    }

    [Fact]
    public void Alarms_are_raised_from_rounds_and_worker_metrics_and_answered_per_experiment_and_for_all()
    {
        var coordinator = StartCoordinator();
        var (generator, discriminator, id) = StartExperiment(coordinator, SpecConfig.ToySpec(rounds: 10, checkpointInterval: 10));

        for (var round = 1; round <= 4; round++)
        {
            coordinator.Tell(new RoundCompleted(id, Metrics(round, 1e-5, 0.3)), generator.Ref);
        }

        coordinator.Tell(new WorkerMetrics(id, 4, [new MetricValue(MetricNames.DiversityFake, 0.5), new MetricValue(MetricNames.DiversityReal, 10)]), discriminator.Ref);

        // The rounds reach the monitor through the run's runner, the worker's metrics directly: wait for both alarms.
        AwaitAssert(() =>
        {
            coordinator.Tell(new GetAlarms(id), TestActor);
            var alarms = ExpectMsg<AlarmList>(TimeSpan.FromSeconds(10)).Alarms;
            Assert.Equal([(AlarmKinds.DiscriminatorLossNearZero, 3), (AlarmKinds.DiversityCollapse, 4)], alarms.Select(a => (a.Kind, a.Round)).Order());
            Assert.All(alarms, a => Assert.Equal(id, a.Id));
        }, TimeSpan.FromSeconds(10));

        coordinator.Tell(new GetAlarms(null), TestActor);
        Assert.Equal(2, ExpectMsg<AlarmList>().Alarms.Count);
        coordinator.Tell(new GetAlarms(new ExperimentId("exp-unknown")), TestActor);
        ExpectMsg<UnknownExperiment>();
    }

    private string WritePng()
    {
        var path = Path.Combine(_folder, "grid.png");
        using var images = TorchSharp.torch.full(new long[] { 4, 1, 28, 28 }, GanCluster.Training.Runtime.KeptScalars.OfSingle(0.5f));
        Training.Output.SampleGrid.SavePng(images, path, columns: 2);
        return path;
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
        }
    }
}
