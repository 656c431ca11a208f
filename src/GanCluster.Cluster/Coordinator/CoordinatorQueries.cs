using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// A stored blob a query is answered from. The rules (which round, whether it is listed) are decided by
/// <see cref="CoordinatorQueries"/>; <see cref="CheckpointDownloads"/> only loads and replies.
/// </summary>
public abstract record Download
{
    /// <summary>The sample grid of <paramref name="Round"/>: <see cref="SamplesReply"/>, or <see cref="NoSamplesYet"/> if it cannot be read.</summary>
    public sealed record Samples(ExperimentId Id, int Round) : Download;

    /// <summary>The generator half of <paramref name="Round"/> described: <see cref="LatestCheckpoint"/>, or <see cref="NoCheckpointYet"/>.</summary>
    public sealed record Latest(ExperimentId Id, int Round, string SpecJson) : Download;

    /// <summary>Both halves of a journaled <paramref name="Round"/> described: <see cref="StoredCheckpoint"/>, or <see cref="CheckpointRoundUnavailable"/>.</summary>
    public sealed record Stored(ExperimentId Id, int Round, IReadOnlyList<int> Rounds, string SpecJson) : Download;

    /// <summary>A part of one half (<see cref="CheckpointRoles"/>): <see cref="CheckpointPart"/>, or <see cref="NoCheckpointYet"/> when the round is gone.</summary>
    public sealed record Part(ExperimentId Id, int Round, string Role, long Offset, int Length) : Download;
}

/// <summary>A logs request for a known experiment, with the nodes that served its last run (reported when they are gone).</summary>
public sealed record LogRequest(GetExperimentLogs Request, IReadOnlyList<(string Role, string Address)> Served);

/// <summary>
/// The coordinator's answers to client queries, pure: <c>Answer(state, pending, query) -&gt; reply</c>, where the reply is
/// either the message to send or a <see cref="Download"/> the store answers. <c>pending</c> gives a running experiment's
/// accepted rounds not journaled yet, so a status always shows every accepted round.
/// </summary>
public static class CoordinatorQueries
{
    /// <summary>Whether the coordinator answers <paramref name="message"/> with <see cref="Answer"/>.</summary>
    public static bool IsQuery(object message) =>
        message is ListExperiments or GetExperimentStatus or GetSamples or GetLatestCheckpoint or GetStoredCheckpoint or GetCheckpointPart or GetCheckpointHalfPart or GetExperimentLogs or GetSweepStatus or GetSweepLineage or GetSweepReplay or GetSweepCurves;

    /// <param name="deviceOf">What a worker node computes on, by node address, as it reported when it registered (null: unknown).</param>
    public static object Answer(CoordinatorState state, Func<string, IReadOnlyList<RoundMetrics>> pending, object query, Func<string, string?>? deviceOf = null) => query switch
    {
        ListExperiments => new ExperimentList(state.Experiments.Values.OrderBy(e => e.Sequence).Select(r => Summarize(r, pending(r.Id), deviceOf)).ToList()),
        GetExperimentStatus m => Known(state, m.Id, r => new ExperimentStatusReply(Summarize(r, pending(r.Id), deviceOf), History(r, pending(r.Id)).TakeLast(20).ToList())),
        GetSamples m => Known(state, m.Id, r => r.LatestSampleRound is { } round ? new Download.Samples(m.Id, round) : new NoSamplesYet(m.Id)),
        GetLatestCheckpoint m => Known(state, m.Id, r => r.LastCheckpointRound is { } round ? new Download.Latest(m.Id, round, r.SpecJson) : new NoCheckpointYet(m.Id)),
        GetStoredCheckpoint m => Known(state, m.Id, r => Stored(m, r)),
        GetCheckpointPart m => new Download.Part(m.Id, m.Round, CheckpointRoles.Generator, m.Offset, m.Length),
        GetCheckpointHalfPart m => new Download.Part(m.Id, m.Round, m.Role == WorkerRole.Generator ? CheckpointRoles.Generator : CheckpointRoles.Discriminator, m.Offset, m.Length),
        GetExperimentLogs m => Known(state, m.Id, r => new LogRequest(m, Served(r))),
        GetSweepStatus m => Sweeps.SweepDecisions.Status(state, pending, m.Id),
        GetSweepLineage m => Sweeps.PbtDecisions.Lineage(state, m.Id),
        GetSweepReplay m => Sweeps.PbtReplay.Build(state, m.Id, m.Member),
        GetSweepCurves m => Sweeps.SweepDecisions.Curves(state, pending, m.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(query), query.GetType().Name, "not a coordinator query"),
    };

    /// <summary>An experiment as clients see it; <paramref name="pending"/> are its accepted rounds not journaled yet.</summary>
    public static ExperimentSummary Summarize(ExperimentRecord record, IReadOnlyList<RoundMetrics> pending, Func<string, string?>? deviceOf = null)
    {
        var history = History(record, pending);
        var last = history.Count > 0 ? history[^1] : null;
        var recent = history.TakeLast(20).ToList();
        double? speed = recent.Count > 0 ? 1000.0 / Math.Max(recent.Average(m => m.RoundMs), 1e-9) : null;
        return new ExperimentSummary(new ExperimentId(record.Id), record.Name, record.State, last?.Round ?? record.RoundsDone, record.RoundsTotal, record.Reason,
            last?.DLoss, last?.GLoss, last?.DReal, last?.DFake, speed, record.SubmittedAt, record.GeneratorNode, record.DiscriminatorNode, record.LastCheckpointRound, record.Priority,
            record.GeneratorNode is { } g ? deviceOf?.Invoke(g) : null, record.DiscriminatorNode is { } d ? deviceOf?.Invoke(d) : null);
    }

    public static IReadOnlyList<RoundMetrics> History(ExperimentRecord record, IReadOnlyList<RoundMetrics> pending) =>
        pending.Count == 0 ? record.History : [.. record.History, .. pending];

    /// <summary>The asked (or newest) journaled checkpoint; none journaled: not yet; a round not journaled: unavailable.</summary>
    private static object Stored(GetStoredCheckpoint request, ExperimentRecord record)
    {
        var rounds = record.Checkpoints.Select(c => c.Round).ToList();
        if (rounds.Count == 0)
        {
            return new NoCheckpointYet(request.Id);
        }

        var round = request.Round ?? rounds[^1];
        return rounds.Contains(round) ? new Download.Stored(request.Id, round, rounds, record.SpecJson) : new CheckpointRoundUnavailable(request.Id, round, rounds);
    }

    private static IReadOnlyList<(string Role, string Address)> Served(ExperimentRecord record) =>
        new[] { ("generator", record.GeneratorNode), ("discriminator", record.DiscriminatorNode) }
            .Where(s => s.Item2 is not null).Select(s => (s.Item1, s.Item2!)).ToList();

    private static object Known(CoordinatorState state, ExperimentId id, Func<ExperimentRecord, object> answer) =>
        state.Find(id.Value) is { } record ? answer(record) : new UnknownExperiment(id);
}
