using GanCluster.Training.Core;
using GanCluster.Training.Models;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>
/// <see cref="RandomTranslation"/>, the whole-pixel shift shared by the ssgan and catgan objectives (their translate
/// option) and the product's classifier training: hand-checked shifts, its gradient, and its draws.
/// </summary>
public sealed class RandomTranslationTests
{
    [Fact]
    public void A_translation_moves_each_image_by_its_own_shift_with_zero_fill()
    {
        using var image = arange(KeptScalars.OfInteger(1), KeptScalars.OfInteger(10), KeptScalars.OfInteger(1), dtype: float32).view(1, 1, 3, 3);
        using var images = cat([image, image]);
        // Image 0 one row down and one column left, image 1 in place.
        using var shifted = RandomTranslation.Shift(images, tensor(new long[] { 1, 0 }), tensor(new long[] { -1, 0 }));
        Assert.Equal(new float[] { 0, 0, 0, 2, 3, 0, 5, 6, 0 }, shifted[0].flatten().data<float>().ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, shifted[1].flatten().data<float>().ToArray());
        // Over a background of -1 (images in [-1, 1]): image 0 one column right.
        using var right = RandomTranslation.Shift(image, tensor(new long[] { 0 }), tensor(new long[] { 1 }), fill: -1);
        Assert.Equal(new float[] { -1, 1, 2, -1, 4, 5, -1, 7, 8 }, right.flatten().data<float>().ToArray());
    }

    [Fact]
    public void The_gradient_of_a_translation_is_the_opposite_translation()
    {
        using var x = rand(3, 1, 5, 5).requires_grad_(true);
        using var weights = randn(3, 1, 5, 5);
        using var dy = tensor(new long[] { 2, -1, 0 });
        using var dx = tensor(new long[] { -2, 1, 3 });
        RandomTranslation.Shift(x, dy, dx).mul(weights).sum().backward();
        using var expected = RandomTranslation.Shift(weights, dy.neg(), dx.neg());
        Assert.True(Same(x.grad!, expected));
    }

    [Fact]
    public void Random_shifts_stay_in_range_come_from_the_current_stream_and_none_draws_nothing()
    {
        using var images = rand(64, 1, 6, 6);
        using var rng = new RngStream(5);
        using var again = new RngStream(5);
        using var first = rng.Run(() => RandomTranslation.Apply(images, 2));
        using var second = again.Run(() => RandomTranslation.Apply(images, 2));
        Assert.True(Same(first, second));
        // Every output is one of the 25 shifts of its image (in range, whole pixels), and some image moved.
        var moved = 0;
        for (var n = 0; n < 64; n++)
        {
            var matches = 0;
            for (var dy = -2; dy <= 2; dy++)
            {
                for (var dx = -2; dx <= 2; dx++)
                {
                    using var candidate = RandomTranslation.Shift(images.narrow(0, n, 1), tensor(new long[] { dy }), tensor(new long[] { dx }));
                    if (Same(candidate, first.narrow(0, n, 1)))
                    {
                        matches++;
                        moved += dy != 0 || dx != 0 ? 1 : 0;
                    }
                }
            }

            Assert.Equal(1, matches);
        }

        Assert.True(moved > 32);
        using var unshifted = rng.Run(() => RandomTranslation.Apply(images, 0));
        using var next = rng.Run(() => randn(4));
        using var nextAgain = again.Run(() => randn(4));
        Assert.True(Same(unshifted, images));
        Assert.True(Same(next, nextAgain));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
