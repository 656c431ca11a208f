using System.Globalization;
using GanCluster.Protocol;
using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Loop;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator;

/// <summary>A command the coordinator decides on; pure data, no actors.</summary>
public abstract record CoordinatorCommand
{
    /// <summary>A client submits a spec; <paramref name="NewId"/> and <paramref name="At"/> come from outside so the decision stays pure.</summary>
    public sealed record Submit(string SpecJson, int Priority, string NewId, DateTimeOffset At, string? Key = null) : CoordinatorCommand;

    public sealed record Cancel(string Id, string? Key = null) : CoordinatorCommand;

    /// <summary>A client submits a sweep (see <see cref="Sweeps.SweepDecisions"/>); <paramref name="NewId"/> is the sweep's id.</summary>
    public sealed record SubmitSweep(string BaseSpecJson, string SpaceJson, string Metric, string Mode, string Algorithm, int Seeds, int? Budget, int Eta, int Priority,
        string NewId, DateTimeOffset At, string? Key = null, PbtOptions? Pbt = null, int? GracePeriod = null) : CoordinatorCommand;

    /// <summary>A client cancels every unfinished child of a sweep.</summary>
    public sealed record CancelSweep(string SweepId) : CoordinatorCommand;

    /// <summary>A client queues again every child of a sweep that was cancelled before it completed.</summary>
    public sealed record ResumeSweep(string SweepId) : CoordinatorCommand;

    public sealed record Resume(string Id, double? GeneratorLearningRate, double? DiscriminatorLearningRate, int? Rounds, string? Key = null) : CoordinatorCommand;

    /// <summary>A worker serving a running experiment left the cluster.</summary>
    public sealed record WorkerLeft(string Id, WorkerRole Role, string Node) : CoordinatorCommand;

    /// <summary>A worker reported that it cannot go on.</summary>
    public sealed record WorkerFailed(string Id, WorkerRole Role, int Round, string Reason, bool Diverged) : CoordinatorCommand;

    /// <summary>A round came back with a non-finite loss.</summary>
    public sealed record RoundDiverged(string Id, RoundMetrics Metrics) : CoordinatorCommand;

    /// <summary>A pair was found and the checkpoint to continue from loaded (<paramref name="Copied"/>: copied from another experiment, a PBT exploit).</summary>
    public sealed record RunStarted(string Id, string GeneratorNode, string DiscriminatorNode, int NextRound, CheckpointSource? Copied = null) : CoordinatorCommand;

    /// <summary>Both halves of a checkpoint are in the store; <paramref name="Continues"/> when the run that asked for it goes on from it.</summary>
    public sealed record CheckpointSaved(string Id, int Round, string GeneratorSha256, string DiscriminatorSha256, bool Continues, int Retention) : CoordinatorCommand;

    /// <summary>
    /// The coordinator's evaluation of a checkpoint that a sweep child waits for (<see cref="SweepFigureAwaited"/>): the
    /// sweep's metric read from it (<paramref name="Value"/>, null when missing or not finite), or why it failed.
    /// </summary>
    public sealed record CheckpointEvaluated(string Id, int Round, double? Value, string? Error) : CoordinatorCommand;

    /// <summary>The checkpoint store failed a run's read or write.</summary>
    public sealed record StoreFailed(string Id, string Operation, string Message) : CoordinatorCommand;
}

/// <summary>What the coordinator answers (null: nothing) and the events it journals, in order.</summary>
public sealed record Decision(object? Reply, IReadOnlyList<ICoordinatorEvent> Events)
{
    public static Decision Nothing { get; } = new(null, []);

    public static Decision Answer(object reply) => new(reply, []);
}

/// <summary>
/// The coordinator's rules, pure: <c>Decide(state, command) -&gt; (reply, events)</c>. The actor persists the events,
/// applies them with <see cref="CoordinatorState.Apply"/>, then replies; it never decides anything itself.
/// </summary>
public static class CoordinatorDecisions
{
    public static Decision Decide(CoordinatorState state, CoordinatorCommand command) =>
        Sweeps.PbtDecisions.Complete(state, DecideCommand(state, command));

