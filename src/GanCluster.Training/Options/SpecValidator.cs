using GanCluster.Training.Families;
using GanCluster.Training.Objectives;

namespace GanCluster.Training.Options;

/// <summary>Checks every field of an experiment; each error names the field and the allowed values.</summary>
public static class SpecValidator
{
    public static IReadOnlyList<SpecError> Validate(ExperimentSpec spec)
    {
        var errors = new List<SpecError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new SpecError(field, message));
            }
        }

        Check(!string.IsNullOrWhiteSpace(spec.Name) && spec.Name.Length <= 100, "name", "must be 1 to 100 characters");
        Check(Enum.IsDefined(spec.Dataset), "dataset", $"allowed: {SpecJson.Allowed<DatasetKind>()}");
        Check(spec.K >= 1, "k", $"discriminator steps per round must be >= 1; got {spec.K}");
        Check(spec.BatchSize >= 1 && spec.BatchSize <= 65536, "batchSize", $"must be between 1 and 65536; got {spec.BatchSize}");
        Check(spec.LatentSize >= 1 && spec.LatentSize <= 4096, "latentSize", $"must be between 1 and 4096; got {spec.LatentSize}");
        Check(spec.Rounds >= 1, "rounds", $"must be >= 1; got {spec.Rounds}");
        Check(spec.CheckpointInterval >= 0, "checkpointInterval", $"must be >= 0 (0 = only at the end); got {spec.CheckpointInterval}");
        Check(spec.SampleInterval >= 0, "sampleInterval", $"must be >= 0 (0 = at checkpoints only); got {spec.SampleInterval}");
        Check(spec.Packing >= 1, "packing", $"must be >= 1 (1 = no packing); got {spec.Packing}");
        Check(spec.Packing < 1 || spec.BatchSize % spec.Packing == 0, "packing",
            $"must divide batchSize ({spec.BatchSize}); got {spec.Packing}");
        Check(spec.R1Gamma >= 0 && double.IsFinite(spec.R1Gamma), "r1Gamma", $"must be >= 0 (0 = no gradient penalty); got {spec.R1Gamma}");
        Check(spec.R1Interval is >= 1 and <= 1000, "r1Interval", $"the discriminator steps per R1 penalty must be 1 to 1000 (1 = every step, 16 typical for lazy R1); got {spec.R1Interval}");
        Check(spec.R1FinalGamma is null || (spec.R1FinalGamma >= 0 && double.IsFinite(spec.R1FinalGamma.Value)), "r1FinalGamma",
            $"must be >= 0, or null for a constant r1Gamma; got {spec.R1FinalGamma}");
        Check(spec.R1FinalGamma is null || spec.R1Gamma > 0, "r1FinalGamma", $"schedules the R1 penalty, which is off (r1Gamma 0); got {spec.R1FinalGamma}: set r1Gamma, or remove r1FinalGamma");
        Check(spec.R1Interval == 1 || spec.R1Gamma > 0, "r1Interval", $"spaces the R1 penalty, which is off (r1Gamma 0); got {spec.R1Interval}: set r1Gamma, or use 1");
        Check(spec.HeldOutFraction >= 0 && spec.HeldOutFraction <= 0.9, "heldOutFraction", $"must be in [0, 0.9]; got {spec.HeldOutFraction}");
        Check(IsDevice(spec.Device), "device", $"allowed: auto, cpu, cuda, cuda:N; got '{spec.Device}'");
        Check(spec.GeneratorEma is >= 0 and < 1, "generatorEma", $"the decay of G's weight average must be in [0, 1) (0 = off, 0.999 typical); got {spec.GeneratorEma}");
        Check(spec.GeneratorEmaRamp is null or (> 0 and <= 1e6), "generatorEmaRamp", $"the ramp of G's weight average must be a positive number (9 = TensorFlow's default, 1 = a running mean early); got {spec.GeneratorEmaRamp}");
        Check(spec.GeneratorEmaRamp is null || spec.GeneratorEma > 0, "generatorEmaRamp", "sets how fast G's weight average ramps up, and generatorEma is 0 (no average); set generatorEma (0.999 typical) or remove generatorEmaRamp");
        Check(spec.StandingStatistics != true || spec.GeneratorEma > 0, "standingStatistics", "recomputes the BatchNorm statistics of G's weight average, and generatorEma is 0 (no average); set generatorEma (0.999 typical) or remove standingStatistics");
        Check(spec.DiscriminatorEma is >= 0 and < 1, "discriminatorEma", $"the decay of D's weight average must be in [0, 1) (0 = off, 0.999 typical); got {spec.DiscriminatorEma}");
        Check(spec.DiscriminatorEma == 0 || spec.Model is ModelKind.Ssgan or ModelKind.CatGan or ModelKind.InfoGan, "discriminatorEma",
            $"D's weight average is read only by the figures of models ssgan, catgan and infogan (D as a classifier); got model {FamilyCatalog.Name(spec.Model)}; use 0");
        Check(spec.RealLabelSmoothing is >= 0 and < 0.5, "realLabelSmoothing", $"must be in [0, 0.5) (0 = off, 0.1 typical); got {spec.RealLabelSmoothing}");
        Check(spec.InstanceNoise >= 0 && double.IsFinite(spec.InstanceNoise), "instanceNoise", $"must be a finite number >= 0 (0 = off); got {spec.InstanceNoise}");
        var topK = spec.TopK ?? new TopKSpec();
        Check(topK.MinFraction is > 0 and <= 1, "topK.minFraction", $"the smallest share of fake samples G learns from must be in (0, 1] (1 = off, 0.5 typical); got {topK.MinFraction}");
        Check(topK.Gamma is > 0 and <= 1, "topK.gamma", $"the decay of k per interval must be in (0, 1] (0.99 typical); got {topK.Gamma}");
        Check(topK.Interval >= 1, "topK.interval", $"generator steps between decays of k must be >= 1; got {topK.Interval}");
        Check(!topK.On || spec.Loss is LossKind.Minimax or LossKind.NonSaturating or LossKind.Hinge or LossKind.WganGp, "topK.minFraction",
            $"top-k training applies to the score objectives (minimax, non-saturating, hinge, wgan-gp); got loss {FamilyCatalog.Name(spec.Loss)}; use 1");
        // Only catgan reads labelsPerClass; elsewhere a value would be silently ignored.
        Check(spec.LabelsPerClass == 0 || spec.Loss == LossKind.CatGan, "labelsPerClass",
            $"only loss catgan trains on a labelled subset (ssgan always uses 10 per class); got {spec.LabelsPerClass} with loss {FamilyCatalog.Name(spec.Loss)}; use 0");
        // Only gran reads its section; elsewhere a changed value would be silently ignored.
        Check(spec.Model == ModelKind.Gran || spec.Gran is null || spec.Gran == new GranSpec(), "gran.steps",
            $"only model gran draws in steps; got {spec.Gran?.Steps} with model {FamilyCatalog.Name(spec.Model)}; remove the gran section");
        // Only the toy family draws its noise from the toy section (infogan has its own infogan.noise).
        Check(spec.Model == ModelKind.Toy || spec.Toy is null || spec.Toy.Noise == LatentNoise.Normal, "toy.noise",
            $"only model toy reads it; got uniform with model {FamilyCatalog.Name(spec.Model)}; remove it (model infogan: use infogan.noise)");
        // Only infogan reads its section, likewise.
        Check(spec.Model == ModelKind.InfoGan || spec.Infogan is null || spec.Infogan == new InfoGanSpec(), "infogan",
            $"only model infogan has codes and their noise; got {spec.Infogan} with model {FamilyCatalog.Name(spec.Model)}; remove the infogan section");
        // Only ssgan reads its section, likewise.
        Check(spec.Model == ModelKind.Ssgan || spec.Ssgan is null, "ssgan",
            $"only model ssgan chooses its discriminator network here; got {spec.Ssgan} with model {FamilyCatalog.Name(spec.Model)}; remove the ssgan section");
        // Only catgan reads its section, likewise.
        Check(spec.Model == ModelKind.CatGan || spec.Catgan is null, "catgan",
            $"only model catgan weighs a marginal class entropy; got {spec.Catgan} with model {FamilyCatalog.Name(spec.Model)}; remove the catgan section");
        // Only vaegan reads its section, likewise.
        Check(spec.Model == ModelKind.VaeGan || spec.Vaegan is null || spec.Vaegan == new VaeGanSpec(), "vaegan.gamma",
            $"only model vaegan weighs a reconstruction term; got {spec.Vaegan?.Gamma} with model {FamilyCatalog.Name(spec.Model)}; remove the vaegan section");
        // Only codec reads its section, likewise.
        Check(spec.Model == ModelKind.Codec || spec.Codec is null || spec.Codec == new CodecSpec(), "codec.bits",
            $"only model codec has a code size; got {spec.Codec?.Bits} with model {FamilyCatalog.Name(spec.Model)}; remove the codec section");
        // Only lapgan reads its section, likewise.
        Check(spec.Model == ModelKind.Lapgan || spec.Lapgan is null || spec.Lapgan.Level is null, "lapgan.level",
            $"only model lapgan has pyramid levels; got {spec.Lapgan?.Level} with model {FamilyCatalog.Name(spec.Model)}; remove the lapgan section");
        Check(spec.Model == ModelKind.Lapgan || spec.Lapgan?.CoarseRounds is null, "lapgan.coarseRounds",
            $"only model lapgan has a coarsest level; got {spec.Lapgan?.CoarseRounds} with model {FamilyCatalog.Name(spec.Model)}; remove the lapgan section");
        errors.AddRange(ObjectiveCatalog.Validate(spec));
        ValidateOptimizer(spec.GeneratorOptimizer, "generatorOptimizer", Check);
        ValidateOptimizer(spec.DiscriminatorOptimizer, "discriminatorOptimizer", Check);
        ValidateChanges(spec.GeneratorOptimizer, "generatorOptimizer", spec.Rounds, Check);
        ValidateChanges(spec.DiscriminatorOptimizer, "discriminatorOptimizer", spec.Rounds, Check);

        // What the family supports and checks; a field already reported above is not reported twice.
        var reported = errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
        errors.AddRange(FamilyCatalog.Validate(spec).Where(e => !reported.Contains(e.Field)));

        var points = spec.Dataset is DatasetKind.Ring8 or DatasetKind.Grid25;
        if (points)
        {
            Check(spec.Mixture.Std > 0, "mixture.std", $"must be > 0; got {spec.Mixture.Std}");
            Check(spec.Mixture.Radius > 0, "mixture.radius", $"must be > 0; got {spec.Mixture.Radius}");
            Check(spec.Mixture.Spacing > 0, "mixture.spacing", $"must be > 0; got {spec.Mixture.Spacing}");
            Check(spec.Mixture.Samples >= 1, "mixture.samples", $"must be >= 1; got {spec.Mixture.Samples}");
            Check(spec.BatchSize <= spec.Mixture.Samples, "batchSize", $"{spec.BatchSize} is larger than the data set (mixture.samples = {spec.Mixture.Samples}); lower batchSize or raise mixture.samples");
        }

        return errors;
    }

    /// <summary>Which characters a name that becomes a folder name (runs/&lt;name&gt;-seed&lt;seed&gt;) may hold.</summary>
    public const string RunNameRule = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters";

    /// <summary>
    /// The name as a folder name: null when it is one, else the error. Not part of <see cref="Validate"/>: cluster
    /// runs never use the name as a path, and experiments already in a coordinator's journal (whose names were
    /// accepted under the old rule) must still load; the local run checks it where it derives its folder.
    /// </summary>
    public static SpecError? ValidateRunName(string? name)
    {
        var ok = !string.IsNullOrEmpty(name) && name.Length <= 100 && char.IsAsciiLetterOrDigit(name[0])
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        return ok ? null : new SpecError("name", $"'{name}' cannot name a run folder (runs/<name>-seed<seed>); allowed: {RunNameRule}");
    }

    public static void ThrowIfInvalid(ExperimentSpec spec)
    {
        var errors = Validate(spec);
        if (errors.Count > 0)
        {
            throw new SpecValidationException(errors);
        }
    }

    private static void ValidateOptimizer(OptimizerSpec? optimizer, string field, Action<bool, string, string> check)
    {
        if (optimizer is null)
        {
            check(false, field, "is required (for example {\"type\": \"adam\", \"learningRate\": 0.0002})");
            return;
        }

        check(Enum.IsDefined(optimizer.Type), $"{field}.type", $"allowed: {SpecJson.Allowed<OptimizerKind>()}");
        check(optimizer.LearningRate > 0 && double.IsFinite(optimizer.LearningRate), $"{field}.learningRate", $"must be > 0; got {optimizer.LearningRate}");
        check(optimizer.Beta1 is >= 0 and < 1, $"{field}.beta1", $"must be in [0, 1); got {optimizer.Beta1}");
        check(optimizer.Beta2 is >= 0 and < 1, $"{field}.beta2", $"must be in [0, 1); got {optimizer.Beta2}");
        check(optimizer.Momentum is >= 0 and < 1, $"{field}.momentum", $"must be in [0, 1); got {optimizer.Momentum}");
        check(optimizer.FinalLearningRate is null || (optimizer.FinalLearningRate > 0 && double.IsFinite(optimizer.FinalLearningRate.Value)),
            $"{field}.finalLearningRate", $"must be > 0, or null for a constant learning rate; got {optimizer.FinalLearningRate}");
    }

    private static void ValidateChanges(OptimizerSpec? optimizer, string field, int rounds, Action<bool, string, string> check)
    {
        if (optimizer is null)
        {
            return;
        }

        check(optimizer.DecayAfterRound is null || (optimizer.DecayAfterRound >= 0 && optimizer.DecayAfterRound < rounds), $"{field}.decayAfterRound",
            $"must be a round from 0 to {rounds - 1} (the run's rounds minus one), or null to decay from the first step; got {optimizer.DecayAfterRound}");
        check(optimizer.DecayAfterRound is null || optimizer.FinalLearningRate is not null, $"{field}.decayAfterRound",
            $"delays the fall to finalLearningRate, which is not set; got {optimizer.DecayAfterRound}: set finalLearningRate, or remove decayAfterRound");

        if (optimizer.LearningRateChanges is null)
        {
            check(false, $"{field}.learningRateChanges", "must be a list (empty for none), e.g. [{\"afterRound\": 300, \"learningRate\": 0.0001}]");
            return;
        }

        var previous = 0;
        for (var i = 0; i < optimizer.LearningRateChanges.Count; i++)
        {
            var change = optimizer.LearningRateChanges[i];
            var at = $"{field}.learningRateChanges[{i}]";
            if (change is null)
            {
                check(false, at, "must be an object such as {\"afterRound\": 300, \"learningRate\": 0.0001}");
                continue;
            }

            check(change.AfterRound > previous && change.AfterRound < rounds, $"{at}.afterRound",
                $"must be after the previous change's round ({previous}) and before the last round ({rounds}); got {change.AfterRound}. Fix: list the changes in increasing order of round");
            check(change.LearningRate > 0 && double.IsFinite(change.LearningRate), $"{at}.learningRate", $"must be > 0; got {change.LearningRate}");
            previous = Math.Max(previous, change.AfterRound);
        }
    }

    private static bool IsDevice(string? device)
    {
        if (device is null)
        {
            return false;
        }

        var d = device.Trim().ToLowerInvariant();
        return d is "auto" or "cpu" or "cuda" || (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d[5..], out var n) && n >= 0);
    }
}
