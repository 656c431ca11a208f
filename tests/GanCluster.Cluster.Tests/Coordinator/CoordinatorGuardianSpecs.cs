using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.TestSupport;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>The restart schedule, pure.</summary>
public sealed class RestartBackoffTests
{
    [Fact]
    public void The_wait_doubles_from_the_minimum_up_to_the_maximum_and_jitter_only_lengthens_it()
    {
        var backoff = new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(0, 7).Select(n => backoff.Delay(n, 0).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(4.8), backoff.Delay(2, 1));
        Assert.Equal(TimeSpan.FromSeconds(36), backoff.Delay(1000, 1));
    }
}

/// <summary>The guardian around a coordinator that stops: clients hear why, workers are dropped, a new one starts after the backoff.</summary>
public sealed class CoordinatorGuardianSpecs : TestKit
{
    private sealed class StoppingCoordinator : ReceiveActor
    {
        public StoppingCoordinator(IActorRef probe)
        {
            probe.Tell("started");
            Receive<string>(s => s == "fail", _ =>
            {
                Context.Parent.Tell(new CoordinatorGuardian.Failing("could not journal ExperimentSubmitted: disk full"));
                Context.Stop(Self);
            });
            ReceiveAny(message => probe.Forward(message));
        }
    }

    [Fact]
    public void While_the_coordinator_is_down_clients_get_the_reason_and_a_new_one_takes_over_after_the_backoff()
    {
        var probe = CreateTestProbe();
        var guardian = Sys.ActorOf(CoordinatorGuardian.Props(Props.Create(() => new StoppingCoordinator(probe.Ref)), new RestartBackoff(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 0)));
        probe.ExpectMsg("started", TimeSpan.FromSeconds(10));
        guardian.Tell(ListExperiments.Instance, TestActor);
        probe.ExpectMsg<ListExperiments>();
        Assert.Equal(TestActor, probe.LastSender);

        guardian.Tell("fail");
        AwaitAssert(() =>
        {
            guardian.Tell(ListExperiments.Instance, TestActor);
            var recovering = ExpectMsg<CoordinatorRecovering>(TimeSpan.FromMilliseconds(300));
            Assert.Equal("could not journal ExperimentSubmitted: disk full", recovering.Reason);
            Assert.InRange(recovering.RetryInSeconds, 0, 3);
        }, TimeSpan.FromSeconds(10));
        guardian.Tell(new ExperimentReady(new ExperimentId("exp-0000aaaa"), WorkerRole.Generator, 1), TestActor); // a worker's message: dropped

        probe.ExpectMsg("started", TimeSpan.FromSeconds(30));
        guardian.Tell(new GetExperimentStatus(new ExperimentId("exp-0000aaaa")), TestActor);
        probe.ExpectMsg<GetExperimentStatus>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}

/// <summary>A real coordinator on a real PostgreSQL server that goes away mid-way and comes back: no person involved.</summary>
public sealed class CoordinatorHealingSpecs : TestKit, IClassFixture<PostgresServer>
{
    private readonly PostgresServer _server;
    private readonly string _connectionString;

    public CoordinatorHealingSpecs(PostgresServer server) : this(server, server.CreateDatabaseAsync("heal_" + Guid.NewGuid().ToString("N")[..12]).GetAwaiter().GetResult())
    {
    }

    // Without serialize-messages: the SQL journal's own local messages (WriteFinished, Desequenced) are not serializable,
    // so verifying every message would swallow the journal's failure reply that this spec is about. The GanCluster
    // messages' serialization is covered by the serializer specs.
    private CoordinatorHealingSpecs(PostgresServer server, string connectionString)
        : base(ConfigurationFactory.ParseString("akka.actor.serialize-messages = off").WithFallback(JournalConfig.Sql("PostgreSQL.15", connectionString)))
    {
        _server = server;
        _connectionString = connectionString;
    }

    [Fact]
    public async Task A_coordinator_whose_database_went_away_tells_clients_why_and_carries_on_once_it_is_back()
    {
        var coordinatorProps = CoordinatorActor.Props(new PostgresCheckpointStore(_connectionString), new CoordinatorSettings(3, 50, 50, 200, SpecConfig.Wire, 1 << 20), Sys.ActorOf(BulkSender.Props(1 << 20)));
        var guardian = Sys.ActorOf(CoordinatorGuardian.Props(coordinatorProps, new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 0)));
        var spec = SpecJson.Serialize(SpecConfig.ToySpec(rounds: 6, checkpointInterval: 2), indented: false);
        guardian.Tell(new SubmitExperiment(spec, 0, SpecConfig.Wire), TestActor);
        var id = ExpectMsg<ExperimentAccepted>(TimeSpan.FromSeconds(60)).Id;

        await _server.StopAsync();
        try
        {
            // The next journal write fails: that submission is not carried out, and the coordinator stops.
            guardian.Tell(new SubmitExperiment(spec, 0, SpecConfig.Wire), TestActor);
            AwaitAssert(() =>
            {
                guardian.Tell(ListExperiments.Instance, TestActor);
                Assert.False(string.IsNullOrWhiteSpace(FishForMessage<CoordinatorRecovering>(_ => true, TimeSpan.FromSeconds(1)).Reason));
            }, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await _server.StartAgainAsync();
        }

        // Back without anyone touching it: the journal is read again, with the experiment accepted before the outage only.
        AwaitAssert(() =>
        {
            guardian.Tell(ListExperiments.Instance, TestActor);
            var list = FishForMessage<ExperimentList>(_ => true, TimeSpan.FromSeconds(1));
            Assert.Equal([id], list.Experiments.Select(e => e.Id));
        }, TimeSpan.FromSeconds(180), TimeSpan.FromSeconds(1));
    }
}
