using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>
/// Damage isolation (issue 12 §2): an unreadable journal entry costs the experiment it names, not the coordinator. The
/// serializer turns it into an <see cref="UnreadableEvent"/>; <see cref="CoordinatorState.Apply"/> fails that experiment
/// and freezes it; the snapshot keeps what it decided.
/// </summary>
public sealed class JournalDamageTests : TestKit
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private CoordinatorEventSerializer Serializer => new((ExtendedActorSystem)Sys);

    private static string Spec() => SpecJson.Serialize(SpecConfig.ToySpec(6, 2), indented: false);

    private static CoordinatorState Submitted(params string[] ids) => ids.Aggregate(CoordinatorState.Empty, (state, id) =>
        CoordinatorDecisions.Decide(state, new Command.Submit(Spec(), 0, id, At)).Events.Aggregate(state, (s, e) => s.Apply(e)));

    [Fact]
    public void A_truncated_event_reads_back_as_unreadable_naming_its_experiment()
    {
        var rounds = new RoundsRecorded("exp-0000000a", [new RoundMetrics(1, 1.4, 0.7, 0.5, 0.5, 1.0, 2.0, 3.0, 4.0, 12.5, 768)]);
        var bytes = Serializer.ToBinary(rounds);

        var back = Assert.IsType<UnreadableEvent>(Serializer.FromBinary(bytes[..(bytes.Length / 2)], "rounds"));

        Assert.Equal("exp-0000000a", back.ExperimentId);
        Assert.Equal("rounds", back.Manifest);
        Assert.NotEmpty(back.Error);
    }

    [Fact]
    public void Overwritten_bytes_and_unknown_manifests_read_back_as_unreadable_without_an_experiment()
    {
        var garbage = Assert.IsType<UnreadableEvent>(Serializer.FromBinary([0x00, 0xff, 0x13, 0x37], "cancelled"));
        Assert.Null(garbage.ExperimentId);

        var unknown = Assert.IsType<UnreadableEvent>(Serializer.FromBinary(Encoding.UTF8.GetBytes("""{"id":"exp-0000000b"}"""), "renamed-later"));
        Assert.Equal("exp-0000000b", unknown.ExperimentId);
        Assert.Contains("unknown manifest 'renamed-later'", unknown.Error);
    }

    [Fact]
    public void A_damaged_snapshot_still_fails_recovery()
    {
        var bytes = Serializer.ToBinary(Submitted("exp-0000000a"));
        Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(bytes[..(bytes.Length / 2)], "state"));
    }

    [Fact]
    public void Damage_fails_only_the_named_experiment_and_freezes_it()
    {
        var state = Submitted("exp-0000000a", "exp-0000000b")
            .Apply(new UnreadableEvent("rounds", "exp-0000000a", "truncated", 7))
            .Apply(new ExperimentAssigned("exp-0000000a", "g", "d", 1))
            .Apply(new ExperimentCompleted("exp-0000000a"))
            .Apply(new ExperimentAssigned("exp-0000000b", "g", "d", 1));

        var damaged = state.Find("exp-0000000a")!;
        Assert.Equal(ExperimentState.Failed, damaged.State);
        Assert.Equal(7, damaged.DamagedAt);
        Assert.Contains("event 7 (rounds) cannot be read (truncated)", damaged.Reason);
        Assert.Equal(ExperimentState.Running, state.Find("exp-0000000b")!.State);
        Assert.Equal(["exp-0000000b"], state.Apply(new CoordinatorStarted(2, At)).Runnable().Select(r => r.Id));
    }

    [Fact]
    public void An_unreadable_submission_is_listed_by_its_id_and_damage_naming_no_experiment_is_kept()
    {
        var state = Submitted("exp-0000000a")
            .Apply(new UnreadableEvent("submitted", "exp-0000000c", "truncated", 4))
            .Apply(new ExperimentAssigned("exp-0000000c", "g", "d", 1))
            .Apply(new UnreadableEvent("cancelled", null, "garbage", 5));

        var placeholder = state.Find("exp-0000000c")!;
        Assert.Equal((ExperimentState.Failed, "(unreadable)", 4L), (placeholder.State, placeholder.Name, placeholder.DamagedAt!.Value));
        Assert.Equal([new JournalDamage(5, "cancelled", "garbage")], state.UnattributedDamage);
        Assert.Equal(ExperimentState.Queued, state.Find("exp-0000000a")!.State);
    }

    [Fact]
    public void A_damaged_experiment_cannot_be_resumed_and_says_what_to_do()
    {
        var state = Submitted("exp-0000000a").Apply(new UnreadableEvent("rounds", "exp-0000000a", "truncated", 3));

        var decision = CoordinatorDecisions.Decide(state, new Command.Resume("exp-0000000a", null, null, null));

        var rejected = Assert.IsType<ExperimentRejected>(decision.Reply);
        Assert.Contains("submit its experiment file again", rejected.Reason);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void The_snapshot_keeps_the_damage()
    {
        var state = Submitted("exp-0000000a")
            .Apply(new UnreadableEvent("rounds", "exp-0000000a", "truncated", 3))
            .Apply(new UnreadableEvent("cancelled", null, "garbage", 5));

        var back = (CoordinatorState)Serializer.FromBinary(Serializer.ToBinary(state), "state");

        Assert.Equal(3, back.Find("exp-0000000a")!.DamagedAt);
        Assert.Equal(state.Find("exp-0000000a")!.Reason, back.Find("exp-0000000a")!.Reason);
        Assert.Equal(state.UnattributedDamage, back.UnattributedDamage);
    }
}
