using System.Globalization;
using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>
/// The coordinator's sweep rules, pure (called by <see cref="CoordinatorDecisions"/> and <see cref="CoordinatorQueries"/>):
/// a sweep is expanded and journaled as one <see cref="SweepSubmitted"/>; its children then run as ordinary experiments;
/// at an ASHA rung checkpoint the child's round metric is journaled (<see cref="RungReached"/>) and
/// <see cref="Asha.Judge"/> may end it (<see cref="ExperimentStoppedEarly"/>), which frees its pair for the next queued child.
/// When the metric is a figure of the checkpoint's evaluation rather than a round metric, the child waits paused at the
/// rung (<see cref="SweepFigureAwaited"/>) until the coordinator's evaluation of that checkpoint is in (<see cref="FigureArrived"/>).
/// </summary>
public static class SweepDecisions
{
    /// <summary>Rounds averaged for a round metric (status and rungs): a single round's loss is too noisy to rank by.</summary>
    public const int MetricWindow = 10;

    /// <summary>
    /// Whether a sweep metric is a round metric (a name with a slash: loss/g, d/real, a named term), averaged over the last
    /// rounds; otherwise it is a path into a checkpoint's evaluation.json (modes.highQualityFraction, parzen.meanLogLikelihood).
    /// </summary>
    public static bool IsRoundMetric(string metric) => metric.Contains('/');

    /// <summary>Parses the wire's options; throws <see cref="SweepSpaceException"/> naming the option.</summary>
    public static SweepOptions Options(string metric, string mode, string algorithm, int seeds, int? budget, int eta, PbtOptions? pbt = null, int? gracePeriod = null) => new(
        metric.Trim(),
        Enum.TryParse<SweepMode>(mode, ignoreCase: true, out var m) && !int.TryParse(mode, out _) ? m : throw new SweepSpaceException("--mode", $"'{mode}' is not a mode; use max or min"),
        Enum.TryParse<SweepAlgorithm>(algorithm, ignoreCase: true, out var a) && !int.TryParse(algorithm, out _)
            ? a : throw new SweepSpaceException("--algorithm", $"'{algorithm}' is not a sweep algorithm; use grid, random, asha or pbt"),
        seeds,
        budget,
        eta,
        pbt,
        gracePeriod);

    /// <summary>A client's sweep: rejected naming the field, or accepted with one event that queues every child.</summary>
    public static Decision Submit(CoordinatorCommand.SubmitSweep c)
    {
        SweepSubmitted submitted;
        try
        {
            if (c.Pbt is not null && !string.Equals(c.Algorithm.Trim(), "pbt", StringComparison.OrdinalIgnoreCase))
            {
                throw new SweepSpaceException("--algorithm", "PBT's options (--population, --ready, --quantile, --perturb, --resample) need --algorithm pbt");
            }

            var options = Options(c.Metric, c.Mode, c.Algorithm, c.Seeds, c.Budget, c.Eta, c.Pbt, c.GracePeriod);
            submitted = Expand(c.BaseSpecJson, c.SpaceJson, options, c.Priority, c.NewId, c.At);
        }
        catch (SweepSpaceException e)
        {
            return Decision.Answer(new ExperimentRejected(e.Field, e.Message));
        }

        return new(new SweepAccepted(new SweepId(c.NewId), submitted.Children.Select(x => new ExperimentId(x.Id)).ToList()), [submitted]);
    }

