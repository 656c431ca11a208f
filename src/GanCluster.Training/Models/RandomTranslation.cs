using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Models;

/// <summary>
/// Translation of images by whole pixels with zero fill, each image of a batch by its own shift: the "translation" of
/// DiffAugment (Zhao et al. 2020), applied alike to every image a discriminator sees, real or generated (ssgan's and
/// catgan's translate option), and the shifts of the product's classifier training. It is a gather, so the gradient
/// reaches the input (a generated batch's dLoss/dFake is shifted back). The fill is the images'
/// background: 0 for digits in [0, 1], -1 in [-1, 1].
/// </summary>
public static class RandomTranslation
{
    /// <summary>The largest shift accepted (pixels, each axis).</summary>
    public const int MaxShift = 8;

    /// <summary>The spec error of an option <paramref name="field"/> holding a largest shift, or null when it is absent or in 0-<see cref="MaxShift"/>.</summary>
    public static SpecError? Check(string field, int? maxShift) => maxShift is < 0 or > MaxShift
        ? new SpecError(field, $"a shift of 0-{MaxShift} whole pixels per axis (2 moves a digit by up to 2 pixels); got {maxShift}")
        : null;

    /// <summary>
    /// <paramref name="images"/> [N, C, H, W], each shifted by its own (dy, dx) drawn uniformly from -<paramref
    /// name="maxShift"/>..<paramref name="maxShift"/> per axis from the current random stream (one randint of [2, N]:
    /// row 0 the dy, row 1 the dx), <paramref name="fill"/> where a shift uncovers the border. <paramref name="maxShift"/>
    /// 0 returns the images and draws nothing.
    /// </summary>
    public static Tensor Apply(Tensor images, int maxShift, double fill = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (maxShift is < 0 or > MaxShift)
        {
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, $"maxShift: 0-{MaxShift} pixels");
        }

        if (maxShift == 0)
        {
            return images.alias();
        }

        using var scope = NewDisposeScope();
        var shifts = randint(-maxShift, maxShift + 1, [2, images.shape[0]], dtype: int64).to(images.device);
        return Shift(images, shifts[0], shifts[1], fill, bound: maxShift).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// out[n, c, i, j] = images[n, c, i - dy[n], j - dx[n]], <paramref name="fill"/> where that pixel lies outside the
    /// image: image n moved dy[n] rows down and dx[n] columns right. <paramref name="dy"/> and <paramref name="dx"/> are
    /// int64 [N]. <paramref name="bound"/>, when the caller knows one, is at least every |dy| and |dx| and saves reading
    /// the shifts back from the device; the output is the same for any bound that holds.
    /// </summary>
    public static Tensor Shift(Tensor images, Tensor dy, Tensor dx, double fill = 0, long? bound = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        if (images.ndim != 4)
        {
            throw new ArgumentException($"images: [N, C, H, W] expected; got [{string.Join(", ", images.shape)}]", nameof(images));
        }

        using var scope = NewDisposeScope();
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        var pad = bound ?? Math.Max(dy.abs().max().item<long>(), dx.abs().max().item<long>());
        var padded = nn.functional.pad(images, [pad, pad, pad, pad], TorchSharp.PaddingModes.Constant, fill);
        // Row i of the output reads row i - dy + pad of the padded image; then column j reads column j - dx + pad.
        var rows = arange(KeptScalars.OfInteger(0), KeptScalars.OfInteger(h), KeptScalars.OfInteger(1), dtype: int64, device: images.device).view(1, h).sub(dy.view(n, 1)).add(KeptScalars.OfInteger(pad), KeptScalars.DefaultAlpha);
        var byRow = padded.gather(2, rows.view(n, 1, h, 1).expand(n, c, h, w + 2 * pad));
        var columns = arange(KeptScalars.OfInteger(0), KeptScalars.OfInteger(w), KeptScalars.OfInteger(1), dtype: int64, device: images.device).view(1, w).sub(dx.view(n, 1)).add(KeptScalars.OfInteger(pad), KeptScalars.DefaultAlpha);
        return byRow.gather(3, columns.view(n, 1, 1, w).expand(n, c, h, w)).MoveToOuterDisposeScope();
    }
}
