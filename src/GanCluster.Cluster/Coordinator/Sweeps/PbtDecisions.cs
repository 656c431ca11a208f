using GanCluster.Protocol;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>
/// The coordinator's PBT rules, pure (called by <see cref="CoordinatorDecisions"/> and <see cref="CoordinatorQueries"/>).
/// Generations are synchronous: a member that stores the checkpoint of a ready round (a multiple of the sweep's
/// <c>ready</c>) journals its metric (<see cref="PbtMemberReady"/>), which ends its run and frees its pair for the next
/// queued member; once every living member is ready at the generation, <see cref="Pbt.Decide"/> runs once and its
/// choices are journaled as one <see cref="PbtGenerationDecided"/>, which queues every member again (an exploiter's next run
/// copies its source's checkpoint: <see cref="CheckpointCopied"/>). Every step is an event, so a restarted coordinator
/// continues the generation where it was.
/// </summary>
public static class PbtDecisions
{
    /// <summary>At a stored checkpoint of a PBT member that the run goes on from: its report when the round is a ready round.</summary>
    public static IReadOnlyList<ICoordinatorEvent> AtCheckpoint(CoordinatorState state, ExperimentRecord record, SweepRecord sweep, int round)
    {
        if (sweep.Pbt is not { } pbt || round % pbt.Ready != 0 || round >= record.RoundsTotal)
        {
            return [];
        }

        var generation = round / pbt.Ready;
        if (sweep.PbtReports.Any(r => r.Id == record.Id && r.Generation == generation))
        {
            return [];
        }

        // An evaluation figure is not known yet: the member waits for it paused, then becomes ready (SweepDecisions.FigureArrived).
        return SweepDecisions.IsRoundMetric(sweep.Metric)
            ? [new PbtMemberReady(record.Id, sweep.Id, generation, round, SweepDecisions.RoundMetric(record.History, sweep.Metric, round))]
            : [new SweepFigureAwaited(record.Id, sweep.Id, round)];
    }

    /// <summary>
    /// After a decision's events: for each PBT sweep they touch, the generation decision when every living member is now
    /// ready (appended to the events). A member that ended (cancelled, failed) is not waited for.
    /// </summary>
    public static Decision Complete(CoordinatorState state, Decision decision)
    {
        var sweeps = decision.Events.Select(e => e switch
        {
            PbtMemberReady r => r.Sweep,
            SweepFigureAwaited r => r.Sweep,
            ExperimentCancelled or ExperimentFailed or ExperimentResumed or ExperimentCompleted or ExperimentStoppedEarly => state.Find(IdOf(e))?.SweepId,
            _ => null,
        }).OfType<string>().Distinct().Where(id => state.FindSweep(id)?.Pbt is not null).ToList();
        if (sweeps.Count == 0)
        {
            return decision;
        }

        var after = decision.Events.Aggregate(state, (s, e) => s.Apply(e));
        var added = sweeps.Select(id => Generation(after, after.FindSweep(id)!)).OfType<PbtGenerationDecided>().ToList();
        return added.Count == 0 ? decision : decision with { Events = [.. decision.Events, .. added] };
    }

    /// <summary>The decision of the sweep's next generation, or null while a living member is not ready at it.</summary>
    public static PbtGenerationDecided? Generation(CoordinatorState state, SweepRecord sweep)
    {
        var pbt = sweep.Pbt!;
        var generation = (sweep.Generations.Count == 0 ? 0 : sweep.Generations[^1].Generation) + 1;
        var living = sweep.Children.Select(c => state.Find(c.Id)).OfType<ExperimentRecord>().Where(r => !r.IsFinished).ToList();
        var reports = sweep.PbtReports.Where(r => r.Generation == generation).GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Last());
        if (living.Count == 0 || living.Any(r => !reports.ContainsKey(r.Id) || r.WaitingForGeneration != generation))
        {
            return null;
        }

        var space = SearchSpace.Parse(pbt.SpaceJson);
        var round = generation * pbt.Ready;
        var members = living.Select(r => new PbtMember(r.Id, reports[r.Id].Value, Pbt.Read(r.SpecJson, space))).ToList();
        var steps = Pbt.Decide(members, sweep.Mode, pbt, space, generation).Select(choice =>
        {
            var record = state.Find(choice.Member)!;
            var sourceRecord = choice.Source is { } s ? state.Find(s)! : null;
            var source = sourceRecord?.Checkpoints.FirstOrDefault(c => c.Round == round);
            var value = reports[choice.Member].Value;
            var hyperparameters = Pbt.Describe(choice.Hyperparameters);
            return source is null
                ? new PbtStep(choice.Member, value, null, null, null, Pbt.Describe(members.First(m => m.Id == choice.Member).Hyperparameters), record.SpecJson)
                : new PbtStep(choice.Member, value, choice.Source, source.GeneratorSha256, source.DiscriminatorSha256, hyperparameters,
                    Pbt.Exploit(record.SpecJson, sourceRecord!.SpecJson, choice.Hyperparameters));
        }).ToList();
        return new PbtGenerationDecided(sweep.Id, generation, round, steps);
    }

    /// <summary>Rounds of <paramref name="id"/>'s stored checkpoints that a pending exploit will copy: not to be pruned yet.</summary>
    public static IReadOnlySet<int> Pinned(CoordinatorState state, string id) =>
        state.Experiments.Values.Where(x => x.ExploitFrom?.Id == id).Select(x => x.ExploitFrom!.Round).ToHashSet();

    /// <summary>A PBT sweep's lineage (<c>sweep lineage</c>): each member's start and decided generations.</summary>
    public static object Lineage(CoordinatorState state, SweepId id)
    {
        if (state.FindSweep(id.Value) is not { } sweep)
        {
            return new UnknownSweep(id);
        }

        if (sweep.Pbt is not { } pbt)
        {
            return new ExperimentRejected("id", $"sweep {id.Value} uses {sweep.Algorithm.ToString().ToLowerInvariant()}, not pbt: only a population-based sweep has a lineage; see 'sweep status'");
        }

        var members = sweep.Children.Select(c =>
        {
            var record = state.Find(c.Id);
            // Generation 0: what the space set (PBT's space holds only the explored learning rates).
            var steps = new List<PbtGenerationStep> { new(0, 0, null, null, c.Overrides) };
            steps.AddRange(sweep.Generations.SelectMany(g => g.Steps.Where(s => s.Member == c.Id).Select(s =>
                new PbtGenerationStep(g.Generation, g.Round, s.Value, s.Source is { } source ? new ExperimentId(source) : null, s.Hyperparameters))));
            return new PbtMemberLineage(new ExperimentId(c.Id), record?.Name ?? c.Id, steps);
        }).ToList();
        return new SweepLineageReply(id, sweep.Metric, sweep.Mode.ToString().ToLowerInvariant(), pbt.Ready, members);
    }

    private static string IdOf(ICoordinatorEvent e) => e switch
    {
        ExperimentCancelled x => x.Id,
        ExperimentFailed x => x.Id,
        ExperimentResumed x => x.Id,
        ExperimentCompleted x => x.Id,
        ExperimentStoppedEarly x => x.Id,
        _ => string.Empty,
    };
}
