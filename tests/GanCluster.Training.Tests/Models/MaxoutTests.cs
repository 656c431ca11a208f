using GanCluster.Training.Models;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

public sealed class MaxoutTests
{
    [Fact]
    public void Maxout_takes_the_maximum_of_consecutive_pieces_of_each_unit()
    {
        using var maxout = new Maxout(inputs: 2, units: 2, pieces: 3);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            // Rows 0-2 are unit 0's pieces, rows 3-5 unit 1's (pylearn2's grouping).
            Parameter("linear.weight").copy_(tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { -1, 0 }, { 2, -1 }, { 0, 0 } }));
            Parameter("linear.bias").copy_(tensor(new float[] { 0, 0, -5, 0, 0, 0.5f }));
        }

        var x = tensor(new float[,] { { 1, 2 }, { -1, 0.5f } });
        var y = maxout.call(x);

        // x0 = (1, 2): unit 0 max(1, 2, -2) = 2, unit 1 max(-1, 0, 0.5) = 0.5.
        // x1 = (-1, 0.5): unit 0 max(-1, 0.5, -5.5) = 0.5, unit 1 max(1, -2.5, 0.5) = 1.
        Assert.Equal(new float[] { 2, 0.5f, 0.5f, 1 }, y.data<float>().ToArray());
        Assert.Equal(new long[] { 2, 2 }, y.shape);

        // The gradient flows only into the winning pieces: rows 1 (both samples), 5 (x0) and 3 (x1).
        y.sum().backward();
        var grad = Parameter("linear.weight").grad!;
        Assert.Equal(new float[] { 0, 0, 0, 2.5f, 0, 0, -1, 0.5f, 0, 0, 1, 2 }, grad.data<float>().ToArray());

        Tensor Parameter(string name) => maxout.named_parameters().Single(p => p.name == name).parameter;
    }

    [Fact]
    public void Maxout_keeps_leading_axes()
    {
        using var maxout = new Maxout(inputs: 3, units: 4, pieces: 2);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 2, 5, 4 }, maxout.call(randn(2, 5, 3)).shape);
    }

    [Fact]
    public void Maxout_rejects_empty_layers()
    {
        Assert.Throws<ArgumentException>(() => new Maxout(inputs: 3, units: 0, pieces: 2));
        Assert.Throws<ArgumentException>(() => new Maxout(inputs: 3, units: 4, pieces: 0));
    }
}
