using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using GanCluster.Cluster.Coordinator;
using GanCluster.Cluster.Transfer;
using GanCluster.Node;
using GanCluster.Protocol;
using GanCluster.Protocol.Serialization;
using GanCluster.Training.Options;

namespace GanCluster.Bench;

/// <summary>
/// <c>gancluster-bench recovery</c>: how long a coordinator takes to recover its journal (SQLite) as experiments'
/// histories grow. For each history length it writes a journal as the coordinator writes one (N experiments, each
/// submitted, assigned, its rounds recorded in batches of record-every, a checkpoint every 500 rounds, completed; a
/// snapshot every snapshot-every events, of the state <see cref="CoordinatorState.Apply"/> builds), then starts a real
/// <see cref="CoordinatorActor"/> on it and times the first answer to a client (commands wait for the recovery).
/// </summary>
internal static class RecoveryBench
{
    private const int RecordEvery = 50;
    private const int SnapshotEvery = 200;

    public static Command Create()
    {
        var experiments = new Option<int>("--experiments") { DefaultValueFactory = _ => 100 };
        var rounds = new Option<string>("--rounds") { Description = "History lengths (rounds per experiment) to measure.", DefaultValueFactory = _ => "250,1000,2000" };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 3 };
        var command = new Command("recovery", "Coordinator recovery time from a SQLite journal as the experiments' histories grow.") { experiments, rounds, repeats };
        command.SetAction(async parse =>
        {
            var results = new List<object>();
            foreach (var length in parse.GetValue(rounds)!.Split(',').Select(int.Parse))
            {
                var folder = Directory.CreateTempSubdirectory("gancluster-bench-recovery-").FullName;
                try
                {
                    var journal = Path.Combine(folder, "journal.db");
                    var write = Stopwatch.StartNew();
                    var events = await WriteJournalAsync(journal, parse.GetValue(experiments), length).ConfigureAwait(false);
                    write.Stop();
                    var times = new List<double>();
                    for (var i = 0; i < parse.GetValue(repeats); i++)
                    {
                        times.Add(await TimeRecoveryAsync(journal, Path.Combine(folder, "checkpoints.db"), parse.GetValue(experiments)).ConfigureAwait(false));
                    }

                    results.Add(new
                    {
                        experiments = parse.GetValue(experiments),
                        roundsPerExperiment = length,
                        events,
                        journalBytes = new FileInfo(journal).Length,
                        writeSeconds = Math.Round(write.Elapsed.TotalSeconds, 1),
                        recoveryMs = times.Select(t => Math.Round(t)).ToList(),
                        recoveryMedianMs = Math.Round(times.Order().ElementAt(times.Count / 2)),
                    });
                }
                finally
                {
                    Directory.Delete(folder, recursive: true);
                }
            }

            Console.WriteLine(JsonSerializer.Serialize(new { bench = "recovery", historyKept = CoordinatorState.HistoryKept, recordEvery = RecordEvery, snapshotEvery = SnapshotEvery, results }));
            return 0;
        });
        return command;
    }

    private static Config Journal(string path) => ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.loggers = ["Akka.Event.DefaultLogger"]
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.journal.sql { provider-name = "SQLite.MS", connection-string = "Data Source={{path}}", auto-initialize = on }
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.snapshot-store.sql { provider-name = "SQLite.MS", connection-string = "Data Source={{path}}", auto-initialize = on }
            """)
        .WithFallback(GanClusterSerializer.Hocon)
        .WithFallback(ConfigurationFactory.ParseString(CoordinatorEventSerializer.Hocon))
        .WithFallback(SqlPersistence.DefaultConfiguration);

    private sealed class Done
    {
        public static readonly Done Instance = new();
    }

    /// <summary>Persists the given events under the coordinator's persistence id, snapshotting the applied state as the coordinator does.</summary>
    private sealed class JournalWriter : ReceivePersistentActor
    {
        private CoordinatorState _state = CoordinatorState.Empty;

        public JournalWriter(IReadOnlyList<ICoordinatorEvent> events, IActorRef done)
        {
            Recover<ICoordinatorEvent>(e => _state = _state.Apply(e));
            Command<Done>(_ =>
            {
                var left = events.Count;
                PersistAll(events, e =>
                {
                    _state = _state.Apply(e);
                    if (LastSequenceNr % SnapshotEvery == 0)
                    {
                        SaveSnapshot(_state);
                    }

                    if (--left == 0)
                    {
                        done.Tell(Done.Instance);
                    }
                });
            });
            Command<SaveSnapshotSuccess>(_ => { });
        }

        public override string PersistenceId => CoordinatorActor.PersistenceIdValue;
    }

    private static async Task<int> WriteJournalAsync(string journal, int experiments, int rounds)
    {
        var spec = SpecJson.Serialize(new ExperimentSpec { Name = "bench", Model = ModelKind.Toy, Dataset = DatasetKind.Ring8, Rounds = rounds, CheckpointInterval = 500 }, indented: false);
        var at = DateTimeOffset.UtcNow;
        var events = new List<ICoordinatorEvent> { new CoordinatorStarted(1, at) };
        for (var i = 0; i < experiments; i++)
        {
            var id = $"exp-{i:x8}";
            events.Add(new ExperimentSubmitted(id, spec, "bench", 0, rounds, at));
            events.Add(new ExperimentAssigned(id, "akka.tcp://gancluster@10.0.0.2:40000", "akka.tcp://gancluster@10.0.0.3:40000", 1));
            for (var from = 1; from <= rounds; from += RecordEvery)
            {
                var to = Math.Min(rounds, from + RecordEvery - 1);
                events.Add(new RoundsRecorded(id, [.. Enumerable.Range(from, to - from + 1).Select(r => new RoundMetrics(r, 1.2, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000))]));
                if (to % 500 == 0 || to == rounds)
                {
                    events.Add(new CheckpointStored(id, to, new string('a', 64), new string('b', 64)));
                }
            }

            events.Add(new ExperimentCompleted(id));
        }

        using var system = ActorSystem.Create("bench-write", Journal(journal));
        var inbox = Inbox.Create(system);
        var writer = system.ActorOf(Props.Create(() => new JournalWriter(events, inbox.Receiver)));
        writer.Tell(Done.Instance);
        await inbox.ReceiveAsync(TimeSpan.FromMinutes(30)).ConfigureAwait(false);
        await system.Terminate().ConfigureAwait(false);
        return events.Count;
    }

    private static async Task<double> TimeRecoveryAsync(string journal, string checkpoints, int experiments)
    {
        using var system = ActorSystem.Create("bench-recover", Journal(journal));
        var watch = Stopwatch.StartNew();
        var coordinator = system.ActorOf(CoordinatorActor.Props(new SqliteCheckpointStore(checkpoints),
            new CoordinatorSettings(3, 50, RecordEvery, SnapshotEvery, GanClusterNode.Wire(system.Settings.Config), 1 << 20), system.ActorOf(BulkSender.Props(1 << 20))));
        var list = await coordinator.Ask<ExperimentList>(ListExperiments.Instance, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        watch.Stop();
        if (list.Experiments.Count != experiments)
        {
            throw new InvalidOperationException($"recovered {list.Experiments.Count} experiments, expected {experiments}");
        }

        await system.Terminate().ConfigureAwait(false);
        return watch.Elapsed.TotalMilliseconds;
    }
}
