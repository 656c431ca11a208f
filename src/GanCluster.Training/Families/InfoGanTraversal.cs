using static TorchSharp.torch;

namespace GanCluster.Training.Families;

/// <summary>
/// InfoGAN's traversal grid, the figure of Chen et al. (2016, Figure 2): row r holds categorical value r (0..9), column c
/// one continuous code at <see cref="Value"/>(c), evenly from <see cref="From"/> to <see cref="To"/> (beyond the [-1, 1]
/// it was trained on, as the paper shows), the other continuous code 0, and every cell of a row the same noise z_r, so
/// a row shows what that code changes with everything else fixed. The noise is row r of G's fixed noise batch (no
/// random draw: the grid never shifts a training stream), the same z that row r of the plain sample grid gets.
/// </summary>
public static class InfoGanTraversal
{
    /// <summary>Columns of the grid: values of the traversed continuous code.</summary>
    public const int Columns = 10;

    /// <summary>The traversed code's first value.</summary>
    public const double From = -2;

    /// <summary>The traversed code's last value.</summary>
    public const double To = 2;

    /// <summary>The continuous code the grid traverses (0: the paper's c2, rotation on MNIST when it is learned).</summary>
    public const int TraversedCode = 0;

    /// <summary>Rows of the grid: one per categorical value.</summary>
    public static int Rows => InfoGanFamily.Categories;

    /// <summary>Cells (generated images) of the grid, row by row.</summary>
    public static int Cells => Rows * Columns;

    /// <summary>The traversed code's value in <paramref name="column"/>: From + column (To - From) / (Columns - 1).</summary>
    public static double Value(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Columns);
        return From + (column * (To - From) / (Columns - 1));
    }

    /// <summary>The codes of cell <paramref name="cell"/> (row-major): its categorical value, its continuous codes, and its noise row.</summary>
    public static (int Category, double[] Continuous, int NoiseRow) CellCodes(int cell)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cell);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cell, Cells);
        var (row, column) = (cell / Columns, cell % Columns);
        var continuous = new double[InfoGanFamily.ContinuousCodes];
        continuous[TraversedCode] = Value(column);
        return (row, continuous, row);
    }

    /// <summary>
    /// G's input for the whole grid, [Cells, latent + 12] row-major: cell (r, c) is z = <paramref name="noise"/>[r] with
    /// categorical value r and the continuous codes of <see cref="CellCodes"/>. <paramref name="noise"/> needs at least
    /// <see cref="Rows"/> rows.
    /// </summary>
    public static Tensor Input(Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (noise.ndim != 2 || noise.shape[0] < Rows)
        {
            throw new ArgumentException($"noise: the traversal grid needs [>= {Rows}, latent] noise rows; got [{string.Join(", ", noise.shape)}]", nameof(noise));
        }

        using var scope = NewDisposeScope();
        var cells = Enumerable.Range(0, Cells).Select(CellCodes).ToArray();
        var rows = tensor(cells.Select(c => (long)c.NoiseRow).ToArray(), dtype: int64, device: noise.device);
        var categorical = tensor(cells.Select(c => (long)c.Category).ToArray(), dtype: int64, device: noise.device);
        var continuous = tensor(cells.SelectMany(c => c.Continuous.Select(v => (float)v)).ToArray(), [Cells, InfoGanFamily.ContinuousCodes], device: noise.device);
        var z = noise.index_select(0, rows);
        return InfoGanGenerator.Fold(z, categorical, continuous).MoveToOuterDisposeScope();
    }
}