    /// <summary>The event a sweep is journaled as (the CLI runs it too, to reject bad input before sending). Throws <see cref="SweepSpaceException"/>.</summary>
    public static SweepSubmitted Expand(string baseSpecJson, string spaceJson, SweepOptions options, int priority, string sweepId, DateTimeOffset at)
    {
        ExperimentSpec baseSpec;
        try
        {
            baseSpec = SpecJson.Parse(baseSpecJson);
        }
        catch (SpecValidationException e)
        {
            throw new SweepSpaceException($"base.{e.Errors[0].Field}", e.Errors[0].Message);
        }

        var space = SearchSpace.Parse(spaceJson);
        var plan = SweepPlan.Expand(baseSpec, space, options);
        var id = new SweepId(sweepId);
        var children = plan.Select((p, i) => new SweepChild(id.Child(i + 1).Value, SpecJson.Serialize(p.Spec, indented: false), p.Spec.Name, p.Spec.Rounds, p.Config, p.SeedIndex, p.Overrides)).ToList();
        var rungs = options.Algorithm == SweepAlgorithm.Asha ? SweepPlan.Rungs(baseSpec, options.Eta, options.GracePeriod) : [];
        if (options.Algorithm == SweepAlgorithm.Pbt && plan.Count < 2)
        {
            throw new SweepSpaceException("--population", $"PBT needs at least 2 members to exploit one another; the space gives {plan.Count}: give --population N or more values");
        }

        var pbt = options.Algorithm == SweepAlgorithm.Pbt && (options.Pbt ?? SweepOptions.DefaultPbt(baseSpec.CheckpointInterval)) is { } p
            ? new PbtSettings(p.Ready, p.Quantile, p.PerturbDown, p.PerturbUp, p.ResampleProbability, space.Seed, spaceJson)
            : null;
        return new SweepSubmitted(sweepId, baseSpec.Name, options.Metric, options.Mode.ToString().ToLowerInvariant(), options.Algorithm.ToString().ToLowerInvariant(),
            options.Eta, rungs, priority, children, at, pbt);
    }

    /// <summary>Cancels every child that has not ended.</summary>
    public static Decision Cancel(CoordinatorState state, string sweepId)
    {
        if (state.FindSweep(sweepId) is not { } sweep)
        {
            return Decision.Answer(new UnknownSweep(new SweepId(sweepId)));
        }

        var events = sweep.Children.Where(c => state.Find(c.Id) is { IsFinished: false }).Select(c => (ICoordinatorEvent)new ExperimentCancelled(c.Id)).ToList();
        return new(new SweepCancelAccepted(new SweepId(sweepId), events.Count), events);
    }

    /// <summary>
    /// Queues again every child that was cancelled before it completed (its total rounds not reached): it continues from its
    /// last checkpoint, with the spec it had. Children that completed, failed or still run are left as they are.
    /// </summary>
    public static Decision Resume(CoordinatorState state, string sweepId)
    {
        if (state.FindSweep(sweepId) is not { } sweep)
        {
            return Decision.Answer(new UnknownSweep(new SweepId(sweepId)));
        }

        var events = sweep.Children.Select(c => state.Find(c.Id))
            .Where(r => r is { State: ExperimentState.Cancelled, DamagedAt: null } && (r.LastCheckpointRound ?? 0) < r.RoundsTotal)
            .Select(r => (ICoordinatorEvent)new ExperimentResumed(r!.Id, r.SpecJson, r.RoundsTotal))
            .ToList();
        return new(new SweepResumeAccepted(new SweepId(sweepId), events.Count), events);
    }

    /// <summary>
    /// What a stored checkpoint means to the child's sweep, given the state after the checkpoint was applied: at an ASHA
    /// rung that the run goes on from, the child's metric is journaled, and the child is stopped when it ranks in the bottom part.
    /// </summary>
    public static IReadOnlyList<ICoordinatorEvent> AtCheckpoint(CoordinatorState state, string id, int round, bool continues)
    {
        if (continues && state.Find(id) is { SweepId: { } pbtSweep, IsFinished: false } member && state.FindSweep(pbtSweep) is { Algorithm: SweepAlgorithm.Pbt } population)
        {
            return PbtDecisions.AtCheckpoint(state, member, population, round);
        }

        if (!continues || state.Find(id) is not { SweepId: { } sweepId, IsFinished: false } record || state.FindSweep(sweepId) is not { Algorithm: SweepAlgorithm.Asha } sweep)
        {
            return [];
        }

        var rung = RungOf(sweep, round);
        if (rung == 0 || round >= record.RoundsTotal || sweep.Reports.Any(r => r.Child == id && r.Rung == rung))
        {
            return [];
        }

        if (!IsRoundMetric(sweep.Metric))
        {
            return [new SweepFigureAwaited(id, sweepId, round)];
        }

        return RoundMetric(record.History, sweep.Metric, round) is { } value ? Judge(sweep, id, rung, round, value, null) : [];
    }

