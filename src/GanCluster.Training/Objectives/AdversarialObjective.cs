using GanCluster.Training.Core;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Objectives;

/// <summary>
/// An objective written on D's raw scores: a subclass gives the real, fake and generator terms, and this base runs the
/// phases around them with the parts every score objective shares: instance noise on D's inputs (from the critic), the
/// R1 penalty on the real batch (Mescheder et al. 2018) joined to the real phase's loss, and the statistics d/real and
/// d/fake = mean sigmoid(score).
/// </summary>
public abstract class AdversarialObjective : IGanObjective
{
    /// <summary>Name of the R1 penalty's term (reported only when it is on; it is not part of loss/d).</summary>
    public const string R1Term = "loss/d_r1";

    /// <summary>Name of the top-k count (reported while k is below the batch).</summary>
    public const string TopKTerm = "g/top_k";

    private readonly ExperimentSpec _spec;
    private readonly int _r1Interval;

    protected AdversarialObjective(ExperimentSpec spec)
    {
        _spec = spec;
        _r1Interval = Math.Max(1, spec.R1Interval);
    }

    /// <summary>The real-batch term of D's loss, from scores on the real batch.</summary>
    protected abstract Tensor RealLoss(Tensor realScores);

    /// <summary>The fake-batch term of D's loss.</summary>
    protected abstract Tensor FakeLoss(Tensor fakeScores);

    /// <summary>G's loss, from D's scores on a fake batch.</summary>
    protected abstract Tensor GeneratorLoss(Tensor fakeScores);

    public virtual PhaseLoss DiscriminatorReal(Critic critic, GanBatch real)
    {
        var input = critic.AddInstanceNoise(real.Samples);
        // Lazy R1: only every r1Interval-th step, at r1Interval times the weight.
        var r1 = _spec.R1Gamma > 0 && critic.Step % _r1Interval == 0;
        if (r1)
        {
            input = input.detach().requires_grad_(true);
        }

        var scores = critic.Score(input, real.Labels);
        var loss = RealLoss(scores);
        var terms = new Dictionary<string, double>
        {
            [MetricNames.DLoss] = loss.item<float>(),
            [MetricNames.DReal] = sigmoid(scores).mean().item<float>(),
        };
        if (!r1)
        {
            return new PhaseLoss(loss, terms);
        }

        // The R1 term joins the real phase's gradient (one backward, as before this seam); loss/d stays the adversarial one.
        var penalty = GradientPenalty.R1(scores, input, GradientPenalty.R1GammaAt(_spec, critic.Step) * _r1Interval, critic.Packing);
        terms[R1Term] = penalty.item<float>();
        return new PhaseLoss(loss.add(penalty, KeptScalars.One), terms);
    }

    public virtual PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
    {
        var scores = critic.Score(critic.AddInstanceNoise(fake.Samples.detach()), fake.Labels);
        var loss = FakeLoss(scores);
        return new PhaseLoss(loss, new Dictionary<string, double>
        {
            [MetricNames.DLoss] = loss.item<float>(),
            [MetricNames.DFake] = sigmoid(scores).mean().item<float>(),
        });
    }

    public virtual PhaseLoss? DiscriminatorRegularizer(Critic critic, GanBatch real, GanBatch fake) => null;

    public virtual GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
    {
        var scores = critic.Score(critic.AddInstanceNoise(fake.Samples), fake.Labels);
        var count = (int)scores.shape[0];
        var keep = critic.GeneratorKeep(count);
        // Top-k (Sinha et al. 2020): only the k samples D finds most real train G; the rest get no gradient.
        var kept = keep < count ? scores.topk(keep, dim: 0).values : scores;
        var loss = GeneratorLoss(kept);
        var terms = new Dictionary<string, double> { [MetricNames.GLoss] = loss.item<float>() };
        if (keep < count)
        {
            terms[TopKTerm] = keep;
        }

        return new GeneratorPhaseLoss(loss, sigmoid(scores).mean().item<float>(), terms);
    }
}
