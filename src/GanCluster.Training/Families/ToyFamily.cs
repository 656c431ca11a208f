using GanCluster.Training.Models;
using GanCluster.Training.Options;

namespace GanCluster.Training.Families;

/// <summary>A small MLP pair for the 2-D Gaussian mixtures (ring8, grid25), shaped by the experiment's "toy" section.</summary>
public sealed class ToyFamily : GanFamily
{
    public override SampleRange OutputRange => SampleRange.Unbounded;

    public override GeneratorNet CreateGenerator(ExperimentSpec spec) =>
        new ToyGenerator(spec.LatentSize, Classes(spec), spec.Toy.GeneratorWidth, spec.Toy.GeneratorDepth, spec.Toy.LatentCategories);

    public override DiscriminatorNet CreateDiscriminator(ExperimentSpec spec) =>
        new ToyDiscriminator(spec.Packing, Classes(spec), spec.Toy.DiscriminatorWidth, spec.Toy.DiscriminatorDepth);

    public override long[] SampleShape(ExperimentSpec spec) => [ToyGenerator.PointSize];

    public override LatentNoise Noise(ExperimentSpec spec) => spec.Toy.Noise;

    public override IEnumerable<SpecError> Validate(ExperimentSpec spec)
    {
        if (spec.IsImageData)
        {
            yield return new SpecError("dataset", $"toy supports ring8 or grid25; got {FamilyCatalog.Name(spec.Dataset)} (use model mlp or dcgan for images)");
            yield break;
        }

        var toy = spec.Toy;
        if (toy is null)
        {
            yield return new SpecError("toy", "is required for model toy (for example {\"generatorWidth\": 128, \"generatorDepth\": 2})");
            yield break;
        }

        var errors = new List<SpecError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new SpecError(field, message));
            }
        }

        Check(toy.GeneratorWidth is >= 1 and <= ToyModelLimits.MaxWidth, "toy.generatorWidth", $"must be between 1 and {ToyModelLimits.MaxWidth}; got {toy.GeneratorWidth}");
        Check(toy.GeneratorDepth is >= 1 and <= ToyModelLimits.MaxDepth, "toy.generatorDepth", $"must be between 1 and {ToyModelLimits.MaxDepth}; got {toy.GeneratorDepth}");
        Check(toy.DiscriminatorWidth is >= 1 and <= ToyModelLimits.MaxWidth, "toy.discriminatorWidth", $"must be between 1 and {ToyModelLimits.MaxWidth}; got {toy.DiscriminatorWidth}");
        Check(toy.LatentCategories == 0 || toy.LatentCategories is >= 2 and <= ToyModelLimits.MaxWidth, "toy.latentCategories",
            $"must be 0 (off) or between 2 and {ToyModelLimits.MaxWidth}; got {toy.LatentCategories}");
        Check(toy.DiscriminatorDepth is >= 1 and <= ToyModelLimits.MaxDepth, "toy.discriminatorDepth", $"must be between 1 and {ToyModelLimits.MaxDepth}; got {toy.DiscriminatorDepth}");
        Check(toy.LatentCategories == 0 || spec.LatentSize >= 2, "toy.latentCategories",
            $"needs latentSize >= 2 (one coordinate picks the category); got latentSize {spec.LatentSize}");
        Check(Enum.IsDefined(toy.Noise), "toy.noise", $"allowed: {SpecJson.Allowed<LatentNoise>()}");
        Check(toy.LatentCategories == 0 || toy.Noise == LatentNoise.Normal, "toy.noise",
            $"uniform cannot be combined with toy.latentCategories {toy.LatentCategories} (the category is read from z_0 as a normal draw); use normal noise or latentCategories 0");
        foreach (var error in errors)
        {
            yield return error;
        }
    }
}
