using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>
/// Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", section 3): the standard
/// deviation of every feature over the batch, averaged into one number and appended to every row as an extra
/// feature. A discriminator that sees it can tell a batch of near-identical fakes from a varied real batch,
/// which pushes the generator away from mode dropping. It has no parameters and draws no random numbers.
/// </summary>
public static class MinibatchStd
{
    /// <summary>Added to the variance before the square root, as in ProGAN, so that a batch of one has a gradient.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>[B, F] -> [B, F + 1]: the rows with the batch's mean standard deviation (population) appended.</summary>
    public static Tensor Append(Tensor features)
    {
        if (features.ndim != 2)
        {
            throw new ArgumentException($"features: minibatch standard deviation expects [B, F]; got [{string.Join(", ", features.shape)}]");
        }

        using var scope = NewDisposeScope();
        var column = MeanStd(features).expand(features.shape[0], 1);
        return cat(new[] { features, column }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, C, H, W] -> [B, C + 1, H, W]: the feature-map form (ProGAN's, with the whole batch as one group): the
    /// population standard deviation over the batch of every (channel, row, column), averaged into one number and
    /// appended as a constant extra channel.
    /// </summary>
    public static Tensor AppendMap(Tensor maps)
    {
        if (maps.ndim != 4)
        {
            throw new ArgumentException($"maps: minibatch standard deviation expects [B, C, H, W]; got [{string.Join(", ", maps.shape)}]");
        }

        using var scope = NewDisposeScope();
        var channel = MeanStd(maps).expand(maps.shape[0], 1, maps.shape[2], maps.shape[3]);
        return cat(new[] { maps, channel }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The population standard deviation over the batch (dimension 0) of every other coordinate, averaged: a scalar.</summary>
    private static Tensor MeanStd(Tensor x) =>
        // A kept scalar, not "+ Epsilon": that operator hands libtorch a temporary scalar (see KeptScalars). Same values.
        x.var(0L, unbiased: false).add(KeptScalars.Of(Epsilon), KeptScalars.One).sqrt().mean();
}
