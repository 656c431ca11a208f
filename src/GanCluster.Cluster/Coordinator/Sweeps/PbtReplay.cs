using GanCluster.Protocol;
using GanCluster.Training.Options;

namespace GanCluster.Cluster.Coordinator.Sweeps;

/// <summary>
/// A PBT member's hyperparameter schedule as one experiment (<c>gancluster sweep replay</c>), pure. A member's weights at
/// the end are one trajectory: the rounds up to the first generation trained by a first member (the root), each later
/// stretch continued from the checkpoint of whichever member it copied, with the learning rates decided at that
/// generation. Exploiters take their source's seed with its checkpoint (<see cref="Pbt.Exploit"/>), so the data, noise
/// and batch order of the whole trajectory are the root's; the replay is the root's experiment with the learning rates
/// of every stretch as <see cref="OptimizerSpec.LearningRateChanges"/>, which trains the same weights bit for bit
/// (a run whose rate changes at round r equals one stopped at its checkpoint of round r and resumed with the new rate).
/// </summary>
public static class PbtReplay
{
    /// <summary>The replay of <paramref name="member"/> (null: the best member by the sweep's metric at its last round).</summary>
    public static object Build(CoordinatorState state, SweepId id, ExperimentId? member)
    {
        if (state.FindSweep(id.Value) is not { } sweep)
        {
            return new UnknownSweep(id);
        }

        if (sweep.Pbt is null)
        {
            return new ExperimentRejected("id", $"sweep {id.Value} uses {sweep.Algorithm.ToString().ToLowerInvariant()}, not pbt: only a population-based sweep has a schedule to replay; submit its best child's experiment as it is");
        }

        var records = sweep.Children.Select(c => state.Find(c.Id)).OfType<ExperimentRecord>().ToList();
        ExperimentRecord chosen;
        if (member is { } wanted)
        {
            if (records.FirstOrDefault(r => r.Id == wanted.Value) is not { } found)
            {
                return new ExperimentRejected("--member", $"{wanted.Value} is not a member of sweep {id.Value}; 'gancluster sweep lineage {id.Value}' lists them");
            }

            chosen = found;
        }
        else if (Best(records, sweep) is { } best)
        {
            chosen = best;
        }
        else
        {
            return new ExperimentRejected("id", $"sweep {id.Value} has no member with its metric {sweep.Metric} yet; name one with --member");
        }

        var (spec, changes, reason) = Replay(sweep, chosen);
        return spec is null
            ? new ExperimentRejected("--member", reason!)
            : new SweepReplayReply(id, new ExperimentId(chosen.Id), chosen.Name, chosen.State.ToString().ToLowerInvariant(), changes, spec);
    }

    /// <summary>The member whose metric at its last round is best, ranked as a generation ranks (<see cref="Pbt.Rank"/>); null when none is known.</summary>
    public static ExperimentRecord? Best(IReadOnlyList<ExperimentRecord> members, SweepRecord sweep)
    {
        var ranked = Pbt.Rank(members.Select(r => new PbtMember(r.Id, SweepDecisions.RoundMetric(r.History, sweep.Metric, r.RoundsDone), new Dictionary<string, double>())).ToList(), sweep.Mode);
        return ranked.Count > 0 && ranked[0].Value is { } v && double.IsFinite(v) ? members.First(r => r.Id == ranked[0].Id) : null;
    }

    /// <summary>The spec JSON and its number of rate changes, or a null spec and the reason it cannot be replayed.</summary>
    private static (string? Spec, int Changes, string? Reason) Replay(SweepRecord sweep, ExperimentRecord member)
    {
        // Walk back from the member: at each generation, the spec the trajectory continued with, and whose trajectory it was before.
        var owner = member.Id;
        var after = new List<(int Round, ExperimentSpec Spec)>();
        foreach (var generation in sweep.Generations.Reverse())
        {
            if (generation.Steps.FirstOrDefault(s => s.Member == owner) is not { } step)
            {
                return (null, 0, $"member {owner} has no step in generation {generation.Generation} of sweep {sweep.Id}, so the trajectory of {member.Id} cannot be followed back");
            }

            after.Add((generation.Round, SpecJson.Parse(step.SpecJson)));
            owner = step.Source ?? owner;
        }

        after.Reverse();

        // The root's first stretch ran with the spec it kept at generation 1 (a source never exploits at the same generation).
        var firstJson = sweep.Generations.Count == 0 ? member.SpecJson : sweep.Generations[0].Steps.FirstOrDefault(s => s.Member == owner)?.SpecJson;
        if (firstJson is null)
        {
            return (null, 0, $"member {owner} has no step in generation 1 of sweep {sweep.Id}, so the start of the trajectory of {member.Id} is unknown");
        }

        var first = SpecJson.Parse(firstJson);
        if (after.FirstOrDefault(a => a.Spec.Seed != first.Seed) is { Spec: not null } moved)
        {
            return (null, 0, $"the trajectory of {member.Id} changes seed at round {moved.Round} ({first.Seed} to {moved.Spec.Seed}): this sweep was decided before exploits took their source's seed, so it cannot be replayed as one experiment");
        }

        var last = after.Count == 0 ? first : after[^1].Spec;
        var generator = Changes(first.GeneratorOptimizer, after.Select(a => (a.Round, a.Spec.GeneratorOptimizer.LearningRate)));
        var discriminator = Changes(first.DiscriminatorOptimizer, after.Select(a => (a.Round, a.Spec.DiscriminatorOptimizer.LearningRate)));
        var name = $"{member.Name}-replay";
        var replay = last with
        {
            Name = name.Length <= 100 ? name : name[..100],
            Seed = first.Seed,
            GeneratorOptimizer = last.GeneratorOptimizer with { LearningRate = first.GeneratorOptimizer.LearningRate, LearningRateChanges = generator },
            DiscriminatorOptimizer = last.DiscriminatorOptimizer with { LearningRate = first.DiscriminatorOptimizer.LearningRate, LearningRateChanges = discriminator },
        };
        return (SpecJson.Serialize(replay), generator.Count + discriminator.Count, null);
    }

    /// <summary>The rate changes of one optimizer: a change wherever a generation's rate differs from the one before.</summary>
    private static List<LearningRateChange> Changes(OptimizerSpec first, IEnumerable<(int Round, double Rate)> stretches)
    {
        var changes = new List<LearningRateChange>();
        var current = first.LearningRate;
        foreach (var (round, rate) in stretches)
        {
            if (rate != current)
            {
                changes.Add(new LearningRateChange { AfterRound = round, LearningRate = rate });
                current = rate;
            }
        }

        return changes;
    }
}
