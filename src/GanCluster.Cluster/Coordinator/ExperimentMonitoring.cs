using System.Threading.Channels;
using GanCluster.Protocol;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>Settings of the coordinator's monitoring (HOCON section <c>gancluster.monitoring</c>).</summary>
/// <param name="Directory">Folder of the per-experiment run folders (<c>&lt;data&gt;/experiments</c>); null writes no files.</param>
/// <param name="MetricsEvery">metrics.jsonl and TensorBoard get a round every this many rounds (and every checkpoint round).</param>
/// <param name="TensorBoard">Write TensorBoard event files beside metrics.jsonl.</param>
/// <param name="Alarms">Thresholds of the alarms.</param>
public sealed record MonitoringSettings(string? Directory, int MetricsEvery, bool TensorBoard, AlarmSettings Alarms)
{
    /// <summary>No files, the default alarms: what specs that do not care about monitoring get.</summary>
    public static readonly MonitoringSettings None = new(null, 10, false, AlarmSettings.Default);

    public static MonitoringSettings FromConfig(Akka.Configuration.Config config, string? directory) => new(
        directory,
        Math.Max(1, config.GetInt("gancluster.monitoring.metrics-every", 10)),
        config.GetBoolean("gancluster.monitoring.tensorboard", true),
        new AlarmSettings(
            config.GetDouble("gancluster.monitoring.alarms.near-zero", AlarmSettings.Default.NearZero),
            config.GetInt("gancluster.monitoring.alarms.near-zero-rounds", AlarmSettings.Default.NearZeroRounds),
            config.GetDouble("gancluster.monitoring.alarms.diversity-ratio", AlarmSettings.Default.DiversityRatio),
            config.GetInt("gancluster.monitoring.alarms.diversity-measurements", AlarmSettings.Default.DiversityMeasurements),
            config.GetInt("gancluster.monitoring.alarms.warmup-rounds", AlarmSettings.Default.WarmupRounds),
            config.GetInt("gancluster.monitoring.alarms.modes-drop-tolerance", AlarmSettings.Default.ModesDropTolerance)));
}

/// <summary>
/// The coordinator's view of every experiment's metrics: a run folder per experiment
/// (<c>&lt;data&gt;/experiments/&lt;id&gt;/</c> with metrics.jsonl, tensorboard/ and samples/round-N.png) and the
/// alarms. The actor calls it with what arrives; the files are written on one background task, in order, so a
/// slow disk never stalls the coordinator's mailbox. Alarms live in memory: a restarted coordinator starts
/// watching afresh.
/// </summary>
public sealed class ExperimentMonitoring : IAsyncDisposable
{
    private sealed class Experiment(TrainingAlarms alarms)
    {
        public TrainingAlarms Alarms { get; } = alarms;

        public MetricsCollector? Collector { get; set; }

        public Dictionary<string, double> Latest { get; } = [];
    }

    private readonly MonitoringSettings _settings;
    private readonly Action<Exception, string> _onWriteError;
    private readonly Dictionary<string, Experiment> _experiments = [];
    private readonly Channel<Action> _writes = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    /// <param name="settings">Where and how often to write.</param>
    /// <param name="onWriteError">Called (on the writer task) when a file cannot be written; monitoring never stops training.</param>
    public ExperimentMonitoring(MonitoringSettings settings, Action<Exception, string> onWriteError)
    {
        _settings = settings;
        _onWriteError = onWriteError;
        _writer = Task.Run(WriteLoop);
    }

    /// <summary>The run folder of an experiment, or null when no directory is configured.</summary>
    public string? FolderOf(string id) => _settings.Directory is { } root ? Path.Combine(root, id) : null;

    /// <summary>A run (re)starts at <paramref name="nextRound"/>: rounds after the restored checkpoint leave metrics.jsonl.</summary>
    public void Started(string id, int nextRound)
    {
        var experiment = Get(id);
        Write(id, collector => collector.TruncateAfter(nextRound - 1), experiment);
    }

    /// <summary>The resolved spec as options.json in the run folder, as a local run writes it (RunFolder.WriteOptions).</summary>
    public void Options(string id, ExperimentSpec spec)
    {
        var experiment = Get(id);
        Write(id, collector => File.WriteAllText(Path.Combine(collector.Folder, "options.json"), SpecJson.Serialize(spec)), experiment);
    }

