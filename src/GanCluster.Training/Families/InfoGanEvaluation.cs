using GanCluster.Training.Data;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>How well InfoGAN's categorical code classifies real digits without ever having seen a label.</summary>
/// <param name="Accuracy">Fraction of the digits whose predicted code value maps to their label under the best matching.</param>
/// <param name="Count">Digits classified.</param>
/// <param name="Assignment">Assignment[code] = the label that code value is matched to.</param>
/// <param name="Confusion">Confusion[code][label]: digits of that label that Q assigned to that code value.</param>
public sealed record CodeClassification(double Accuracy, int Count, int[] Assignment, long[][] Confusion)
{
    /// <summary>1 - <see cref="Accuracy"/>: the paper's figure is the error (5%).</summary>
    public double Error => 1 - Accuracy;
}

/// <summary>InfoGAN's figure in evaluation.json: the categorical code as a classifier of the held-out and of the training digits.</summary>
/// <param name="HeldOut">On the held-out digits (8000-9999 of the bundled MNIST): the figure, reported and never tuned on.</param>
/// <param name="Train">On the training digits (0-7999), with its own matching: the figure to select recipes on.</param>
public sealed record InfoGanResult(CodeClassification HeldOut, CodeClassification Train);

/// <summary>
/// The figure of Chen et al. (2016) on MNIST: the categorical code used as an unsupervised classifier. Q's most likely
/// code value for each real held-out digit, then the best one-to-one matching of code values to labels (the Hungarian
/// algorithm, exact), and the accuracy under that matching (the paper: 95%, i.e. 5% error).
/// </summary>
public static class InfoGanEvaluation
{
    /// <summary>The figure for D (the GAN's discriminator with its Q head) on the experiment's training and held-out digits.</summary>
    public static InfoGanResult Evaluate(InfoGanDiscriminator discriminator, SampleSet train, SampleSet heldOut) =>
        new(ClassifyWithCodes(discriminator, heldOut), ClassifyWithCodes(discriminator, train));

    /// <summary>
    /// Classifies <paramref name="digits"/> (images in [0, 1], as data sets hold them) with the Q head of
    /// <paramref name="discriminator"/> in eval mode (BatchNorm's running statistics), and matches code values to labels.
    /// </summary>
    public static CodeClassification ClassifyWithCodes(InfoGanDiscriminator discriminator, SampleSet digits, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(digits);
        var n = (int)digits.Samples.shape[0];
        var confusion = new long[InfoGanFamily.Categories][];
        for (var i = 0; i < confusion.Length; i++)
        {
            confusion[i] = new long[Math.Max(InfoGanFamily.Categories, digits.Classes)];
        }

        var wasTraining = discriminator.training;
        var device = discriminator.parameters().First().device;
        using var noGrad = no_grad();
        discriminator.eval();
        try
        {
            for (var start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(batchSize, n - start);
                var x = digits.Samples.narrow(0, start, length).to(device).mul(KeptScalars.Two).sub(KeptScalars.One);
                var codes = discriminator.Heads(x).CategoricalLogits.argmax(1).cpu().data<long>().ToArray();
                var labels = digits.Labels.narrow(0, start, length).cpu().data<long>().ToArray();
                for (var i = 0; i < length; i++)
                {
                    confusion[codes[i]][labels[i]]++;
                }
            }
        }
        finally
        {
            discriminator.train(wasTraining);
        }

        var assignment = BestMatching(confusion);
        long matched = 0;
        for (var code = 0; code < assignment.Length; code++)
        {
            matched += confusion[code][assignment[code]];
        }

        return new CodeClassification(n == 0 ? 0 : (double)matched / n, n, assignment, confusion);
    }

    /// <summary>
    /// The one-to-one assignment of rows to columns with the largest total of <paramref name="counts"/> (rows &lt;=
    /// columns): the Hungarian algorithm (Kuhn-Munkres with potentials, O(rows^2 columns)) on the costs -counts. Exact,
    /// unlike matching each row greedily to its largest column.
    /// </summary>
    /// <returns>For each row, its column.</returns>
    public static int[] BestMatching(long[][] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var rows = counts.Length;
        var columns = rows == 0 ? 0 : counts[0].Length;
        if (counts.Any(r => r.Length != columns) || rows > columns)
        {
            throw new ArgumentException($"counts: a rectangular matrix with no more rows than columns; got {rows} rows of lengths {string.Join(", ", counts.Select(r => r.Length).Distinct())}");
        }

        // 1-based arrays as in the classic formulation: u, v potentials, p[column] = row matched to it (0 = none).
        var u = new long[rows + 1];
        var v = new long[columns + 1];
        var p = new int[columns + 1];
        var way = new int[columns + 1];
        for (var row = 1; row <= rows; row++)
        {
            p[0] = row;
            var column0 = 0;
            var minimum = Enumerable.Repeat(long.MaxValue, columns + 1).ToArray();
            var used = new bool[columns + 1];
            do
            {
                used[column0] = true;
                var row0 = p[column0];
                var delta = long.MaxValue;
                var column1 = 0;
                for (var column = 1; column <= columns; column++)
                {
                    if (used[column])
                    {
                        continue;
                    }

                    var reduced = -counts[row0 - 1][column - 1] - u[row0] - v[column];
                    if (reduced < minimum[column])
                    {
                        minimum[column] = reduced;
                        way[column] = column0;
                    }

                    if (minimum[column] < delta)
                    {
                        delta = minimum[column];
                        column1 = column;
                    }
                }

                for (var column = 0; column <= columns; column++)
                {
                    if (used[column])
                    {
                        u[p[column]] += delta;
                        v[column] -= delta;
                    }
                    else
                    {
                        minimum[column] -= delta;
                    }
                }

                column0 = column1;
            }
            while (p[column0] != 0);

            do
            {
                var column1 = way[column0];
                p[column0] = p[column1];
                column0 = column1;
            }
            while (column0 != 0);
        }

        var assignment = new int[rows];
        for (var column = 1; column <= columns; column++)
        {
            if (p[column] != 0)
            {
                assignment[p[column] - 1] = column - 1;
            }
        }

        return assignment;
    }
}
