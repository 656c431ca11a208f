using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace GanCluster.IntegrationTests;

/// <summary>
/// A coordinator, a generator and a discriminator as three real processes on loopback, sharing a data
/// folder that survives restarts. Every wait is bounded; Dispose kills whatever still runs.
/// </summary>
public sealed partial class LocalCluster : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);
    private readonly List<ChildProcess> _nodes = [];

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

    /// <summary>The live (or last started) node of that name.</summary>
    public ChildProcess Node(string name) => _nodes.Last(n => n.Name == name);

    /// <summary>Starts the three nodes and waits until the coordinator has both workers in its pool.</summary>
    public void Start()
    {
        StartNode("coordinator", "coordinator", Port);
        StartNode("generator", "generator", 0);
        StartNode("discriminator", "discriminator", 0);
        Coordinator.WaitForLine(l => l.Contains("(1 generators, 1 discriminators)", StringComparison.Ordinal), Startup, "both workers registered");
    }

    public ChildProcess StartNode(string name, string roles, int port)
    {
        var arguments = new List<string>
        {
            "node", "--roles", roles, "--port", port.ToString(), "--seeds", Seed,
            "--data", DataDirectory, "--logs", Path.Combine(DataDirectory, "logs"),
        };
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

    /// <summary>Polls <c>gancluster status</c> until the state matches.</summary>
    /// <summary>
    /// Polls <c>status</c> until the experiment is in <paramref name="state"/>. <paramref name="timeout"/> bounds how long
    /// the status may stay unchanged (no new round, no state change), not the whole wait: a loaded machine slows a run
    /// that makes progress, and only one that stalls fails the test.
    /// </summary>
    public string WaitForState(string id, string state, TimeSpan timeout, Func<string, bool>? extra = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = string.Empty;
        var lastStatus = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            var (code, stdout, all) = Cli("status", id);
            last = all;
            if (code == 0 && StateOf(stdout) == state && (extra is null || extra(stdout)))
            {
                return stdout;
            }

            if (code == 0 && stdout != lastStatus)
            {
                lastStatus = stdout;
                deadline = DateTime.UtcNow + timeout;
            }

            Thread.Sleep(500);
        }

        throw new TimeoutException($"{id} did not reach '{state}' (its status stayed the same for {timeout}). Last status:\n{last}\n{Logs()}");
    }

    public static string StateOf(string status) => StateLine().Match(status) is { Success: true } m ? m.Groups[1].Value : string.Empty;

    public static int CheckpointOf(string status) => CheckpointLine().Match(status) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;

    public string Logs() => string.Join("\n", _nodes.Select(n => $"---- {n.Name}\n{n.Tail(40)}"));

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^state:\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex StateLine();

    [GeneratedRegex(@"^checkpoint:\s+round (\d+)", RegexOptions.Multiline)]
    private static partial Regex CheckpointLine();
}
