using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using GanCluster.Cluster.Coordinator;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A coordinator, a generator and a discriminator as three real processes on loopback, sharing a data
/// folder that survives restarts. Every wait is bounded; Dispose kills whatever still runs.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);
    private readonly List<ChildProcess> _nodes = [];
    private readonly Dictionary<ChildProcess, string> _logNames = [];

    /// <param name="dataDirectory">The coordinator's data folder (journal, checkpoints, logs); it survives restarts.</param>
    /// <param name="persistenceArguments">Extra node arguments, space-separated (for example the PostgreSQL back end).</param>
    /// <param name="settings">HOCON lines passed to every node with <c>--set</c> (shorter failure detection, for example).</param>
    public LocalCluster(string dataDirectory, string persistenceArguments = "", IReadOnlyList<string>? settings = null)
    {
        DataDirectory = dataDirectory;
        Port = FreePort();
        Contact = Seed;
        PersistenceArguments = persistenceArguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Settings = settings ?? [];
    }

    public string DataDirectory { get; }

    /// <summary>The log folder every node of this cluster writes its compact-JSON files to.</summary>
    public string LogFolder => Path.Combine(DataDirectory, "logs");

    public int Port { get; }

    /// <summary>The seed every node names: the first coordinator's address.</summary>
    public string Seed => $"127.0.0.1:{Port}";

    /// <summary>Where CLI commands go; the seed unless a test points it at another coordinator node.</summary>
    public string Contact { get; set; } = string.Empty;

    private string[] PersistenceArguments { get; }

    private IReadOnlyList<string> Settings { get; }

    /// <summary>Environment variables of every node started from now on (GANCLUSTER_GC_STRESS, for example).</summary>
    public Dictionary<string, string> NodeEnvironment { get; } = [];

    public ChildProcess Coordinator => Node("coordinator");

    /// <summary>Nodes were started and none of them has exited.</summary>
    public bool AllRunning => _nodes.Count > 0 && _nodes.All(n => !n.HasExited);

    /// <summary>The live (or last started) node of that name.</summary>
    public ChildProcess Node(string name) => _nodes.Last(n => n.Name == name);

    /// <summary>Starts the three nodes and waits until the coordinator has both workers in its pool.</summary>
    public void Start()
    {
        var since = DateTimeOffset.UtcNow;
        StartNode("coordinator", "coordinator", Port);
        StartNode("generator", "generator", 0);
        StartNode("discriminator", "discriminator", 0);
        WaitForEvent("coordinator", CoordinatorLogEvents.WorkerJoined, e => e.Int(2) >= 1 && e.Int(3) >= 1, "both workers registered", since, Startup);
    }

    /// <summary>The name the node logs under (its files are gancluster-&lt;name&gt;-&lt;date&gt;.json in <see cref="LogFolder"/>).</summary>
    public string LogName(string name) => _logNames[Node(name)];

    /// <summary>
    /// Waits for a structured event of the node (by its template constant, with matching values) logged at or after
    /// <paramref name="since"/> (default: the node's start). <paramref name="quiet"/> bounds how long the node may log
    /// nothing new, not the whole wait.
    /// </summary>
    public NodeEvent WaitForEvent(string name, string template, Func<NodeEvent, bool> match, string what, DateTimeOffset? since = null, TimeSpan? quiet = null)
    {
        var node = Node(name);
        return NodeEvents.WaitFor(LogFolder, _logNames[node], template, match, what, since ?? node.StartedAt, quiet ?? TimeSpan.FromSeconds(90), () => node.HasExited, Logs);
    }

    /// <param name="name">The node's name in the test (its log lines, <see cref="Node"/>).</param>
    /// <param name="roles">Its --roles.</param>
    /// <param name="port">Its --port (0: any free port).</param>
    /// <param name="extra">Further node arguments (for example --dashboard-port).</param>
    public ChildProcess StartNode(string name, string roles, int port, IReadOnlyList<string>? extra = null)
    {
        var arguments = new List<string>
        {
            "node", "--roles", roles, "--port", port.ToString(), "--seeds", Seed,
            "--data", DataDirectory, "--logs", Path.Combine(DataDirectory, "logs"),
        };
        arguments.AddRange(extra ?? []);
        arguments.AddRange(PersistenceArguments);
        if (roles != "coordinator")
        {
            // Like scripts/start-local-cluster.sh: workers sharing this machine split its cores (and the local runs
            // they are compared with use every core, so exactness across thread counts is checked too).
            arguments.AddRange(["--torch-threads", "1"]);
        }

        if (roles.Contains("coordinator", StringComparison.Ordinal))
        {
            // No checkpoint evaluation (gancluster.quality) here: these tests time exactness, restarts and fail-over on a
            // shared machine, and an evaluation takes a core from the workers. The evaluation path is covered by
            // CoordinatorQualitySpecs (real generator halves, real run folder) and EvaluateCommandTests.
            arguments.AddRange(["--set", "gancluster.quality.enabled=off"]);
        }

        foreach (var setting in Settings)
        {
            arguments.Add("--set");
            arguments.Add(setting);
        }

        var node = Gancluster.Start(name, NodeEnvironment, [.. arguments]);
        // The name the node logs under (NodeOptions.NodeName): its roles and port, or its process id on a random port.
        _logNames[node] = port != 0 ? $"{roles.Replace(',', '+')}-{port}" : $"{roles.Replace(',', '+')}-pid{node.Id}";
        foreach (var exited in _nodes.Where(n => n.Name == name && n.HasExited).ToList())
        {
            exited.Dispose();
            _nodes.Remove(exited);
        }

        _nodes.Add(node);
        return node;
    }

    /// <summary>Kills the node with SIGKILL (no leave, no flush: a crash) and returns when it has exited.</summary>
    public DateTime Kill(string name)
    {
        var node = Node(name);
        var at = DateTime.UtcNow;
        node.Kill();
        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(10)), $"{name} survived SIGKILL");
        return at;
    }

    /// <summary>Stops every node with SIGTERM (a clean leave) and waits for them to exit.</summary>
    public void Stop()
    {
        var workers = _nodes.Where(n => !n.Name.StartsWith("coordinator", StringComparison.Ordinal) && !n.HasExited).ToList();
        foreach (var node in workers)
        {
            node.Signal(15); // SIGTERM: a graceful stop
        }

        foreach (var node in workers)
        {
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30)), $"{node.Name} did not stop on SIGTERM:\n{node.Tail()}");
        }

        foreach (var node in _nodes.Where(n => n.Name.StartsWith("coordinator", StringComparison.Ordinal) && !n.HasExited).Reverse())
        {
            node.Signal(15); // SIGTERM: a graceful stop
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30)), $"{node.Name} did not stop on SIGTERM:\n{node.Tail()}");
        }

        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        _nodes.Clear();
    }

    public ChildProcessResult Cli(params string[] arguments) =>
        Gancluster.Run(TimeSpan.FromSeconds(120), [.. arguments, "--contact", Contact]);

    public string Submit(string experimentFile)
    {
        var (code, stdout, all) = Cli("submit", experimentFile);
        Assert.True(code == 0, $"submit failed ({code}): {all}\n{Logs()}");
        return stdout.Trim();
    }

    /// <summary>The experiment's <c>status --json</c>.</summary>
    public JsonElement Status(string id)
    {
        var (code, stdout, all) = Cli("status", id, "--json");
        Assert.True(code == 0, $"status {id} failed ({code}): {all}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    /// <summary>
    /// Polls <c>status --json</c> until <paramref name="done"/> holds. <paramref name="quiet"/> bounds how long the
    /// status may stay unchanged (no new round, no state change), not the whole wait: a loaded machine slows a run that
    /// makes progress, and only one that stalls fails the test. A coordinator that does not answer yet is waited for.
    /// Each status is a CLI process (about 1.5 CPU-seconds: .NET start-up, an actor system, a cluster client), so it
    /// is asked at the pace of <see cref="AwaitCoordinatorLog"/>: asking twice a second kept one of a two-core
    /// machine's cores busy with CLI start-ups while the nodes under test trained on the other.
    /// </summary>
    public JsonElement WaitForStatus(string id, Func<JsonElement, bool> done, string what, TimeSpan quiet)
    {
        var deadline = DateTime.UtcNow + quiet;
        var last = string.Empty;
        var lastStatus = string.Empty;
        var coordinatorLog = -1L;
        while (DateTime.UtcNow < deadline)
        {
            coordinatorLog = AwaitCoordinatorLog(coordinatorLog);
            var (code, stdout, all) = Cli("status", id, "--json");
            last = all;
            if (code == 0 && JsonDocument.Parse(stdout).RootElement is var status)
            {
                if (done(status))
                {
                    return status;
                }

                if (stdout != lastStatus)
                {
                    lastStatus = stdout;
                    deadline = DateTime.UtcNow + quiet;
                }
            }
        }

        throw new TimeoutException($"{id}: {what} did not happen (its status stayed the same for {quiet}). Last status:\n{last}\n{Logs()}");
    }

    /// <summary>
    /// The pace of the CLI polls of <see cref="WaitForStatus"/>: returns at once on the first call (<paramref name="seen"/>
    /// -1), then when a coordinator-role node has logged more than <paramref name="seen"/> bytes (a state change is always
    /// logged), but not sooner than half a second nor later than three seconds after it was called. Returns the bytes
    /// logged so far, for the next call.
    /// </summary>
    public long AwaitCoordinatorLog(long seen)
    {
        var called = DateTime.UtcNow;
        while (seen >= 0)
        {
            Thread.Sleep(100);
            var waited = DateTime.UtcNow - called;
            if (waited < TimeSpan.FromSeconds(0.5))
            {
                continue;
            }

            var logged = CoordinatorLogLength();
            if (logged != seen || waited >= TimeSpan.FromSeconds(3))
            {
                return logged;
            }
        }

        return CoordinatorLogLength();
    }

    /// <summary>The bytes the coordinator-role nodes have logged so far (their files are named after their roles).</summary>
    private long CoordinatorLogLength() =>
        Directory.Exists(LogFolder)
            ? Directory.GetFiles(LogFolder, "gancluster-coordinator*.json").Sum(f => new FileInfo(f).Length)
            : 0;

    /// <summary>Polls <c>status --json</c> until the experiment is in <paramref name="state"/> (and <paramref name="extra"/> holds).</summary>
    public JsonElement WaitForState(string id, string state, TimeSpan quiet, Func<JsonElement, bool>? extra = null) =>
        WaitForStatus(id, s => StateOf(s) == state && (extra is null || extra(s)), $"state {state}", quiet);

    public static string StateOf(JsonElement status) => status.GetProperty("state").GetString()!;

    public static int CheckpointOf(JsonElement status) => status.GetProperty("lastCheckpointRound") is { ValueKind: JsonValueKind.Number } round ? round.GetInt32() : 0;

    /// <summary>The round numbers of the status's recent rounds, oldest first.</summary>
    public static IReadOnlyList<int> RecentRounds(JsonElement status) => status.GetProperty("recentRounds").EnumerateArray().Select(r => r.GetProperty("round").GetInt32()).ToList();

    /// <summary>Each node's last lines, and its exit code when it has exited (128 + the signal when a signal ended it: 139 is SIGSEGV).</summary>
    public string Logs() => string.Join("\n", _nodes.Select(n => $"---- {n.Name}{(n.HasExited ? $" (exited with code {n.ExitCode})" : string.Empty)}\n{n.Tail(40)}"));

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    /// <summary>A free loopback port never handed out before in this test run (tests run side by side).</summary>
    public static int FreePort() => GanCluster.TestSupport.FreePort.Next();
}
