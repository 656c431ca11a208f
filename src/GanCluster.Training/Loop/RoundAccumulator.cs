using GanCluster.Training.Monitoring;

namespace GanCluster.Training.Loop;

/// <summary>
/// Collects the results of one round's k discriminator steps and its generator step into a <see cref="RoundResult"/>.
/// Every named term is consumed generically: a discriminator term is averaged over the steps that reported it, in step
/// order (the sum, then one division, as the local trainer always did); the generator step's terms are taken as they
/// are and win over a discriminator term of the same name. Timings add up per phase; diversity is the first one measured.
/// </summary>
public sealed class RoundAccumulator(int round)
{
    private readonly Dictionary<string, (double Sum, int Count)> _discriminator = [];
    private readonly Dictionary<string, double> _generator = [];
    private double _generatorForwardMs;
    private double _discriminatorStepMs;
    private double _feedbackMs;
    private double _generatorUpdateMs;
    private long _exchangeBytes;
    private BatchDiversity? _diversity;

    public int Round { get; } = round;

    /// <summary>Discriminator steps added so far.</summary>
    public int DiscriminatorSteps { get; private set; }

    public void AddGeneratorForward(double ms) => _generatorForwardMs += ms;

    public void AddExchangeBytes(long bytes) => _exchangeBytes += bytes;

    public void AddDiscriminatorStep(IReadOnlyDictionary<string, double> terms, double stepMs, BatchDiversity? diversity = null)
    {
        foreach (var (name, value) in terms)
        {
            var (sum, count) = _discriminator.GetValueOrDefault(name);
            _discriminator[name] = (sum + value, count + 1);
        }

        _discriminatorStepMs += stepMs;
        _diversity ??= diversity;
        DiscriminatorSteps++;
    }

    public void AddGeneratorStep(IReadOnlyDictionary<string, double> terms, double feedbackMs)
    {
        foreach (var (name, value) in terms)
        {
            _generator[name] = value;
        }

        _feedbackMs += feedbackMs;
    }

    public void AddGeneratorUpdate(double ms) => _generatorUpdateMs += ms;

    /// <summary>The round's result, with <paramref name="roundMs"/> as its wall-clock time.</summary>
    public RoundResult Complete(double roundMs)
    {
        var terms = new Dictionary<string, double>();
        foreach (var (name, (sum, count)) in _discriminator)
        {
            terms[name] = sum / count;
        }

        foreach (var (name, value) in _generator)
        {
            terms[name] = value;
        }

        return new RoundResult(Round, terms, new RoundTimings(_generatorForwardMs, _discriminatorStepMs, _feedbackMs, _generatorUpdateMs, roundMs))
        {
            Diversity = _diversity,
            ExchangeBytes = _exchangeBytes,
        };
    }
}