    /// <summary>
    /// The evaluation a paused sweep child waited for is in: at an ASHA rung, its report and perhaps its stop (a failed
    /// evaluation reports NaN, which ranks last); at a PBT ready round, its <see cref="PbtMemberReady"/> (null: no metric,
    /// ranked last), after which the generation is decided once every living member is ready. Nothing when the child no
    /// longer waits for this round (cancelled, resumed, or a repeated evaluation).
    /// </summary>
    public static IReadOnlyList<ICoordinatorEvent> FigureArrived(CoordinatorState state, CoordinatorCommand.CheckpointEvaluated c)
    {
        if (state.Find(c.Id) is not { IsFinished: false, SweepId: { } sweepId } record || record.WaitingForFigure != c.Round
            || state.FindSweep(sweepId) is not { } sweep)
        {
            return [];
        }

        if (sweep.Algorithm == SweepAlgorithm.Pbt && sweep.Pbt is { } pbt)
        {
            return [new PbtMemberReady(c.Id, sweepId, c.Round / pbt.Ready, c.Round, c.Value)];
        }

        var rung = RungOf(sweep, c.Round);
        return rung == 0 ? [] : Judge(sweep, c.Id, rung, c.Round, c.Value ?? double.NaN, c.Value is null ? c.Error ?? "no such figure in its evaluation" : null);
    }

    /// <summary>The 1-based ASHA rung whose checkpoint round is <paramref name="round"/>, or 0 off the rungs.</summary>
    private static int RungOf(SweepRecord sweep, int round) => sweep.Rungs.ToList().IndexOf(round) + 1;

    /// <summary>ASHA's report of a child at a rung, and its stop when it ranks in the bottom part.</summary>
    private static IReadOnlyList<ICoordinatorEvent> Judge(SweepRecord sweep, string id, int rung, int round, double value, string? missing)
    {
        var atRung = sweep.Reports.Where(r => r.Rung == rung).Append(new RungReport(id, rung, value)).ToList();
        var verdict = Asha.Judge(id, atRung, sweep.Mode, sweep.Eta);
        var reached = new RungReached(id, sweep.Id, rung, round, value);
        var figure = missing is null ? $"{sweep.Metric} {SweepPlan.Format(value)}" : $"{sweep.Metric} unknown ({missing})";
        return verdict.Stop
            ? [reached, new ExperimentStoppedEarly(id, string.Create(CultureInfo.InvariantCulture,
                $"stopped by ASHA at rung {rung} (round {round}): {figure} ranks {verdict.Rank} of {verdict.Reported}; the top {verdict.Kept} go on"))]
            : [reached];
    }

    /// <summary>
    /// The checkpoint rounds at which the sweep may decide about experiment <paramref name="id"/> (ASHA's rungs, PBT's
    /// ready rounds): its run waits there until the checkpoint is journaled instead of going on at once. False
    /// everywhere for an experiment outside a sweep and for grid and random children.
    /// </summary>
    public static Func<int, bool> DecidedAt(CoordinatorState state, string id)
    {
        var sweep = state.Find(id) is { SweepId: { } sweepId } ? state.FindSweep(sweepId) : null;
        return sweep switch
        {
            { Algorithm: SweepAlgorithm.Asha } => sweep.Rungs.ToHashSet().Contains,
            { Algorithm: SweepAlgorithm.Pbt, Pbt: { } pbt } => round => round % pbt.Ready == 0,
            _ => static _ => false,
        };
    }

