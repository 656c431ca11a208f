using System.Globalization;
using System.Text.Json;
using GanCluster.Cluster.Coordinator;
using GanCluster.Training.Core;
using GanCluster.Training.Runs;
using Xunit.Abstractions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A sweep on a pool of two generator/discriminator pairs, five real processes: a 2-configuration x 2-seed grid queued
/// with <c>gancluster sweep</c> completes, <c>sweep status --json</c> ranks the configurations by the metric's mean over
/// the seeds, and <c>list --sweep</c> lists exactly its experiments. A bad space is refused before the cluster is asked.
/// </summary>
public sealed class SweepClusterTests : IDisposable
{
    /// <summary>A coordinator killed in a test is noticed, and its successor rejoined, within seconds.</summary>
    private static readonly string[] QuickRecovery =
    [
        "akka.cluster.failure-detector.heartbeat-interval = 500ms",
        "akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s",
        "akka.cluster.split-brain-resolver.stable-after = 3s",
        "gancluster.node.rejoin-after = 2s",
    ];

    private readonly TempDirectory _temp = TempDirectory.Create("sweep");
    private readonly ITestOutputHelper _output;

    public SweepClusterTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void A_four_child_grid_sweep_on_two_pairs_completes_with_a_ranked_table()
    {
        var experiment = Write("ring.json", """
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 },
              "k": 1, "rounds": 6, "checkpointInterval": 3, "seed": 1, "device": "cpu" }
            """);
        var space = Write("space.json", """{ "parameters": { "generatorOptimizer.learningRate": [0.002, 0.0002] } }""");

        // Refused locally, naming the field: no cluster is running yet.
        var bad = Gancluster.Run(TimeSpan.FromSeconds(60), "sweep", experiment, "--space", Write("bad.json", """{ "parameters": { "generatorOptimizer.lr": [1] } }"""),
            "--contact", "127.0.0.1:1");
        bad.AssertExitCode(2);
        bad.AssertNoStackTrace();
        Assert.Contains("space.parameters.generatorOptimizer.lr", bad.AllOutput);

        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"));
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        cluster.StartNode("generator-1", "generator", 0);
        cluster.StartNode("generator-2", "generator", 0);
        cluster.StartNode("discriminator-1", "discriminator", 0);
        cluster.StartNode("discriminator-2", "discriminator", 0);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.WorkerJoined, e => e.Int(2) == 2 && e.Int(3) == 2, "the pool of two pairs");

        var submitted = cluster.Cli("sweep", experiment, "--space", space, "--seeds", "2", "--metric", "loss/g", "--mode", "min");
        submitted.AssertExitCode(0);
        var lines = submitted.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sweep = lines[0];
        var children = lines[1..];
        Assert.Equal(4, children.Length);
        Assert.All(children, c => Assert.StartsWith(sweep + "-", c));

