using Akka.Actor;
using Akka.Event;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;

namespace GanCluster.Cluster.Coordinator;

/// <summary>Settings of the coordinator's checkpoint evaluation (HOCON section <c>gancluster.quality</c>).</summary>
/// <param name="Enabled">Evaluate every stored checkpoint.</param>
/// <param name="Samples">Generated samples per evaluation (the papers use 10,000).</param>
/// <param name="TorchThreads">Threads the evaluation's TorchSharp work may use (0 = leave the process setting alone).</param>
public sealed record QualitySettings(bool Enabled, int Samples, int TorchThreads)
{
    /// <summary>No evaluation: what specs that do not care about quality get.</summary>
    public static readonly QualitySettings None = new(false, 10_000, 0);

    public static QualitySettings FromConfig(Akka.Configuration.Config config) => new(
        config.GetBoolean("gancluster.quality.enabled", false),
        Math.Max(2, config.GetInt("gancluster.quality.samples", 10_000)),
        Math.Max(0, config.GetInt("gancluster.quality.torch-threads", 1)));
}

/// <summary>
/// Evaluates an experiment's checkpoints off the training path and answers <see cref="GetQuality"/>. The coordinator
/// tells it about every stored checkpoint; it loads the generator half (and, for a family whose figure reads D, the
/// discriminator half) from the checkpoint store and evaluates it on
/// its own thread (never the coordinator's mailbox, never a worker's torch thread), pipes the result back to itself,
/// and writes evaluation.json and evaluations.jsonl into the experiment's run folder. Bounded: one evaluation at a
/// time, and per experiment only the newest waiting checkpoint is kept, so a slow evaluation skips rounds instead of
/// queueing work without end. It keeps answering queries while an evaluation runs. A request with a reply address (a
/// sweep waits for that checkpoint's figure) is never skipped, runs even when evaluation is off in the settings, and is
/// answered with <see cref="Figure"/>.
/// </summary>
public sealed class QualityActor : ReceiveActor
{
    /// <summary>A checkpoint was stored: evaluate it when the evaluator is free (replacing an older waiting one of the experiment).</summary>
    /// <param name="ReplyTo">Who waits for the figure (the coordinator, for a sweep decision), or null.</param>
    public sealed record EvaluateCheckpoint(string Id, int Round, string SpecJson, IActorRef? ReplyTo = null) : INoSerializationVerificationNeeded;

    /// <summary>The answer to a request with a reply address: the evaluation (evaluation.json's text) or why it failed.</summary>
    public sealed record Figure(string Id, int Round, string? EvaluationJson, string? Error) : INoSerializationVerificationNeeded;

    /// <summary>An evaluation finished (Result) or failed (Error).</summary>
    private sealed record Evaluated(EvaluateCheckpoint Request, EvaluationResult? Result, Exception? Error) : INoSerializationVerificationNeeded;

    /// <summary>The latest evaluations found in the run folders at start.</summary>
    private sealed record Recovered(IReadOnlyDictionary<string, EvaluationResult> Latest) : INoSerializationVerificationNeeded;

    private readonly ICheckpointStore _store;
    private readonly QualitySettings _settings;
    private readonly Func<string, string?> _folderOf;
    private readonly string? _root;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, EvaluateCheckpoint> _waiting = [];
    private readonly Queue<string> _order = new();
    private readonly Dictionary<string, EvaluationResult> _latest = [];
    private readonly CancellationTokenSource _stopping = new();
    private EvaluateCheckpoint? _running;

    /// <param name="store">Where the generator halves are.</param>
    /// <param name="settings">Samples and threads.</param>
    /// <param name="root">The folder of the run folders (<c>&lt;data&gt;/experiments</c>), or null to write no files.</param>
    public QualityActor(ICheckpointStore store, QualitySettings settings, string? root)
    {
        _store = store;
        _settings = settings;
        _root = root;
        _folderOf = id => root is null ? null : Path.Combine(root, id);
        Receive<EvaluateCheckpoint>(OnEvaluate);
        Receive<Evaluated>(OnEvaluated);
        Receive<GetQuality>(OnGetQuality);
        Receive<Recovered>(r =>
        {
            foreach (var (id, result) in r.Latest)
            {
                _latest.TryAdd(id, result);
            }
        });
    }

    public static Props Props(ICheckpointStore store, QualitySettings settings, string? root) =>
        Akka.Actor.Props.Create(() => new QualityActor(store, settings, root));

    protected override void PreStart()
    {
        // The latest figures survive a coordinator restart in the run folders' evaluation.json; reading them is file IO, so off the mailbox.
        if (_root is { } root)
        {
            Task.Run(() => new Recovered(ReadLatest(root))).PipeTo(Self);
        }
    }