    private static Decision DecideCommand(CoordinatorState state, CoordinatorCommand command) => command switch
    {
        CoordinatorCommand.Submit c => Keyed(state, c.Key, "submit", $"{c.Priority}\n{c.SpecJson}", () => Submit(c)),
        CoordinatorCommand.Cancel c => Keyed(state, c.Key, "cancel", c.Id, () => state.Find(c.Id) switch
        {
            null => Decision.Answer(new UnknownExperiment(new ExperimentId(c.Id))),
            { IsFinished: true } record => Decision.Answer(new CancelAccepted(new ExperimentId(c.Id), record.State)),
            _ => new(new CancelAccepted(new ExperimentId(c.Id)), [new ExperimentCancelled(c.Id)]),
        }),
        CoordinatorCommand.SubmitSweep c => Keyed(state, c.Key, "sweep",
            string.Create(CultureInfo.InvariantCulture, $"{c.Priority}\n{c.Metric}\n{c.Mode}\n{c.Algorithm}\n{c.Seeds}\n{c.Budget}\n{c.Eta}\n{c.BaseSpecJson}\n{c.SpaceJson}{(c.Pbt is { } p ? $"\n{p}" : string.Empty)}{(c.GracePeriod is { } g ? $"\ngrace {g}" : string.Empty)}"),
            () => Sweeps.SweepDecisions.Submit(c)),
        CoordinatorCommand.CancelSweep c => Sweeps.SweepDecisions.Cancel(state, c.SweepId),
        CoordinatorCommand.ResumeSweep c => Sweeps.SweepDecisions.Resume(state, c.SweepId),
        CoordinatorCommand.Resume c => Keyed(state, c.Key, "resume",
            string.Create(CultureInfo.InvariantCulture, $"{c.Id}\n{c.GeneratorLearningRate:R}\n{c.DiscriminatorLearningRate:R}\n{c.Rounds}"), () => Resume(state, c)),
        CoordinatorCommand.WorkerLeft c => IsRunning(state, c.Id)
            ? new(null, [new ExperimentPaused(c.Id, $"the {c.Role.ToString().ToLowerInvariant()} node {c.Node} left; resumes from the last checkpoint when a node of that role joins")])
            : Decision.Nothing,
        CoordinatorCommand.WorkerFailed c => new(null, [new ExperimentFailed(c.Id, $"{c.Role} at round {c.Round}: {c.Reason}", c.Diverged)]),
        CoordinatorCommand.RoundDiverged c => new(null, [new ExperimentFailed(c.Id, DivergedReason(state, c), Diverged: true)]),
        // Only a waiting experiment starts a run: a second start of a running one (or a start after a cancel) is dropped.
        CoordinatorCommand.RunStarted c when state.Find(c.Id) is not { IsRunnable: true } => Decision.Nothing,
        CoordinatorCommand.RunStarted { Copied: { } copied } c when state.Find(c.Id)!.ExploitFrom == copied => new(null,
        [
            new CheckpointCopied(c.Id, copied.Round, copied.Id, copied.GeneratorSha256, copied.DiscriminatorSha256),
            new ExperimentAssigned(c.Id, c.GeneratorNode, c.DiscriminatorNode, c.NextRound),
        ]),
        CoordinatorCommand.RunStarted c => new(null, [new ExperimentAssigned(c.Id, c.GeneratorNode, c.DiscriminatorNode, c.NextRound)]),
        CoordinatorCommand.CheckpointSaved c => CheckpointSaved(state, c),
        CoordinatorCommand.StoreFailed c => new(null, [new ExperimentPaused(c.Id, $"could not {c.Operation}: {c.Message}")]),
        CoordinatorCommand.CheckpointEvaluated c => new(null, Sweeps.SweepDecisions.FigureArrived(state, c)),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown coordinator command"),
    };

    /// <summary>The experiment whose run an event ends (its workers are freed and told to stop), or null.</summary>
    public static string? EndsRun(ICoordinatorEvent e) => e switch
    {
        ExperimentCancelled x => x.Id,
        ExperimentCompleted x => x.Id,
        ExperimentFailed x => x.Id,
        ExperimentPaused x => x.Id,
        ExperimentStoppedEarly x => x.Id,
        PbtMemberReady x => x.Id,
        SweepFigureAwaited x => x.Id,
        _ => null,
    };

    /// <summary>The queue, as experiment ids: what the worker pool pairs, in order.</summary>
    public static IEnumerable<string> Queue(CoordinatorState state) => state.Runnable().Select(e => e.Id);

