using System.Globalization;

namespace GanCluster.Training.Monitoring;

/// <summary>Kinds of alarm; stable strings shown in logs, <c>status</c> and <c>list</c>.</summary>
public static class AlarmKinds
{
    /// <summary>A loss is NaN or infinite.</summary>
    public const string NonFiniteLoss = "non-finite-loss";

    /// <summary>The discriminator's loss stayed near zero: D wins outright and G gets no useful gradient.</summary>
    public const string DiscriminatorLossNearZero = "d-loss-near-zero";

    /// <summary>D(G(z)) stayed near zero: D rejects every fake.</summary>
    public const string DFakeNearZero = "d-fake-near-zero";

    /// <summary>Fake batches are far less diverse than real ones: mode collapse.</summary>
    public const string DiversityCollapse = "diversity-collapse";

    /// <summary>2-D benchmarks: fewer modes captured than earlier in the run.</summary>
    public const string ModesDropped = "modes-dropped";
}

/// <summary>A raised alarm: its kind, the round it was raised at and a sentence for people.</summary>
public sealed record Alarm(string Kind, int Round, string Message);

/// <summary>Thresholds of <see cref="TrainingAlarms"/>.</summary>
/// <param name="NearZero">A loss or D(G(z)) below this counts as near zero.</param>
/// <param name="NearZeroRounds">Consecutive rounds near zero before the D-loss and D(G(z)) alarms are raised.</param>
/// <param name="DiversityRatio">Fake/real mean pairwise distance below this counts as collapsed.</param>
/// <param name="DiversityMeasurements">Consecutive collapsed measurements before the diversity alarm is raised.</param>
/// <param name="WarmupRounds">The diversity and mode alarms stay quiet before this round (a fresh G is not yet diverse).</param>
/// <param name="ModesDropTolerance">Modes that may be lost relative to the best checkpoint before the mode alarm is raised.</param>
public sealed record AlarmSettings(
    double NearZero = 1e-3,
    int NearZeroRounds = 100,
    double DiversityRatio = 0.2,
    int DiversityMeasurements = 3,
    int WarmupRounds = 200,
    int ModesDropTolerance = 1)
{
    /// <summary>The defaults.</summary>
    public static readonly AlarmSettings Default = new();
}

/// <summary>
/// Watches one experiment's metrics for the failures GAN practitioners look for: a discriminator that wins
/// outright (loss or D(G(z)) near zero for many rounds), mode collapse (fake batches much less diverse than
/// real ones; fewer captured modes on the 2-D benchmarks) and divergence (a NaN or infinite loss). Pure: fed
/// with numbers, returns the alarms each observation raises; an alarm stays active until its condition clears.
/// </summary>
public sealed class TrainingAlarms
{
    private readonly AlarmSettings _settings;
    private readonly Dictionary<string, Alarm> _active = [];
    private int _dLossNearZero;
    private int _dFakeNearZero;
    private int _collapsed;
    private int _bestModes;

    public TrainingAlarms(AlarmSettings? settings = null)
    {
        _settings = settings ?? AlarmSettings.Default;
    }

    /// <summary>Active alarms in the order they were raised.</summary>
    public IReadOnlyList<Alarm> Active => _active.Values.OrderBy(a => a.Round).ThenBy(a => a.Kind, StringComparer.Ordinal).ToList();

    /// <summary>
    /// One round's losses and mean D(G(z)), and every named term an objective reported (a non-finite one, e.g. a
    /// gradient penalty, is a divergence too); returns the alarms it raised.
    /// </summary>
    public IReadOnlyList<Alarm> ObserveRound(int round, double dLoss, double gLoss, double dFake, IReadOnlyDictionary<string, double>? terms = null)
    {
        var raised = new List<Alarm>();
        if (!double.IsFinite(dLoss) || !double.IsFinite(gLoss))
        {
            Raise(raised, AlarmKinds.NonFiniteLoss, round, $"loss/d {Format(dLoss)}, loss/g {Format(gLoss)} at round {round}: the run diverged");
            return raised;
        }

        if (terms?.FirstOrDefault(t => !double.IsFinite(t.Value)) is { Key: not null } term)
        {
            Raise(raised, AlarmKinds.NonFiniteLoss, round, $"{term.Key} {Format(term.Value)} at round {round} (loss/d {Format(dLoss)}, loss/g {Format(gLoss)}): the run diverged");
            return raised;
        }

        _dLossNearZero = Math.Abs(dLoss) < _settings.NearZero ? _dLossNearZero + 1 : 0;
        Update(raised, AlarmKinds.DiscriminatorLossNearZero, round, _dLossNearZero >= _settings.NearZeroRounds,
            $"loss/d has stayed below {Format(_settings.NearZero)} for {_settings.NearZeroRounds} rounds (now {Format(dLoss)}): the discriminator wins outright and the generator gets no useful gradient");
        _dFakeNearZero = dFake < _settings.NearZero ? _dFakeNearZero + 1 : 0;
        Update(raised, AlarmKinds.DFakeNearZero, round, _dFakeNearZero >= _settings.NearZeroRounds,
            $"d/fake has stayed below {Format(_settings.NearZero)} for {_settings.NearZeroRounds} rounds (now {Format(dFake)}): the discriminator rejects every fake");
        return raised;
    }

    /// <summary>The diversity of a fake and a real batch of one round; returns the alarms it raised.</summary>
    public IReadOnlyList<Alarm> ObserveDiversity(int round, BatchDiversity diversity)
    {
        var raised = new List<Alarm>();
        if (round < _settings.WarmupRounds || !double.IsFinite(diversity.Fake) || !(diversity.Real > 0))
        {
            return raised;
        }

        _collapsed = diversity.Ratio < _settings.DiversityRatio ? _collapsed + 1 : 0;
        Update(raised, AlarmKinds.DiversityCollapse, round, _collapsed >= _settings.DiversityMeasurements,
            $"fake batches are {Format(diversity.Ratio)}x as diverse as real ones (mean pairwise distance {Format(diversity.Fake)} vs {Format(diversity.Real)}) "
            + $"in {_settings.DiversityMeasurements} measurements in a row: the generator is collapsing");
        return raised;
    }

    /// <summary>Mode coverage at a checkpoint of a 2-D benchmark; returns the alarms it raised.</summary>
    public IReadOnlyList<Alarm> ObserveModes(int round, int captured, int total)
    {
        var raised = new List<Alarm>();
        if (round < _settings.WarmupRounds)
        {
            return raised;
        }

        _bestModes = Math.Max(_bestModes, captured);
        Update(raised, AlarmKinds.ModesDropped, round, captured < _bestModes - _settings.ModesDropTolerance,
            $"modes captured dropped to {captured}/{total} from {_bestModes}/{total}: the generator is losing modes");
        return raised;
    }

    private void Update(List<Alarm> raised, string kind, int round, bool condition, string message)
    {
        if (condition)
        {
            Raise(raised, kind, round, message);
        }
        else
        {
            _active.Remove(kind);
        }
    }

    private void Raise(List<Alarm> raised, string kind, int round, string message)
    {
        if (_active.ContainsKey(kind))
        {
            return;
        }

        var alarm = new Alarm(kind, round, message);
        _active[kind] = alarm;
        raised.Add(alarm);
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
