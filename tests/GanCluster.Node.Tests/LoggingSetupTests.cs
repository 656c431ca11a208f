using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using GanCluster.TestSupport;
using Serilog;
using Serilog.Events;

namespace GanCluster.Node.Tests;

public sealed class LoggingSetupTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("logs");

    public void Dispose()
    {
        Log.Logger = Serilog.Core.Logger.None;
        _temp.Dispose();
    }

    private List<JsonElement> ReadEvents(string node)
    {
        var file = Assert.Single(Directory.GetFiles(_temp.Path, $"gancluster-{node}-*.json"));
        Assert.Matches($"gancluster-{node}-\\d{{8}}\\.json$", file);
        return File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private async Task WaitForFileContentAsync(string node, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var file in Directory.GetFiles(_temp.Path, $"gancluster-{node}-*.json"))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if ((await new StreamReader(stream).ReadToEndAsync()).Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"'{text}' did not reach the log file of {node} within 30 s");
    }

    [Fact]
    public void Events_are_written_as_json_lines_with_the_node_name_to_the_node_file_and_the_console_uses_stderr()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            using (var logger = LoggingSetup.Configure("coordinator-4053", _temp.Path, LogEventLevel.Information))
            {
                Assert.Same(logger, Log.Logger);
                Log.Information("Checkpoint of {ExperimentId} stored at round {Round}", "exp-1", 500);
                Log.Debug("below the level");
            }
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }

        var logged = Assert.Single(ReadEvents("coordinator-4053"));
        Assert.Equal("Checkpoint of {ExperimentId} stored at round {Round}", logged.GetProperty("@mt").GetString());
        Assert.Equal("coordinator-4053", logged.GetProperty("Node").GetString());
        Assert.Equal("exp-1", logged.GetProperty("ExperimentId").GetString());
        Assert.Equal(500, logged.GetProperty("Round").GetInt32());
        Assert.Contains("coordinator-4053] Checkpoint of exp-1 stored at round 500", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout.ToString());
    }

    [Fact]
    public async Task Akka_log_events_reach_the_node_file_through_Akka_Logger_Serilog()
    {
        var options = new NodeOptions { Roles = new HashSet<NodeRole> { NodeRole.Coordinator }, Port = FreePort.Next(), DataDirectory = _temp.Combine("data") };
        using (LoggingSetup.Configure("akka-node", _temp.Path, LogEventLevel.Information))
        {
            var system = ActorSystem.Create(options.SystemName, ClusterConfigLoader.Load(options, ClusterConfigLoader.LocateConfigDirectory(null, _ => null), false));
            try
            {
                system.Log.Info("Hello from {0}", "akka");
                // Akka logs asynchronously through a logger actor; wait until the event reached the file (the sink
                // flushes every second) before terminating, or shutdown could drop it.
                await WaitForFileContentAsync("akka-node", "Hello from {0}");
            }
            finally
            {
                await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        var events = ReadEvents("akka-node");
        Assert.Contains(events, e => e.GetProperty("@mt").GetString() == "Hello from {0}" && e.GetProperty("Node").GetString() == "akka-node");
    }
}