    protected override void PostStop()
    {
        // No join: a running evaluation cannot be interrupted inside a torch call, and waiting for it would hold up the
        // node's shutdown; its thread is a background thread that ends with the process, and its result goes nowhere.
        _stopping.Cancel();
    }

    private void OnEvaluate(EvaluateCheckpoint request)
    {
        if (!_settings.Enabled && request.ReplyTo is null)
        {
            return;
        }

        if (!_waiting.TryGetValue(request.Id, out var waiting))
        {
            _order.Enqueue(request.Id);
        }
        else if (request.ReplyTo is null && (waiting.ReplyTo is not null || waiting.Round > request.Round))
        {
            // A newer checkpoint replaces an older waiting one; one that a sweep waits for is never replaced by one that
            // nobody waits for, and always replaces one that nobody waits for.
            return;
        }

        _waiting[request.Id] = request;
        StartNext();
    }

    private void StartNext()
    {
        if (_running is not null || _order.Count == 0)
        {
            return;
        }

        var id = _order.Dequeue();
        _waiting.Remove(id, out var request);
        _running = request!;
        var settings = _settings;
        var store = _store;
        var token = _stopping.Token;
        var folderOf = _folderOf;
        Task.Run(async () =>
        {
            try
            {
                var blob = await store.LoadAsync(request!.Id, request.Round, CheckpointRoles.Generator).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"the generator half of round {request.Round} is not in the checkpoint store (pruned?)");
                token.ThrowIfCancellationRequested();
                var spec = SpecJson.Parse(request.SpecJson);
                // A family whose figure reads D (ssgan, infogan) gets its discriminator half too, so the cluster's
                // evaluation.json carries the same figure as a local run's.
                var discriminator = Evaluation.HasDiscriminatorFigure(spec)
                    ? await store.LoadAsync(request.Id, request.Round, CheckpointRoles.Discriminator).ConfigureAwait(false)
                    : null;
                token.ThrowIfCancellationRequested();
                // A dedicated (long-running) thread per evaluation: never the mailbox, a pool thread or a worker's torch thread.
                var result = await Task.Factory.StartNew(() =>
                {
                    // A coordinator-only node has not touched TorchSharp before: fail with the fix-it message, not a type initializer's.
                    Training.Runtime.TorchRuntime.EnsureLoaded();
                    if (settings.TorchThreads > 0)
                    {
                        TorchSharp.torch.set_num_threads(settings.TorchThreads);
                    }

                    return Evaluation.Checkpoint(spec, new HalfState(blob.Data), request.Round, settings.Samples,
                        discriminatorState: discriminator is null ? null : new HalfState(discriminator.Data));
                }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
                if (folderOf(request.Id) is { } folder)
                {
                    EvaluationLog.Record(folder, result);
                }

                return new Evaluated(request, result, null);
            }
            catch (Exception e)
            {
                return new Evaluated(request!, null, e);
            }
        }).PipeTo(Self);
    }

    private void OnEvaluated(Evaluated done)
    {
        _running = null;
        var (id, round) = (done.Request.Id, done.Request.Round);
        if (done.Result is { } result)
        {
            if (!_latest.TryGetValue(id, out var previous) || (previous.Round ?? 0) <= round)
            {
                _latest[id] = result;
            }

            _log.Info("Experiment {0} round {1} evaluated: {2}", id, round, result.Headline);
        }
        else
        {
            _log.Warning("Experiment {0}: could not evaluate the checkpoint of round {1}: {2}", id, round, done.Error?.Message);
        }

        done.Request.ReplyTo?.Tell(new Figure(id, round, done.Result is { } r ? EvaluationLog.Serialize(r) : null, done.Error?.Message));

        StartNext();
    }

    private void OnGetQuality(GetQuality query)
    {
        var rows = _latest
            .Where(kv => query.Id is not { } one || kv.Key == one.Value)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new ExperimentQuality(new ExperimentId(kv.Key), kv.Value.Round ?? 0, kv.Value.Headline, EvaluationLog.Serialize(kv.Value)))
            .ToList();
        Sender.Tell(new QualityList(rows));
    }

    private static Dictionary<string, EvaluationResult> ReadLatest(string root)
    {
        var latest = new Dictionary<string, EvaluationResult>();
        if (!Directory.Exists(root))
        {
            return latest;
        }

        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var id = Path.GetFileName(folder);
            var file = Path.Combine(folder, EvaluationLog.LatestFileName);
            if (!ExperimentId.IsValid(id) || !File.Exists(file))
            {
                continue;
            }

            try
            {
                latest[id] = EvaluationLog.Deserialize(File.ReadAllText(file));
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidDataException)
            {
                // An unreadable file only loses the figure until the next checkpoint.
            }
        }

        return latest;
    }
}
