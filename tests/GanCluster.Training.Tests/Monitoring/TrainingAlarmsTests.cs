using GanCluster.Training.Monitoring;

namespace GanCluster.Training.Tests.Monitoring;

/// <summary>Each alarm on a constructed run that triggers it, and on a healthy run that must not.</summary>
public sealed class TrainingAlarmsTests
{
    private static readonly AlarmSettings Settings = new(NearZero: 1e-3, NearZeroRounds: 20, DiversityRatio: 0.2, DiversityMeasurements: 3, WarmupRounds: 50, ModesDropTolerance: 1);

    /// <summary>A healthy run: losses around equilibrium with noise, diverse fakes, every mode kept.</summary>
    private static List<Alarm> Healthy(TrainingAlarms alarms)
    {
        var raised = new List<Alarm>();
        var random = new Random(5);
        for (var round = 1; round <= 1000; round++)
        {
            raised.AddRange(alarms.ObserveRound(round, 1.3 + (random.NextDouble() * 0.2), 0.7 + (random.NextDouble() * 0.3), 0.4 + (random.NextDouble() * 0.2)));
            if (round % 10 == 0)
            {
                raised.AddRange(alarms.ObserveDiversity(round, new BatchDiversity(8 + random.NextDouble(), 9.5)));
            }

            if (round % 100 == 0)
            {
                raised.AddRange(alarms.ObserveModes(round, round < 300 ? 6 + (round / 100) : 8 - (round / 100 % 2), 8));
            }
        }

        return raised;
    }

    [Fact]
    public void A_healthy_run_raises_no_alarm()
    {
        var alarms = new TrainingAlarms(Settings);

        Assert.Empty(Healthy(alarms));
        Assert.Empty(alarms.Active);
    }

    [Fact]
    public void A_nan_or_infinite_loss_raises_the_divergence_alarm_at_once()
    {
        var alarms = new TrainingAlarms(Settings);
        alarms.ObserveRound(1, 1.3, 0.7, 0.5);

        var raised = alarms.ObserveRound(2, double.NaN, 0.7, 0.5);

        var alarm = Assert.Single(raised);
        Assert.Equal(AlarmKinds.NonFiniteLoss, alarm.Kind);
        Assert.Equal(2, alarm.Round);
        Assert.Contains("NaN", alarm.Message);
        Assert.Equal(AlarmKinds.NonFiniteLoss, Assert.Single(new TrainingAlarms(Settings).ObserveRound(1, 1.0, double.NegativeInfinity, 0.5)).Kind);
    }

    [Fact]
    public void A_non_finite_named_term_raises_the_divergence_alarm_naming_the_term()
    {
        var alarms = new TrainingAlarms(Settings);
        Assert.Empty(alarms.ObserveRound(1, 1.3, 0.7, 0.5, new Dictionary<string, double> { ["loss/d_gp"] = 0.2 }));

        var raised = alarms.ObserveRound(2, 1.3, 0.7, 0.5, new Dictionary<string, double> { ["loss/d_gp"] = double.PositiveInfinity });

        var alarm = Assert.Single(raised);
        Assert.Equal(AlarmKinds.NonFiniteLoss, alarm.Kind);
        Assert.StartsWith("loss/d_gp ", alarm.Message);
    }

    [Fact]
    public void Discriminator_loss_near_zero_for_the_configured_rounds_raises_its_alarm_once_and_clears_when_it_recovers()
    {
        var alarms = new TrainingAlarms(Settings);
        var raised = new List<(int Round, Alarm Alarm)>();
        for (var round = 1; round <= 60; round++)
        {
            // D wins outright from round 11 on, but D(G(z)) stays around 0.3 (e.g. hinge margins): only the loss alarm.
            var dLoss = round <= 10 ? 1.2 : 1e-5;
            raised.AddRange(alarms.ObserveRound(round, dLoss, 9.0, 0.3).Select(a => (round, a)));
        }

        var (at, alarm) = Assert.Single(raised);
        Assert.Equal(AlarmKinds.DiscriminatorLossNearZero, alarm.Kind);
        Assert.Equal(30, at);
        Assert.Single(alarms.Active);

        alarms.ObserveRound(61, 0.9, 1.0, 0.3);
        Assert.Empty(alarms.Active);
    }

    [Fact]
    public void A_loss_near_zero_for_fewer_rounds_than_configured_raises_nothing()
    {
        var alarms = new TrainingAlarms(Settings);
        for (var round = 1; round <= 200; round++)
        {
            // 19 rounds near zero out of every 20: never the 20 in a row the setting asks for.
            Assert.Empty(alarms.ObserveRound(round, round % 20 == 0 ? 0.5 : 1e-5, 5.0, round % 20 == 0 ? 0.2 : 1e-5));
        }
    }

    [Fact]
    public void D_of_fakes_near_zero_raises_its_alarm()
    {
        var alarms = new TrainingAlarms(Settings);
        var raised = new List<Alarm>();
        for (var round = 1; round <= 40; round++)
        {
            raised.AddRange(alarms.ObserveRound(round, 0.05, 7.5, 1e-4));
        }

        var alarm = Assert.Single(raised);
        Assert.Equal(AlarmKinds.DFakeNearZero, alarm.Kind);
        Assert.Equal(20, alarm.Round);
    }

    [Fact]
    public void Fake_batches_much_less_diverse_than_real_ones_raise_the_collapse_alarm_after_the_warm_up()
    {
        var alarms = new TrainingAlarms(Settings);
        var raised = new List<Alarm>();
        for (var round = 10; round <= 200; round += 10)
        {
            // Collapsed from the first round (a fresh G), diverse from 60 to 100, collapsed again from 110.
            var fake = round is >= 60 and <= 100 ? 9.0 : 0.5;
            raised.AddRange(alarms.ObserveDiversity(round, new BatchDiversity(fake, 10.0)));
        }

        var alarm = Assert.Single(raised);
        Assert.Equal(AlarmKinds.DiversityCollapse, alarm.Kind);
        Assert.Equal(130, alarm.Round);
        Assert.Contains("0.05x", alarm.Message);
    }

    [Fact]
    public void Losing_more_modes_than_the_tolerance_raises_the_mode_alarm()
    {
        var alarms = new TrainingAlarms(Settings);

        Assert.Empty(alarms.ObserveModes(20, 1, 8));
        Assert.Empty(alarms.ObserveModes(100, 8, 8));
        Assert.Empty(alarms.ObserveModes(200, 7, 8));
        var alarm = Assert.Single(alarms.ObserveModes(300, 5, 8));

        Assert.Equal(AlarmKinds.ModesDropped, alarm.Kind);
        Assert.Contains("5/8 from 8/8", alarm.Message);
        Assert.Empty(alarms.ObserveModes(400, 4, 8));
        Assert.Single(alarms.Active);
    }
}
