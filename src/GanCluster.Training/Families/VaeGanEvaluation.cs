using GanCluster.Training.Data;
using GanCluster.Training.Objectives;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>VAE-GAN's reconstruction figure in evaluation.json (the sample Parzen estimate is the evaluation's own).</summary>
/// <param name="Count">Held-out digits reconstructed.</param>
/// <param name="PixelMse">Mean squared error per pixel between a digit and G(mu(x)), both in [0, 1].</param>
/// <param name="FeatureMse">Mean squared error per feature of D's Dis_l (128 x 7 x 7, D in eval mode) between a digit and its reconstruction.</param>
/// <param name="Llike">L_llike^Dis_l as training measures it, 0.5 x the squared error summed over Dis_l's features, mean over the digits (eval mode).</param>
/// <param name="TrainPixelMse">The same pixel error on as many training digits (the first ones): the figure to compare recipes on.</param>
public sealed record VaeGanResult(int Count, double PixelMse, double FeatureMse, double Llike, double TrainPixelMse);

/// <summary>
/// The reconstruction error of Larsen et al. (2016) on held-out digits: each digit x is encoded to E's mean mu(x) (no
/// sampling: a deterministic figure), decoded, and compared with x in pixels and in D's feature space Dis_l. E, G and D run
/// in eval mode (BatchNorm's running statistics).
/// </summary>
public static class VaeGanEvaluation
{
    /// <summary>The figure for the generator node's networks and D on the held-out digits (and as many training digits).</summary>
    public static VaeGanResult Evaluate(VaeGanGenerator generator, VaeGanDiscriminator discriminator, SampleSet train, SampleSet heldOut)
    {
        var (pixel, feature, llike) = Reconstruct(generator, discriminator, heldOut.Samples);
        var count = (int)heldOut.Samples.shape[0];
        using var trainDigits = train.Samples.narrow(0, 0, Math.Min(count, (int)train.Samples.shape[0])); // held until Reconstruct returns
        var (trainPixel, _, _) = Reconstruct(generator, discriminator, trainDigits);
        return new VaeGanResult(count, pixel, feature, llike, trainPixel);
    }

    /// <summary>Pixel MSE, Dis_l MSE per feature and L_llike (mean per digit) of G(mu(x)) for images in [0, 1].</summary>
    public static (double PixelMse, double FeatureMse, double Llike) Reconstruct(VaeGanGenerator generator, VaeGanDiscriminator discriminator, Tensor images, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(discriminator);
        var n = (int)images.shape[0];
        var generatorTraining = generator.training;
        var discriminatorTraining = discriminator.training;
        var device = generator.parameters().First().device;
        double pixel = 0, feature = 0, llike = 0;
        using var noGrad = no_grad();
        generator.eval();
        discriminator.eval();
        try
        {
            for (var start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, n - start);
                var x = images.narrow(0, start, length).to(device).ToSymmetric();
                var (mu, _) = generator.Encode(x);
                var reconstruction = generator.Decode(mu);

                // Pixels in [0, 1]: (a - b) / 2 in the model's range.
                var pixelDifference = reconstruction.sub(x).mul(KeptScalars.Of(0.5));
                pixel += pixelDifference.mul(pixelDifference).sum().item<float>();
                var onD = discriminator.parameters().First().device;
                var batchLlike = VaeGanObjective.Llike(discriminator, reconstruction.to(onD), x.to(onD)).item<float>();
                llike += batchLlike * length;
                feature += 2.0 * batchLlike * length;
            }
        }
        finally
        {
            generator.train(generatorTraining);
            discriminator.train(discriminatorTraining);
        }

        if (n == 0)
        {
            return (0, 0, 0);
        }

        using var first = images[0]; // held until numel() returns
        return (pixel / ((double)n * first.numel()), feature / ((double)n * VaeGanDiscriminator.FeatureSize), llike / n);
    }
}
