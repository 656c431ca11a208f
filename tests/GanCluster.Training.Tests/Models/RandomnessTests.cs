using GanCluster.Training.Families;
using GanCluster.Training.Models;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>
/// The halves swap their own state of torch's global generator in and out around their work. That only
/// reproduces runs if dropout draws from the global generator and nothing else at forward time is random.
/// </summary>
public sealed class RandomnessTests
{
    public static TheoryData<ModelKind, int> AllFamilies() => ModelSpecs.AllFamilies();

    [Fact]
    public void Mlp_discriminator_dropout_follows_the_global_generator_in_train_mode()
    {
        var spec = ModelSpecs.For(ModelKind.Mlp, conditional: true, packing: 2);
        manual_seed(30);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        using var scope = NewDisposeScope();
        var x = rand(4, 2, 28, 28);
        var labels = ModelSpecs.Labels(8, spec.Classes).reshape(4, 2);
        d.train();

        manual_seed(5);
        var first = d.call(x, labels);
        manual_seed(5);
        var same = d.call(x, labels);
        manual_seed(6);
        var other = d.call(x, labels);
        Assert.True(ModelSpecs.Identical(first, same), "the same global seed must give the same dropout masks");
        Assert.False(first.allclose(other), "another global seed must give other dropout masks");

        d.eval();
        var plain = d.call(x, labels);
        Assert.False(first.allclose(plain), "train mode must drop units");
    }

    [Fact]
    public void Mlp_discriminator_dropout_is_off_in_eval_mode_and_draws_nothing()
    {
        var spec = ModelSpecs.For(ModelKind.Mlp);
        manual_seed(31);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        using var scope = NewDisposeScope();
        var x = rand(4, 1, 28, 28);
        d.eval();

        manual_seed(7);
        var before = ModelSpecs.RngState();
        var first = d.call(x, null);
        Assert.Equal(before, ModelSpecs.RngState());
        manual_seed(8);
        Assert.True(ModelSpecs.Identical(first, d.call(x, null)), "eval mode must not depend on the generator");
    }

    [Fact]
    public void Mlp_discriminator_train_mode_scales_kept_units_like_inverted_dropout()
    {
        // pylearn2 scaled kept units by 1/include_prob during training (inverted dropout), as torch does.
        // With one piece per maxout unit the whole network is linear, so with independent masks the mean
        // train-mode score over many masks equals the eval-mode score; unscaled dropout would give about
        // 0.8 * 0.5 * 0.5 = 0.2 of it.
        manual_seed(32);
        using var d = new MlpDiscriminator(units: 8, pieces: 1, initRange: 0.05);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = rand(1, 1, 28, 28).expand(20_000, 1, 28, 28);
        d.eval();
        var evalScore = d.call(x.narrow(0, 0, 1), null).item<float>();
        d.train();
        var trainMean = d.call(x, null).mean().item<float>();
        Assert.InRange(trainMean, evalScore - (0.02 * Math.Abs(evalScore)) - 1e-4, evalScore + (0.02 * Math.Abs(evalScore)) + 1e-4);
    }

    [Theory]
    [MemberData(nameof(AllFamilies))]
    public void Forward_passes_draw_nothing_from_the_global_generator_except_mlp_dropout(ModelKind model, int imageSize)
    {
        var spec = ModelSpecs.For(model, imageSize, conditional: true, packing: 2);
        manual_seed(33);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        using var scope = NewDisposeScope();
        var z = randn(4, spec.LatentSize);
        var labels = ModelSpecs.Labels(4, spec.Classes);
        g.train();
        d.train();

        var before = ModelSpecs.RngState();
        var fake = g.call(z, labels);
        Assert.Equal(before, ModelSpecs.RngState());

        var scores = d.call(ModelSpecs.Pack(fake, 2), labels.reshape(2, 2));
        scores.sum().backward();
        if (model == ModelKind.Mlp)
        {
            Assert.NotEqual(before, ModelSpecs.RngState());
        }
        else
        {
            Assert.Equal(before, ModelSpecs.RngState());
        }
    }
}