        var table = WaitForSweep(cluster, sweep, TimeSpan.FromSeconds(180));
        Assert.Equal(("loss/g", "min", "grid"), (table.GetProperty("metric").GetString(), table.GetProperty("mode").GetString(), table.GetProperty("algorithm").GetString()));
        var rows = table.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("rank").GetInt32()));
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("config").GetInt32()).Order());
        Assert.All(rows, r =>
        {
            Assert.Equal(2, r.GetProperty("measured").GetInt32());
            Assert.Equal(JsonValueKind.Number, r.GetProperty("sd").ValueKind);
            Assert.Equal("completed", r.GetProperty("state").GetString());
            Assert.Equal("6/6", r.GetProperty("rounds").GetString());
        });
        // Ranked for --mode min: the first row's mean is the lower.
        Assert.True(rows[0].GetProperty("mean").GetDouble() <= rows[1].GetProperty("mean").GetDouble(), table.ToString());
        Assert.Equal(children.Order(), rows.SelectMany(r => r.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetString()!)).Order());

        var listed = cluster.Cli("list", "--sweep", sweep, "--json");
        listed.AssertExitCode(0);
        var ids = listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!);
        Assert.Equal(children.Order(), ids.Order());

        var cancelled = cluster.Cli("sweep", "cancel", sweep);
        cancelled.AssertExitCode(0);
        Assert.Contains("0 experiments cancelled", cancelled.StandardOutput);
        var resumed = cluster.Cli("sweep", "resume", sweep);
        resumed.AssertExitCode(0);
        Assert.Contains("0 experiments queued again", resumed.StandardOutput);

        // The round metric per child as a PNG.
        var png = Path.Combine(_temp.Path, "metric.png");
        cluster.Cli("sweep", "status", sweep, "--plot", png).AssertExitCode(0);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        cluster.Stop();
    }

    [Fact]
    public void A_coordinator_killed_mid_sweep_loses_no_child_and_starts_none_twice()
    {
        var experiment = Write("ring.json", """
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 },
              "k": 1, "rounds": 300, "checkpointInterval": 50, "seed": 1, "device": "cpu" }
            """);
        var space = Write("space.json", """{ "parameters": { "k": [1, 2, 3] } }""");
        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"), settings: QuickRecovery);
        cluster.Start();
        string[] sweepCommand = ["sweep", experiment, "--space", space, "--key", "sweep-crash-1"];
        var submitted = cluster.Cli(sweepCommand);
        submitted.AssertExitCode(0);
        var sweep = submitted.StandardOutput.Split('\n')[0].Trim();

        // Killed once the first child has a checkpoint: it is mid-run and the two others wait in the queue.
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Checkpointed, e => e.Text(0) == $"{sweep}-01", "the first child's first checkpoint");
        cluster.Kill("coordinator");
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Started, e => e.Int(0) == 2, "the journal recovered");

        // The same request again (a client that lost the answer) gets the same sweep, not a second one.
        var retried = cluster.Cli(sweepCommand);
        retried.AssertExitCode(0);
        Assert.Equal(submitted.StandardOutput, retried.StandardOutput);

        var table = WaitForSweep(cluster, sweep, TimeSpan.FromSeconds(180));
        Assert.Equal(3, table.GetProperty("rows").EnumerateArray().SelectMany(r => r.GetProperty("children").EnumerateArray()).Count());

        // Each child started at round 1 exactly once across both coordinators (the first one resumed from its checkpoint).
        var starts = NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}")
            .Where(e => e.Template == CoordinatorLogEvents.Assigned && e.Int(3) == 1).Select(e => e.Text(0)).ToList();
        Assert.Equal([$"{sweep}-01", $"{sweep}-02", $"{sweep}-03"], starts.Order());
        Assert.Contains(NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}"),
            e => e.Template == CoordinatorLogEvents.Assigned && e.Text(0) == $"{sweep}-01" && e.Int(3) > 1);
        cluster.Stop();
    }

    [Fact]
    public void A_pbt_sweep_of_four_members_on_two_pairs_exploits_survives_a_coordinator_kill_shows_its_lineage_and_replays_a_member()
    {
        var experiment = Write("ring.json", """
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 },
              "k": 1, "rounds": 12, "checkpointInterval": 3, "seed": 1, "device": "cpu" }
            """);
        // Two rates x two seeds: exploits cross seeds (the copy goes on with its source's seed and data).
        var space = Write("space.json", """{ "seed": 3, "parameters": { "generatorOptimizer.learningRate": [0.004, 0.0005] } }""");

        // Refused locally, one line naming the option and the fix: no cluster is running yet.
        foreach (var (arguments, option) in new[]
        {
            (new[] { "--algorithm", "pbt", "--ready", "2" }, "--ready"),
            (["--algorithm", "pbt", "--quantile", "0.8"], "--quantile"),
            (["--algorithm", "pbt", "--perturb", "0.8"], "--perturb"),
            (["--ready", "3"], "--ready"),
        })
        {
            var refused = Gancluster.Run(TimeSpan.FromSeconds(60), ["sweep", experiment, "--space", space, .. arguments, "--contact", "127.0.0.1:1"]);
            refused.AssertExitCode(2);
            refused.AssertNoStackTrace();
            var errors = refused.Lines.Where(l => l.IsStandardError && l.Text.Length > 0).Select(l => l.Text).ToList();
            Assert.StartsWith($"invalid sweep: {option}:", Assert.Single(errors));
        }

        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"), settings: QuickRecovery);
        cluster.Start();
        var submitted = cluster.Cli("sweep", experiment, "--space", space, "--seeds", "2", "--algorithm", "pbt", "--ready", "3", "--resample", "0", "--metric", "loss/g", "--mode", "min");
        submitted.AssertExitCode(0);
        var sweep = submitted.StandardOutput.Split('\n')[0].Trim();
        var members = Enumerable.Range(1, 4).Select(i => $"{sweep}-0{i}").ToList();

        // Killed once the first generation is decided: its members are being queued again, some exploiters not yet copied.
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.PbtGeneration, e => e.Text(0) == sweep && e.Int(1) == 1, "the first PBT generation");
        cluster.Kill("coordinator");
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Started, e => e.Int(0) == 2, "the journal recovered");

        var table = WaitForSweep(cluster, sweep, TimeSpan.FromSeconds(180));
        Assert.All(table.GetProperty("rows").EnumerateArray(), r => Assert.Equal("12/12", r.GetProperty("rounds").GetString()));

        var lineage = cluster.Cli("sweep", "lineage", sweep, "--json");
        lineage.AssertExitCode(0);
        var root = JsonDocument.Parse(lineage.StandardOutput).RootElement;
        Assert.Equal(members, root.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
        // Generations 0 (the start) to 3 (rounds 3, 6, 9) for every member; a quarter of four exploits at each.
        Assert.All(root.GetProperty("members").EnumerateArray(), m => Assert.Equal([0, 1, 2, 3], m.GetProperty("generations").EnumerateArray().Select(g => g.GetProperty("generation").GetInt32())));
        var exploits = root.GetProperty("members").EnumerateArray()
            .SelectMany(m => m.GetProperty("generations").EnumerateArray().Where(g => g.GetProperty("copiedFrom").ValueKind == JsonValueKind.String)
                .Select(g => (Member: m.GetProperty("id").GetString()!, Round: g.GetProperty("round").GetInt32(), Source: g.GetProperty("copiedFrom").GetString()!)))
            .ToList();
        Assert.Equal([3, 6, 9], exploits.Select(x => x.Round).Order());
        var text = cluster.Cli("sweep", "lineage", sweep);
        text.AssertExitCode(0);
        Assert.Contains($"copied {exploits[0].Source}", text.StandardOutput);

        var events = NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}").ToList();
        // Nothing lost or done twice across both coordinators: each member started from scratch once, each generation was
        // decided once, and each exploit copied its source's halves (the SHA-256 the source journaled at that round).
        Assert.Equal(members, events.Where(e => e.Template == CoordinatorLogEvents.Assigned && e.Int(3) == 1).Select(e => e.Text(0)).Order());
        Assert.Equal([1, 2, 3], events.Where(e => e.Template == CoordinatorLogEvents.PbtGeneration && e.Text(0) == sweep).Select(e => e.Int(1)));
        var copies = events.Where(e => e.Template == CoordinatorLogEvents.CheckpointCopied).ToList();
        Assert.Equal(exploits.Select(x => (x.Member, x.Source, x.Round)).Order(), copies.Select(e => (e.Text(0), e.Text(1), e.Int(2))).Order());
        Assert.All(copies, copy => Assert.Contains(events, e => e.Template == CoordinatorLogEvents.Checkpointed && e.Text(0) == copy.Text(1) && e.Int(1) == copy.Int(2)
            && e.Text(2) == copy.Text(3) && e.Text(3) == copy.Text(4)));

        // The last exploiter's schedule as one experiment: trained locally in one process, it ends with the member's weights.
        var replayed = exploits.Single(x => x.Round == 9).Member;
        var replayFile = Path.Combine(_temp.Path, "replay.json");
        var replay = cluster.Cli("sweep", "replay", sweep, "--member", replayed, "--out", replayFile);
        replay.AssertExitCode(0);
        Assert.Contains($"replay of {replayed}", replay.StandardOutput);
        var again = cluster.Cli("sweep", "replay", sweep, "--out", replayFile);
        again.AssertExitCode(2);
        again.AssertNoStackTrace();
        var best = cluster.Cli("sweep", "replay", sweep);
        best.AssertExitCode(0);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(best.StandardOutput).RootElement.ValueKind);

        var changes = JsonDocument.Parse(File.ReadAllText(replayFile)).RootElement.GetProperty("generatorOptimizer").GetProperty("learningRateChanges");
        Assert.Contains(changes.EnumerateArray(), c => c.GetProperty("afterRound").GetInt32() == 9);
        var localRun = Path.Combine(_temp.Path, "replay-run");
        var local = Gancluster.Run(TimeSpan.FromMinutes(10), "train", "--local", replayFile, "--out", localRun, "--torch-threads", "1", "--eval-samples", "0");
        Assert.True(local.ExitCode == 0, local.AllOutput);
        var trained = Checkpoint.Load(Path.Combine(localRun, "checkpoints", "round-000012.ckpt"));
        var stored = ClusterRunTests.ReadStoredCheckpoints(Path.Combine(cluster.DataDirectory, "checkpoints.db"), replayed);
        Assert.Equal(stored[12], (trained.Generator.Sha256, trained.Discriminator.Sha256));
        cluster.Stop();
    }

    [Fact]
    public void Asha_on_an_evaluation_figure_waits_for_each_rung_checkpoints_evaluation_and_survives_a_coordinator_kill_while_waiting()
    {
        var experiment = Write("ring.json", """
            { "name": "ring", "model": "toy", "dataset": "ring8", "batchSize": 16, "latentSize": 4, "mixture": { "samples": 256 },
              "k": 1, "rounds": 8, "checkpointInterval": 2, "seed": 1, "device": "cpu" }
            """);
        var space = Write("space.json", """{ "parameters": { "generatorOptimizer.learningRate": [0.004, 0.001, 0.0002] } }""");
        using var cluster = new LocalCluster(Path.Combine(_temp.Path, "cluster"), settings: QuickRecovery);
        cluster.Start();
        var submitted = cluster.Cli("sweep", experiment, "--space", space, "--algorithm", "asha", "--eta", "2", "--metric", "modes.highQualityFraction", "--mode", "max");
        submitted.AssertExitCode(0);
        var sweep = submitted.StandardOutput.Split('\n')[0].Trim();
        var children = Enumerable.Range(1, 3).Select(i => $"{sweep}-0{i}").ToList();

        // Killed as soon as the first child waits at its first rung: its checkpoint's evaluation (the first in this
        // coordinator, which loads TorchSharp for it) is most likely still running, and the restarted coordinator asks again.
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.FigureAwaited, e => e.Text(0) == children[0], "the first child waiting at rung 1");
        cluster.Kill("coordinator");
        cluster.StartNode("coordinator", "coordinator", cluster.Port);
        cluster.WaitForEvent("coordinator", CoordinatorLogEvents.Started, e => e.Int(0) == 2, "the journal recovered");

        var table = WaitForSweep(cluster, sweep, TimeSpan.FromSeconds(180));
        var states = table.GetProperty("rows").EnumerateArray().SelectMany(r => r.GetProperty("children").EnumerateArray())
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => (State: c.GetProperty("state").GetString()!, Reason: c.GetProperty("reason").ToString()));
        Assert.Equal(children, states.Keys.Order());
        // Eta 2 over three children: at rung 1 (round 2) at most the better half goes on, so at least one is stopped there.
        Assert.Contains(states.Values, s => s.State == "stopped" && s.Reason.StartsWith("stopped by ASHA at rung 1 (round 2): modes.highQualityFraction ", StringComparison.Ordinal));

        // Each report was made once across both coordinators, after the child waited for it, with the figure the
        // coordinator's evaluation of that checkpoint wrote into the child's run folder. A wait the killed coordinator
        // journaled may miss its log line (the kill can beat the log file); the restarted one then logs asking again.
        var events = NodeEvents.Read(cluster.LogFolder, $"coordinator-{cluster.Port}").ToList();
        var reports = events.Where(e => e.Template == CoordinatorLogEvents.RungReached && e.Text(1) == sweep).ToList();
        Assert.Equal(reports.Count, reports.Select(e => (e.Text(0), e.Int(2))).Distinct().Count());
        Assert.Equal(children, reports.Where(e => e.Int(2) == 1).Select(e => e.Text(0)).Order());
        foreach (var report in reports)
        {
            var (child, round) = (report.Text(0), report.Int(3));
            Assert.Contains(events, e => e.Template is CoordinatorLogEvents.FigureAwaited or CoordinatorLogEvents.FigureAskedAgain
                && e.Text(0) == child && e.Int(2) == round && e.At <= report.At);
            var evaluation = EvaluationLog.Read(Path.Combine(cluster.DataDirectory, "experiments", child)).Single(r => r.Round == round);
            Assert.Equal(evaluation.Modes!.HighQualityFraction, double.Parse(report.Text(4), CultureInfo.InvariantCulture), 12);
        }

        // The first child (the first at rung 1 always goes on) started from round 1 once and went on from its rung checkpoint
        // after the restart. (A child the killed coordinator had just started, before any checkpoint, starts again from round 1.)
        var first = events.Where(e => e.Template == CoordinatorLogEvents.Assigned && e.Text(0) == children[0]).Select(e => e.Int(3)).ToList();
        Assert.Equal(1, first.Count(r => r == 1));
        Assert.Contains(3, first);
        cluster.Stop();
    }

    /// <summary>Polls <c>sweep status --json</c> until every child completed (or was stopped by ASHA); <paramref name="quiet"/> bounds how long the table may stay unchanged.</summary>
    private JsonElement WaitForSweep(LocalCluster cluster, string sweep, TimeSpan quiet)
    {
        var deadline = DateTime.UtcNow + quiet;
        var last = string.Empty;
        var logged = -1L;
        while (DateTime.UtcNow < deadline)
        {
            logged = cluster.AwaitCoordinatorLog(logged);
            var (code, stdout, _) = cluster.Cli("sweep", "status", sweep, "--json");
            if (code == 0)
            {
                var table = JsonDocument.Parse(stdout).RootElement;
                if (table.GetProperty("rows").EnumerateArray().SelectMany(r => r.GetProperty("children").EnumerateArray()).All(c => c.GetProperty("state").GetString() is "completed" or "stopped"))
                {
                    _output.WriteLine(cluster.Cli("sweep", "status", sweep).StandardOutput);
                    return table;
                }

                if (stdout != last)
                {
                    (last, deadline) = (stdout, DateTime.UtcNow + quiet);
                }
            }
        }

        throw new TimeoutException($"the sweep did not complete (its table stayed the same for {quiet}). Last table:\n{last}\n{cluster.Logs()}");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_temp.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