    /// <summary>One round from the generator; returns the alarms it raised. Recorded every MetricsEvery rounds, on <paramref name="force"/> and when diverged.</summary>
    public IReadOnlyList<Alarm> Round(string id, RoundMetrics m, double? stepsPerSecond, bool force)
    {
        var experiment = Get(id);
        var raised = experiment.Alarms.ObserveRound(m.Round, m.DLoss, m.GLoss, m.DFake, m.Terms);
        var values = RoundMetricsMapping.Metrics(m, stepsPerSecond);
        foreach (var (name, value) in values)
        {
            experiment.Latest[name] = value;
        }

        if (force || RoundMetricsMapping.IsDiverged(m) || m.Round % _settings.MetricsEvery == 0)
        {
            Write(id, collector => collector.Record(m.Round, values), experiment);
        }

        return raised;
    }

    /// <summary>A worker's own measurements (diversity, mode coverage); returns the alarms they raised.</summary>
    public IReadOnlyList<Alarm> WorkerMetrics(string id, int round, IReadOnlyList<MetricValue> reported)
    {
        var experiment = Get(id);
        var values = reported.ToDictionary(v => v.Name, v => v.Value);
        var raised = new List<Alarm>();
        if (values.TryGetValue(MetricNames.DiversityFake, out var fake) && values.TryGetValue(MetricNames.DiversityReal, out var real))
        {
            var diversity = new BatchDiversity(fake, real);
            values[MetricNames.DiversityRatio] = diversity.Ratio;
            raised.AddRange(experiment.Alarms.ObserveDiversity(round, diversity));
        }

        if (values.TryGetValue(MetricNames.ModesCaptured, out var captured) && values.TryGetValue(MetricNames.ModesTotal, out var total))
        {
            raised.AddRange(experiment.Alarms.ObserveModes(round, (int)captured, (int)total));
        }

        foreach (var (name, value) in values)
        {
            experiment.Latest[name] = value;
        }

        Write(id, collector => collector.Record(round, values), experiment);
        return raised;
    }

    /// <summary>A checkpoint's sample grid: samples/round-N.png and a TensorBoard image.</summary>
    public void SampleGrid(string id, int round, byte[] png)
    {
        var experiment = Get(id);
        Write(id, collector =>
        {
            var samples = Path.Combine(collector.Folder, "samples");
            Directory.CreateDirectory(samples);
            var file = Path.Combine(samples, $"round-{round:D6}.png");
            File.WriteAllBytes(file, png);
            collector.AddImage(round, file);
        }, experiment);
    }

    /// <summary>Active alarms of an experiment (none for an unknown one).</summary>
    public IReadOnlyList<Alarm> Alarms(string id) => _experiments.TryGetValue(id, out var e) ? e.Alarms.Active : [];

    /// <summary>The latest value of every metric of an experiment.</summary>
    public IReadOnlyDictionary<string, double> Latest(string id) => _experiments.TryGetValue(id, out var e) ? e.Latest : new Dictionary<string, double>();

    /// <summary>Active alarms of every experiment, for <c>list</c>.</summary>
    public IEnumerable<(string Id, Alarm Alarm)> AllAlarms() => _experiments.SelectMany(kv => kv.Value.Alarms.Active.Select(a => (kv.Key, a)));

    /// <summary>Completes once every queued write is on disk (tests and shutdown).</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_writes.Writer.TryWrite(() => done.SetResult()))
        {
            done.SetResult();
        }

        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private Experiment Get(string id)
    {
        if (!_experiments.TryGetValue(id, out var experiment))
        {
            experiment = new Experiment(new TrainingAlarms(_settings.Alarms));
            _experiments[id] = experiment;
        }

        return experiment;
    }

    private void Write(string id, Action<MetricsCollector> write, Experiment experiment)
    {
        if (FolderOf(id) is not { } folder)
        {
            return;
        }

        _writes.Writer.TryWrite(() =>
        {
            try
            {
                // Created on the writer task: the TensorBoardWriter creates its event file on construction.
                experiment.Collector ??= new MetricsCollector(folder, _settings.TensorBoard);
                write(experiment.Collector);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                _onWriteError(e, folder);
            }
        });
    }

    private async Task WriteLoop()
    {
        await foreach (var write in _writes.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            write();
        }
    }
}