    /// <summary>The sweep's children with their progress and, for a round metric, its value now.</summary>
    public static object Status(CoordinatorState state, Func<string, IReadOnlyList<RoundMetrics>> pending, SweepId id)
    {
        if (state.FindSweep(id.Value) is not { } sweep)
        {
            return new UnknownSweep(id);
        }

        var children = sweep.Children.Select(c =>
        {
            var record = state.Find(c.Id);
            var history = record is null ? [] : CoordinatorQueries.History(record, pending(c.Id));
            int? last = history.Count > 0 ? history[^1].Round : null;
            var metric = last is { } round ? RoundMetric(history, sweep.Metric, round) : null;
            return new SweepChildStatus(new ExperimentId(c.Id), record?.Name ?? c.Id, c.Config, c.SeedIndex, c.Overrides, record?.State ?? ExperimentState.Failed,
                record?.RoundsDone ?? 0, record?.RoundsTotal ?? 0, record?.Reason, metric, metric is null ? null : last);
        }).ToList();
        return new SweepStatusReply(id, sweep.Name, sweep.Metric, sweep.Mode.ToString().ToLowerInvariant(), sweep.Algorithm.ToString().ToLowerInvariant(), children);
    }

    /// <summary>
    /// Each child's round metric at every round the coordinator keeps (the last <see cref="CoordinatorState.HistoryKept"/>,
    /// plus accepted rounds not journaled yet), as <see cref="RoundMetric"/> computes it for the ranking: the mean over the
    /// last <see cref="MetricWindow"/> rounds. An evaluation figure has no per-round values: refused, naming the option.
    /// </summary>
    public static object Curves(CoordinatorState state, Func<string, IReadOnlyList<RoundMetrics>> pending, SweepId id)
    {
        if (state.FindSweep(id.Value) is not { } sweep)
        {
            return new UnknownSweep(id);
        }

        if (!IsRoundMetric(sweep.Metric))
        {
            return new ExperimentRejected("--plot", $"draws round metrics; this sweep ranks by the evaluation figure '{sweep.Metric}' (each child's evaluations.jsonl in its run folder has it by checkpoint)");
        }

        var curves = sweep.Children.Select(c =>
        {
            var record = state.Find(c.Id);
            var history = record is null ? [] : CoordinatorQueries.History(record, pending(c.Id));
            // The ranking's own computation at each round (a few hundred rounds per child: quadratic in the tail, cheap).
            var points = history.Select(m => (m.Round, Value: RoundMetric(history, sweep.Metric, m.Round))).Where(p => p.Value is not null).ToList();
            return new SweepCurve(new ExperimentId(c.Id), record?.Name ?? c.Id, points.Select(p => p.Round).ToList(), points.Select(p => p.Value!.Value).ToList());
        }).ToList();
        return new SweepCurvesReply(id, sweep.Metric, curves);
    }

    /// <summary>
    /// The mean of a named round metric over the last <see cref="MetricWindow"/> rounds up to <paramref name="round"/>, or null
    /// when no such round or name is known or the mean is not finite. The history is in round order without gaps or repeats
    /// (at most <see cref="CoordinatorState.HistoryKept"/> rounds), so only its tail is read: this runs for every child of a
    /// sweep at every status query and at every rung checkpoint.
    /// </summary>
    public static double? RoundMetric(IReadOnlyList<RoundMetrics> history, string name, int round)
    {
        var values = new List<double>(MetricWindow);
        for (var i = history.Count - 1; i >= 0 && history[i].Round > round - MetricWindow; i--)
        {
            if (history[i].Round <= round && RoundMetricsMapping.Metrics(history[i], null).TryGetValue(name, out var v))
            {
                values.Add(v);
            }
        }

        values.Reverse(); // the mean adds them oldest first, as before
        if (values.Count == 0)
        {
            return null;
        }

        var mean = values.Average();
        return double.IsFinite(mean) ? mean : null;
    }
}