    /// <summary>Whether a sender's wire settings are ours; otherwise the sentence that says what differs.</summary>
    public static string? WireMismatch(WireSettings ours, WireSettings theirs) =>
        theirs == ours
            ? null
            : $"wire settings differ: this coordinator uses protocol {ours.ProtocolVersion} with maximum-frame-size {ours.MaximumFrameSize} bytes; "
              + $"the sender uses protocol {theirs.ProtocolVersion} with {theirs.MaximumFrameSize} bytes. Use the same GanCluster version and cluster-config everywhere.";

    /// <summary>
    /// Idempotency: a request with a key seen before gets the first answer again and changes nothing (the same key with
    /// other contents is refused); a new key is recorded with the events of the request, when it is carried out.
    /// </summary>
    private static Decision Keyed(CoordinatorState state, string? key, string request, string contents, Func<Decision> decide)
    {
        if (key is null)
        {
            return decide();
        }

        if (RequestKey.Problem(key) is { } problem)
        {
            return Decision.Answer(new ExperimentRejected("key", problem));
        }

        var fingerprint = Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes($"{request}\n{contents}"));
        if (state.Keys.TryGetValue(key, out var seen))
        {
            return seen.Fingerprint == fingerprint
                ? Decision.Answer(seen.Request switch
                {
                    "cancel" => new CancelAccepted(new ExperimentId(seen.Id)),
                    "sweep" => new SweepAccepted(new SweepId(seen.Id), state.FindSweep(seen.Id)?.Children.Select(c => new ExperimentId(c.Id)).ToList() ?? []),
                    // A LAPGAN pyramid's submit was answered as the parent of its levels.
                    "submit" when state.FindSweep(seen.Id) is { } pyramid => new SweepAccepted(new SweepId(seen.Id), pyramid.Children.Select(c => new ExperimentId(c.Id)).ToList()),
                    _ => new ExperimentAccepted(new ExperimentId(seen.Id)),
                })
                : Decision.Answer(new ExperimentRejected("key", $"the key '{key}' was already used to {seen.Request} experiment {seen.Id} with other contents; a new request needs a new key (or none)"));
        }

