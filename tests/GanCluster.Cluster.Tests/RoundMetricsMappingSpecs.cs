using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using GanCluster.Cluster.Coordinator;
using GanCluster.Protocol;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;

namespace GanCluster.Cluster.Tests;

/// <summary>A round's named terms on their way from the generator to the coordinator's metrics, logs and journal.</summary>
public sealed class RoundMetricsMappingSpecs : TestKit, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gancluster-terms-").FullName;

    public RoundMetricsMappingSpecs() : base(SpecConfig.Hocon())
    {
    }

    private static RoundResult Result(double r1)
    {
        var terms = new Dictionary<string, double>
        {
            [MetricNames.DLoss] = 1.2, [MetricNames.DReal] = 0.6, [MetricNames.DFake] = 0.4, ["loss/d_r1"] = r1, [MetricNames.GLoss] = 0.8,
        };
        return new RoundResult(7, terms, new RoundTimings(1, 2, 3, 4, 10)) { ExchangeBytes = 1000 };
    }

    [Fact]
    public void The_standard_terms_travel_in_their_fields_and_every_other_term_in_the_named_terms()
    {
        var wire = RoundMetricsMapping.ToWire(Result(0.05));

        Assert.Equal((7, 1.2, 0.8, 0.6, 0.4, 10.0, 1000L), (wire.Round, wire.DLoss, wire.GLoss, wire.DReal, wire.DFake, wire.RoundMs, wire.ExchangeBytes));
        Assert.Equal(new Dictionary<string, double> { ["loss/d_r1"] = 0.05 }, wire.Terms);
    }

    [Fact]
    public void A_round_comes_back_from_the_wire_with_every_term_and_timing()
    {
        var original = Result(0.05);

        var back = RoundMetricsMapping.ToResult(RoundMetricsMapping.ToWire(original));

        Assert.Equal(original.Terms.OrderBy(t => t.Key), back.Terms.OrderBy(t => t.Key));
        Assert.Equal(original.Timings, back.Timings);
        Assert.Equal(original.ToMetrics(5).OrderBy(t => t.Key), RoundMetricsMapping.Metrics(RoundMetricsMapping.ToWire(original), 5).OrderBy(t => t.Key));
    }

    [Fact]
    public void A_non_finite_named_term_is_divergence_on_the_coordinator_too()
    {
        Assert.False(RoundMetricsMapping.IsDiverged(RoundMetricsMapping.ToWire(Result(0.05))));
        Assert.True(RoundMetricsMapping.IsDiverged(RoundMetricsMapping.ToWire(Result(double.NaN))));
    }

    [Fact]
    public void A_journal_written_before_named_terms_reads_with_no_terms()
    {
        // A RoundsRecorded event as the coordinator journaled it before protocol 2.
        const string json = """
            {"id":"exp-0a1b2c3d","rounds":[{"round":1,"dLoss":1.2,"gLoss":0.8,"dReal":0.6,"dFake":0.4,"generatorForwardMs":1,"discriminatorStepMs":2,"feedbackMs":1,"generatorUpdateMs":1,"roundMs":5,"exchangeBytes":1000}]}
            """;
        var serializer = new CoordinatorEventSerializer((ExtendedActorSystem)Sys);

        var recorded = (RoundsRecorded)serializer.FromBinary(Encoding.UTF8.GetBytes(json), "rounds");

        var round = Assert.Single(recorded.Rounds);
        Assert.Equal(new RoundMetrics(1, 1.2, 0.8, 0.6, 0.4, 1, 2, 1, 1, 5, 1000), round);
        Assert.Empty(round.Terms);
    }

    [Fact]
    public void Named_terms_are_journaled_beside_the_existing_fields()
    {
        var serializer = new CoordinatorEventSerializer((ExtendedActorSystem)Sys);
        var recorded = new RoundsRecorded("exp-0a1b2c3d", [RoundMetricsMapping.ToWire(Result(0.05))]);

        var bytes = serializer.ToBinary(recorded);
        var back = (RoundsRecorded)serializer.FromBinary(bytes, serializer.Manifest(recorded));

        Assert.Contains("\"dLoss\":1.2", Encoding.UTF8.GetString(bytes));
        Assert.Contains("\"terms\":{\"loss/d_r1\":0.05}", Encoding.UTF8.GetString(bytes));
        Assert.Equal(recorded.Rounds, back.Rounds);
    }

    [Fact]
    public async Task A_named_term_reaches_metrics_jsonl_and_the_latest_values_without_plumbing()
    {
        await using var monitoring = new ExperimentMonitoring(new MonitoringSettings(_folder, 1, false, AlarmSettings.Default), (e, _) => throw e);

        monitoring.Round("exp-0a1b2c3d", RoundMetricsMapping.ToWire(Result(0.05)), 20, force: false);
        await monitoring.FlushAsync();

        var row = Assert.Single(MetricsLog.Read(Path.Combine(_folder, "exp-0a1b2c3d")));
        Assert.Equal(0.05, row["loss/d_r1"]);
        Assert.Equal(1.2, row[MetricNames.DLoss]);
        Assert.Equal(0.05, monitoring.Latest("exp-0a1b2c3d")["loss/d_r1"]);
    }

    public new void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        base.Dispose();
    }
}
