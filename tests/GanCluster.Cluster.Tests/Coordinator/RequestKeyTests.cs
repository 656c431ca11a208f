using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;
using GanCluster.Training.Options;
using Command = GanCluster.Cluster.Coordinator.CoordinatorCommand;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>
/// Idempotent submit, cancel and resume (issue 12 §3): a retried request with its key gets the first answer and is
/// not carried out twice; the keys live in the journal and in snapshots.
/// </summary>
public sealed class RequestKeyTests : TestKit
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string Spec(int rounds = 6) => SpecJson.Serialize(SpecConfig.ToySpec(rounds, 2), indented: false);

    private static (CoordinatorState State, Decision Decision) Run(CoordinatorState state, Command command)
    {
        var decision = CoordinatorDecisions.Decide(state, command);
        return (decision.Events.Aggregate(state, (s, e) => s.Apply(e)), decision);
    }

    [Fact]
    public void A_retried_submission_gets_the_first_id_and_queues_nothing()
    {
        var (state, first) = Run(CoordinatorState.Empty, new Command.Submit(Spec(), 1, "exp-0000000a", At, "key-1"));
        Assert.Equal([typeof(ExperimentSubmitted), typeof(RequestKeyRecorded)], first.Events.Select(e => e.GetType()));

        var (after, retry) = Run(state, new Command.Submit(Spec(), 1, "exp-0000000b", At.AddSeconds(20), "key-1"));

        Assert.Equal(new ExperimentAccepted(new ExperimentId("exp-0000000a")), retry.Reply);
        Assert.Empty(retry.Events);
        Assert.Single(after.Experiments);
    }

    [Fact]
    public void Without_a_key_every_submission_is_queued_as_before()
    {
        var (state, _) = Run(CoordinatorState.Empty, new Command.Submit(Spec(), 0, "exp-0000000a", At));
        var (after, _) = Run(state, new Command.Submit(Spec(), 0, "exp-0000000b", At));

        Assert.Equal(2, after.Experiments.Count);
        Assert.Empty(after.Keys);
    }

    [Fact]
    public void A_key_reused_for_other_contents_is_refused_naming_the_key_and_changes_nothing()
    {
        var (state, _) = Run(CoordinatorState.Empty, new Command.Submit(Spec(), 0, "exp-0000000a", At, "key-1"));

        foreach (var other in new Command[]
                 {
                     new Command.Submit(Spec(rounds: 8), 0, "exp-0000000b", At, "key-1"), // another spec
                     new Command.Submit(Spec(), 5, "exp-0000000b", At, "key-1"), // another priority
                     new Command.Cancel("exp-0000000a", "key-1"), // another request
                 })
        {
            var decision = CoordinatorDecisions.Decide(state, other);
            var rejected = Assert.IsType<ExperimentRejected>(decision.Reply);
            Assert.Equal("key", rejected.Field);
            Assert.Contains("exp-0000000a", rejected.Reason);
            Assert.Empty(decision.Events);
        }
    }

    [Fact]
    public void A_retried_cancel_after_a_resume_does_not_cancel_the_resumed_run()
    {
        var (state, _) = Run(CoordinatorState.Empty, new Command.Submit(Spec(), 0, "exp-0000000a", At));
        (state, var cancel) = Run(state, new Command.Cancel("exp-0000000a", "cancel-1"));
        Assert.Contains(cancel.Events, e => e is ExperimentCancelled);
        (state, var resume) = Run(state, new Command.Resume("exp-0000000a", 1e-4, null, null, "resume-1"));
        Assert.IsType<ExperimentAccepted>(resume.Reply);

        var (afterCancel, cancelAgain) = Run(state, new Command.Cancel("exp-0000000a", "cancel-1"));
        var (afterResume, resumeAgain) = Run(afterCancel, new Command.Resume("exp-0000000a", 1e-4, null, null, "resume-1"));

        Assert.Equal(new CancelAccepted(new ExperimentId("exp-0000000a")), cancelAgain.Reply);
        Assert.Empty(cancelAgain.Events);
        // Without its key the repeated resume would be refused ("the experiment is queued"): with it, the first answer.
        Assert.Equal(new ExperimentAccepted(new ExperimentId("exp-0000000a")), resumeAgain.Reply);
        Assert.Empty(resumeAgain.Events);
        Assert.Equal(ExperimentState.Queued, afterResume.Find("exp-0000000a")!.State);
    }

    [Fact]
    public void A_refused_request_records_no_key_so_a_corrected_retry_is_not_blocked_by_it()
    {
        var (state, bad) = Run(CoordinatorState.Empty, new Command.Submit("""{ "model": "toy", "dataset": "ring8", "k": 0 }""", 0, "exp-0000000a", At, "key-1"));
        Assert.IsType<ExperimentRejected>(bad.Reply);
        Assert.Empty(state.Keys);

        var unknown = CoordinatorDecisions.Decide(state, new Command.Cancel("exp-nothere", "key-2"));
        Assert.IsType<UnknownExperiment>(unknown.Reply);
        Assert.Empty(unknown.Events);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ü")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public void A_malformed_key_is_refused_naming_the_key(string key)
    {
        var decision = CoordinatorDecisions.Decide(CoordinatorState.Empty, new Command.Submit(Spec(), 0, "exp-0000000a", At, key));

        Assert.Equal("key", Assert.IsType<ExperimentRejected>(decision.Reply).Field);
        Assert.Empty(decision.Events);
        Assert.NotNull(RequestKey.Problem(key));
    }

    [Fact]
    public void Fresh_keys_are_well_formed_and_distinct()
    {
        var keys = Enumerable.Range(0, 100).Select(_ => RequestKey.New()).ToList();

        Assert.All(keys, k => Assert.Null(RequestKey.Problem(k)));
        Assert.Equal(100, keys.Distinct().Count());
    }

    [Fact]
    public void Keys_survive_the_journal_and_snapshots()
    {
        var serializer = new CoordinatorEventSerializer((ExtendedActorSystem)Sys);
        var recorded = new RequestKeyRecorded("key-1", "submit", "exp-0000000a", new string('f', 64));
        var (state, _) = Run(CoordinatorState.Empty, new Command.Submit(Spec(), 0, "exp-0000000a", At, "key-1"));

        var eventBack = serializer.FromBinary(serializer.ToBinary(recorded), serializer.Manifest(recorded));
        var stateBytes = serializer.ToBinary(state);
        var stateBack = (CoordinatorState)serializer.FromBinary(stateBytes, serializer.Manifest(state));

        Assert.Equal("key", serializer.Manifest(recorded));
        Assert.Equal(recorded, eventBack);
        Assert.Equal(state.Keys["key-1"], stateBack.Keys["key-1"]);
        Assert.Equal(new ExperimentAccepted(new ExperimentId("exp-0000000a")),
            CoordinatorDecisions.Decide(stateBack, new Command.Submit(Spec(), 0, "exp-0000000b", At, "key-1")).Reply);

        // A snapshot written before keys existed has none.
        var old = Encoding.UTF8.GetString(stateBytes).Replace("\"keys\":", "\"unused\":", StringComparison.Ordinal);
        Assert.Empty(((CoordinatorState)serializer.FromBinary(Encoding.UTF8.GetBytes(old), "state")).Keys);
    }
}