        var decision = decide();
        var id = decision.Reply switch
        {
            ExperimentAccepted a => a.Id.Value,
            CancelAccepted a => a.Id.Value,
            SweepAccepted a => a.Id.Value,
            _ => null,
        };
        return id is null ? decision : decision with { Events = [.. decision.Events, new RequestKeyRecorded(key, request, id, fingerprint)] };
    }

    private static Decision Submit(CoordinatorCommand.Submit c)
    {
        ExperimentSpec spec;
        try
        {
            // Validated again on arrival: a client of another version may not know every rule.
            spec = SpecJson.Parse(c.SpecJson);
        }
        catch (SpecValidationException e)
        {
            return Decision.Answer(new ExperimentRejected(e.Errors[0].Field, string.Join("; ", e.Errors.Select(x => x.ToString()))));
        }

        if (LapganFamily.IsPyramid(spec))
        {
            // A whole LAPGAN pyramid is one experiment of several pairs: a parent with a queued child per level.
            var submitted = Sweeps.LapganLevels.Expand(spec, c.Priority, Sweeps.LapganLevels.ParentId(c.NewId), c.At);
            return new(new SweepAccepted(new SweepId(submitted.Id), submitted.Children.Select(x => new ExperimentId(x.Id)).ToList()), [submitted]);
        }

        return new(new ExperimentAccepted(new ExperimentId(c.NewId)),
            [new ExperimentSubmitted(c.NewId, SpecJson.Serialize(spec, indented: false), spec.Name, c.Priority, spec.Rounds, c.At)]);
    }

    private static Decision Resume(CoordinatorState state, CoordinatorCommand.Resume c)
    {
        if (state.Find(c.Id) is not { } record)
        {
            return Decision.Answer(new UnknownExperiment(new ExperimentId(c.Id)));
        }

        if (record.DamagedAt is { } damaged)
        {
            return Decision.Answer(new ExperimentRejected("id", $"the journal entry {damaged} of this experiment cannot be read, so its state is unknown; submit its experiment file again (its stored checkpoints are kept)"));
        }

        var spec = SpecJson.Parse(record.SpecJson);
        spec = spec with
        {
            Rounds = c.Rounds ?? spec.Rounds,
            GeneratorOptimizer = spec.GeneratorOptimizer with { LearningRate = c.GeneratorLearningRate ?? spec.GeneratorOptimizer.LearningRate },
            DiscriminatorOptimizer = spec.DiscriminatorOptimizer with { LearningRate = c.DiscriminatorLearningRate ?? spec.DiscriminatorOptimizer.LearningRate },
        };
        var problem = record.State switch
        {
            ExperimentState.Queued or ExperimentState.Running => ("state", $"the experiment is {record.State.ToString().ToLowerInvariant()}; only a diverged, failed, cancelled, paused or completed one can be resumed"),
            // Completion is decided at a checkpoint, so a completed experiment's last checkpoint is where it ended: its
            // total, or earlier when a sweep's searcher stopped it (which resumes to its total without --rounds).
            ExperimentState.Completed when spec.Rounds <= (record.LastCheckpointRound ?? record.RoundsTotal) =>
                ("rounds", $"the experiment completed its {record.LastCheckpointRound ?? record.RoundsTotal} rounds; give more rounds to continue it"),
            _ => SpecValidator.Validate(spec).FirstOrDefault() is { } error ? (error.Field, error.Message) : default((string, string)?),
        };
        return problem is { } p
            ? Decision.Answer(new ExperimentRejected(p.Item1, p.Item2))
            : new(new ExperimentAccepted(new ExperimentId(c.Id)), [new ExperimentResumed(c.Id, SpecJson.Serialize(spec, indented: false), spec.Rounds)]);
    }

    private static Decision CheckpointSaved(CoordinatorState state, CoordinatorCommand.CheckpointSaved c)
    {
        if (state.Find(c.Id) is null)
        {
            return Decision.Nothing;
        }

        // The checkpoint is valid either way, but only the run that asked for it may complete from it: a save that
        // finishes after its run was paused and reassigned must not complete the new run.
        var stored = new CheckpointStored(c.Id, c.Round, c.GeneratorSha256, c.DiscriminatorSha256);
        var record = state.Apply(stored).Find(c.Id)!;
        var events = new List<ICoordinatorEvent> { stored };
        // A PBT exploit that has not copied its source's checkpoint yet keeps it from being pruned.
        var pinned = Sweeps.PbtDecisions.Pinned(state, c.Id);
        if (CoordinatorState.Prunable(record, c.Retention).Where(r => !pinned.Contains(r)).ToList() is { Count: > 0 } prunable)
        {
            events.Add(new CheckpointsPruned(c.Id, prunable));
        }

        if (c.Continues && c.Round >= record.RoundsTotal)
        {
            events.Add(new ExperimentCompleted(c.Id));
        }
        else
        {
            // A sweep's searcher may end the child here (ASHA at a rung); its pair then takes the next queued experiment.
            events.AddRange(Sweeps.SweepDecisions.AtCheckpoint(state.Apply(stored), c.Id, c.Round, c.Continues));
        }

        return new(null, events);
    }

    private static string DivergedReason(CoordinatorState state, CoordinatorCommand.RoundDiverged c)
    {
        var record = state.Find(c.Id);
        var last = record?.LastCheckpointRound;
        // A pair runs past a checkpoint round only once both halves of that checkpoint are in hand, so a scheduled
        // checkpoint newer than the journaled one is being stored as the divergence arrives: name it rather than "none".
        var scheduled = record is null || record.SpecJson.Length == 0 ? null : CheckpointSchedule.For(SpecJson.Parse(record.SpecJson)).LastCheckpointBefore(c.Metrics.Round);
        var checkpoint = scheduled is { } s && s > (last ?? 0)
            ? $"round {s} (still being stored when the divergence arrived; 'gancluster status {c.Id}' shows it once stored)"
            : $"round {last?.ToString(CultureInfo.InvariantCulture) ?? "none"}";
        return $"diverged at round {c.Metrics.Round} (loss/d {c.Metrics.DLoss}, loss/g {c.Metrics.GLoss}); the last good checkpoint is {checkpoint}: "
               + $"continue from there with 'gancluster resume {c.Id} --generator-lr <lower> --discriminator-lr <lower>'";
    }

    private static bool IsRunning(CoordinatorState state, string id) => state.Find(id) is { IsFinished: false };
}
