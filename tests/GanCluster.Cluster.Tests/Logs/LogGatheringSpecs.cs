using Akka.Actor;
using GanCluster.Cluster.Logs;
using GanCluster.Protocol;
using GanCluster.TestSupport;

namespace GanCluster.Cluster.Tests.Logs;

/// <summary>One logs request gathered from the nodes' log readers: who is asked, who is reported, and what comes back.</summary>
public sealed class LogGatheringSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly ExperimentId Id = new("exp-0000aaaa");
    private readonly TempDirectory _temp = TempDirectory.Create("gather");

    [Fact]
    public void A_node_that_served_the_run_and_is_gone_is_reported_and_each_node_gets_a_share_of_the_budget()
    {
        var plan = LogPlan.For(["akka.tcp://g@a:1", "akka.tcp://g@b:2"], [("generator", "akka.tcp://g@a:1"), ("discriminator", "akka.tcp://g@c:3")], replyBudget: 1 << 20);

        Assert.Equal(["akka.tcp://g@a:1", "akka.tcp://g@b:2"], plan.Ask);
        Assert.Contains("akka.tcp://g@c:3 (discriminator of the last run) is not in the cluster", Assert.Single(plan.Unavailable));
        Assert.Equal(1 << 19, plan.MaxBytesPerNode);
    }

    [Fact]
    public void The_lines_of_every_node_that_answers_come_back_and_a_silent_member_is_named_after_the_deadline()
    {
        var address = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString();
        File.WriteAllText(Path.Combine(_temp.Path, "gancluster-generator-pid7-20261202.json"),
            "{\"@t\":\"2026-12-02T04:00:00Z\",\"@mt\":\"Experiment {0}: loading\",\"0\":\"exp-0000aaaa\"}\n"
            + "{\"@t\":\"2026-12-02T04:00:01Z\",\"@mt\":\"Experiment {0}: loading\",\"0\":\"exp-0000bbbb\"}\n");
        Sys.ActorOf(LogReader.Props(address, _temp.Path, "generator-pid7", "generator"), "logs");
        var silent = "akka://nobody-here";
        var plan = LogPlan.For([address, silent], [("generator", address)], 1 << 20);

        Sys.ActorOf(LogGathering.Props(new GetExperimentLogs(Id, null, []), plan, TestActor, TimeSpan.FromSeconds(1)));

        var logs = ExpectMsg<ExperimentLogs>(TimeSpan.FromSeconds(30));
        var node = Assert.Single(logs.Nodes);
        Assert.Equal(("generator-pid7", "generator", address), (node.Node, node.Roles, node.Address));
        Assert.Contains("exp-0000aaaa", Assert.Single(node.Lines));
        Assert.Equal(new LogCursor(address, "gancluster-generator-pid7-20261202.json", new FileInfo(Path.Combine(_temp.Path, "gancluster-generator-pid7-20261202.json")).Length), node.Cursor);
        Assert.Equal([$"{silent} did not answer within 1 s"], logs.Unavailable);

        // From the cursor on, nothing new.
        Sys.ActorOf(LogGathering.Props(new GetExperimentLogs(Id, null, [node.Cursor]), LogPlan.For([address], [], 1 << 20), TestActor, TimeSpan.FromSeconds(30)));
        Assert.Empty(Assert.Single(ExpectMsg<ExperimentLogs>(TimeSpan.FromSeconds(30)).Nodes).Lines);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _temp.Dispose();
    }
}
