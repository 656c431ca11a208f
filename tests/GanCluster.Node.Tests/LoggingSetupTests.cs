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
    public async Task With_an_otlp_endpoint_every_event_is_also_posted_there_as_protobuf_naming_the_node()
    {
        // A real OTLP/HTTP receiver stand-in: an HTTP listener on loopback that keeps what is posted to it.
        var port = FreePort.Next();
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new TaskCompletionSource<(string Path, string? ContentType, byte[] Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            context.Response.StatusCode = 200;
            context.Response.Close();
            received.TrySetResult((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
        });

        using (LoggingSetup.Configure("generator-pid42", _temp.Path, LogEventLevel.Information, new Uri($"http://127.0.0.1:{port}/v1/logs")))
        {
            Log.Information("Experiment {ExperimentId} reached round {Round}", "exp-0tel0001", 7);
        }

        // Disposing the logger flushes the sink's batch; the wait is a hang guard, not a limit on the machine's speed.
        var (path, contentType, posted) = await received.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await serving;
        Assert.Equal("/v1/logs", path);
        Assert.Equal("application/x-protobuf", contentType);
        var text = System.Text.Encoding.UTF8.GetString(posted); // protobuf keeps strings as UTF-8 bytes
        Assert.Contains("exp-0tel0001", text, StringComparison.Ordinal);
        Assert.Contains("service.instance.id", text, StringComparison.Ordinal);
        Assert.Contains("generator-pid42", text, StringComparison.Ordinal);

        // The node's own file still gets the event.
        Assert.Contains(ReadEvents("generator-pid42"), e => e.GetProperty("ExperimentId").GetString() == "exp-0tel0001");
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
