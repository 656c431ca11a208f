using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using GanCluster.Protocol;
using GanCluster.Training.Monitoring;

namespace GanCluster.Node.Dashboard;

/// <summary>What the HTTP endpoint serves the dashboard from; the collector in production, a fixed one in tests.</summary>
public interface IDashboardSource
{
    /// <summary>The latest <see cref="DashboardModel"/> JSON.</summary>
    JsonObject Snapshot();

    /// <summary>The experiment's latest sample grid (PNG) and its round, or null when it has none (or is unknown).</summary>
    Task<(int Round, byte[] Png)?> SamplesAsync(string experimentId, CancellationToken cancellation);
}

/// <summary>
/// Feeds the dashboard of a coordinator node: once a second it asks the coordinator the CLI's own queries (list, alarms,
/// quality, and the status of each experiment that ran since the last pass, whose recent rounds extend its curve) and
/// each generator and discriminator member what it runs (<see cref="GetWorkerStatus"/>). The HTTP requests only read
/// the last snapshot, so a page open in many tabs costs the coordinator nothing more.
/// </summary>
public sealed class DashboardCollector : IDashboardSource, IAsyncDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private readonly ActorSystem _system;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, LossSeries> _curves = [];
    private readonly Dictionary<string, (ExperimentState State, int Rounds)> _seen = [];
    private readonly Dictionary<string, MetricsFileTail> _files = [];
    private readonly string? _experimentsFolder;
    private readonly Task _loop;
    private volatile JsonObject _snapshot;

    /// <param name="system">The coordinator node's ActorSystem.</param>
    /// <param name="interval">How often to ask.</param>
    /// <param name="experimentsFolder">The node's &lt;data&gt;/experiments, whose metrics.jsonl files give the curves their earlier rounds.</param>
    public DashboardCollector(ActorSystem system, TimeSpan interval, string? experimentsFolder)
    {
        _system = system;
        _experimentsFolder = experimentsFolder;
        _interval = interval;
        _snapshot = DashboardModel.Build(new DashboardInputs([], [], [], [], _curves, DateTimeOffset.UtcNow, "waiting for the coordinator's first answer"));
        _loop = Task.Run(RunAsync);
    }

    private ICanTell Coordinator => _system.ActorSelection(GanClusterNode.CoordinatorProxyPath);

    public JsonObject Snapshot() => _snapshot;

    public async Task<(int Round, byte[] Png)?> SamplesAsync(string experimentId, CancellationToken cancellation)
    {
        ExperimentId id;
        try
        {
            id = new ExperimentId(experimentId);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var reply = await AskAsync(new GetSamples(id), cancellation).ConfigureAwait(false);
        return reply is SamplesReply { Format: "png" } samples ? (samples.Round, samples.Data) : null;
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            try
            {
                _snapshot = await CollectAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _snapshot = Stale(_snapshot, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
    }

    private async Task<JsonObject> CollectAsync()
    {
        var token = _stop.Token;
        if (await AskAsync(ListExperiments.Instance, token).ConfigureAwait(false) is not ExperimentList list)
        {
            return Stale(_snapshot, "the coordinator did not answer (it may be starting or recovering)");
        }

        var alarms = await AskAsync(new GetAlarms(null), token).ConfigureAwait(false) as AlarmList;
        var quality = await AskAsync(new GetQuality(null), token).ConfigureAwait(false) as QualityList;
        foreach (var summary in list.Experiments)
        {
            var key = summary.Id.Value;
            var changed = !_seen.TryGetValue(key, out var seen) || seen != (summary.State, summary.RoundsDone);
            _seen[key] = (summary.State, summary.RoundsDone);
            if (!changed || summary.RoundsDone == 0)
            {
                continue;
            }

            if (await AskAsync(new GetExperimentStatus(summary.Id), token).ConfigureAwait(false) is ExperimentStatusReply status)
            {
                var series = _curves.TryGetValue(key, out var known) ? known : _curves[key] = new LossSeries();
                if (_experimentsFolder is not null)
                {
                    var tail = _files.TryGetValue(key, out var open) ? open : _files[key] = new MetricsFileTail(Path.Combine(_experimentsFolder, key, MetricsCollector.MetricsFileName));
                    series.Merge(ReadQuietly(tail));
                }

                if (status.RecentRounds.Count > 0 && series.Points.Count > 0 && status.RecentRounds[^1].Round < series.Points[^1].Round)
                {
                    // Resumed from an earlier checkpoint: the rounds after it are trained again.
                    series.TruncateFrom(status.RecentRounds[0].Round);
                }

                series.Merge(status.RecentRounds);
            }
        }

        var workers = await WorkersAsync(token).ConfigureAwait(false);
        return DashboardModel.Build(new DashboardInputs(list.Experiments, alarms?.Alarms ?? [], quality?.Experiments ?? [], workers, _curves, DateTimeOffset.UtcNow, null));
    }

    /// <summary>Every up generator and discriminator member's own answer; one that does not answer is left out.</summary>
    private async Task<IReadOnlyList<WorkerStatus>> WorkersAsync(CancellationToken token)
    {
        var asks = Akka.Cluster.Cluster.Get(_system).State.Members
            .Where(m => m.Status == MemberStatus.Up)
            .SelectMany(m => new[] { "generator", "discriminator" }.Where(m.HasRole).Select(role => $"{m.Address}/user/{role}"))
            .Select(async path =>
            {
                try
                {
                    return await _system.ActorSelection(path).Ask<WorkerStatus>(GetWorkerStatus.Instance, AskTimeout, token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or ActorNotFoundException)
                {
                    return null;
                }
            });
        return [.. (await Task.WhenAll(asks).ConfigureAwait(false)).OfType<WorkerStatus>()];
    }

    private async Task<object?> AskAsync(object query, CancellationToken token)
    {
        try
        {
            return await Coordinator.Ask<object>(query, AskTimeout, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    // The file is a bonus: one being rotated or not readable leaves the curve to the status replies.
    private static IReadOnlyList<LossPoint> ReadQuietly(MetricsFileTail tail)
    {
        try
        {
            return tail.ReadNew();
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static JsonObject Stale(JsonObject last, string problem)
    {
        var copy = (JsonObject)last.DeepClone();
        copy["problem"] = problem;
        return copy;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
