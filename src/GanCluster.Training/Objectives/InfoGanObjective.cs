using GanCluster.Training.Families;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Objectives;

/// <summary>
/// InfoGAN (Chen et al. 2016): the non-saturating game plus the variational lower bound L_I of the mutual information
/// between the codes c and G(z, c), estimated by D's Q head on fake batches. L_I here is (minus) a log-likelihood:
/// the cross-entropy of Q's categorical logits against the drawn category (weight <see cref="CategoricalWeight"/> = 1,
/// the paper's lambda for discrete codes) plus the Gaussian negative log-likelihood of the continuous codes under
/// Q's means with a fixed standard deviation of 1, 0.5 (c - mu)^2 summed over the codes without the constant
/// (weight <c>infogan.continuousWeight</c>, 0.1 by default, a common choice for continuous codes; the paper asks for a
/// lambda smaller than 1 there, its released code uses 1). The D-fake phase adds L_I to D's loss, which trains Q and the shared body on the detached
/// fake batch; the G phase adds it to G's loss, so dLoss/dFake carries the information term back to G.
/// Terms: loss/d and loss/g stay the adversarial parts; loss/d_info, loss/g_info are L_I in each phase and
/// info/accuracy is Q's accuracy on the drawn categories of the D step's fake batch.
/// </summary>
public sealed class InfoGanObjective : CrossEntropyObjective, IObjectiveDefinition
{
    /// <summary>Weight of the categorical code's cross-entropy in L_I (the paper's lambda = 1).</summary>
    public const double CategoricalWeight = 1.0;

    /// <summary>L_I in the D-fake phase (part of D's loss, not of loss/d).</summary>
    public const string DiscriminatorInfoTerm = "loss/d_info";

    /// <summary>L_I in the G phase (part of G's loss, not of loss/g).</summary>
    public const string GeneratorInfoTerm = "loss/g_info";

    /// <summary>Q's accuracy on the categorical codes drawn for the D step's fake batch.</summary>
    public const string AccuracyTerm = "info/accuracy";

    private readonly double _continuousWeight;

    public InfoGanObjective(ExperimentSpec spec)
        : base(spec, LossKind.NonSaturating)
    {
        _continuousWeight = spec.Infogan.ContinuousWeight;
    }

    public static IGanObjective Create(ExperimentSpec spec) => new InfoGanObjective(spec);

    public static IEnumerable<SpecError> Validate(ExperimentSpec spec) => spec.Model == ModelKind.InfoGan
        ? []
        : [new SpecError("loss", $"infogan needs the Q head of model infogan; got model {FamilyCatalog.Name(spec.Model)}")];

    public override PhaseLoss DiscriminatorFake(Critic critic, GanBatch fake)
    {
        var heads = Discriminator(critic).Heads(critic.AddInstanceNoise(fake.Samples.detach()));
        var adversarial = FakeLoss(heads.Score);
        var (info, accuracy) = InformationLoss(heads, fake, _continuousWeight);
        return new PhaseLoss(adversarial.add(info, KeptScalars.One), new Dictionary<string, double>
        {
            [MetricNames.DLoss] = adversarial.item<float>(),
            [MetricNames.DFake] = sigmoid(heads.Score).mean().item<float>(),
            [DiscriminatorInfoTerm] = info.item<float>(),
            [AccuracyTerm] = accuracy,
        });
    }

    public override GeneratorPhaseLoss Generator(Critic critic, GanBatch fake)
    {
        var heads = Discriminator(critic).Heads(critic.AddInstanceNoise(fake.Samples));
        var adversarial = GeneratorLoss(heads.Score);
        var (info, _) = InformationLoss(heads, fake, _continuousWeight);
        return new GeneratorPhaseLoss(adversarial.add(info, KeptScalars.One), sigmoid(heads.Score).mean().item<float>(), new Dictionary<string, double>
        {
            [MetricNames.GLoss] = adversarial.item<float>(),
            [GeneratorInfoTerm] = info.item<float>(),
        });
    }

    /// <summary>
    /// L_I = CategoricalWeight * CE(Q's logits, c1) + continuousWeight * mean over the batch of sum 0.5 (c - mu)^2, and
    /// Q's accuracy on c1, for a fake batch that carries its codes as side inputs.
    /// </summary>
    public static (Tensor Loss, double Accuracy) InformationLoss(InfoGanHeads heads, GanBatch fake, double continuousWeight)
    {
        var categorical = SideInput(fake, InfoGanFamily.CategoricalInput);
        var continuous = SideInput(fake, InfoGanFamily.ContinuousInput);
        var crossEntropy = F.cross_entropy(heads.CategoricalLogits, categorical);
        var difference = heads.ContinuousMeans.sub(continuous);
        var nll = difference.mul(difference).sum(1).mean().mul(KeptScalars.Of(0.5));
        var loss = crossEntropy.mul(KeptScalars.Of(CategoricalWeight)).add(nll, KeptScalars.Of(continuousWeight));
        var accuracy = heads.CategoricalLogits.argmax(1).eq(categorical).to(float32).mean().item<float>();
        return (loss, accuracy);
    }

    private static InfoGanDiscriminator Discriminator(Critic critic) => critic.Network as InfoGanDiscriminator
        ?? throw new InvalidOperationException($"loss: infogan needs the infogan discriminator's Q head; got {critic.Network.GetType().Name}");

    private static Tensor SideInput(GanBatch fake, string name) => fake.SideInputs.TryGetValue(name, out var value)
        ? value
        : throw new InvalidOperationException($"the fake batch carries no side input {name}: infogan's codes must travel with it (model infogan draws them)");
}
