namespace GanCluster.Training.Metrics;

/// <summary>
/// The best one-to-one matching of clusters to labels, the figure of unsupervised classifiers (InfoGAN's categorical
/// code, CatGAN's classes): from a confusion matrix counts[cluster][label], the assignment with the most digits on the
/// diagonal, found exactly.
/// </summary>
public static class ClusterMatching
{
    /// <summary>The best assignment of <paramref name="confusion"/>'s rows (clusters) to its columns (labels) and the digits it matches.</summary>
    public static (int[] Assignment, long Matched) Best(long[][] confusion)
    {
        var assignment = BestMatching(confusion);
        long matched = 0;
        for (var cluster = 0; cluster < assignment.Length; cluster++)
        {
            matched += confusion[cluster][assignment[cluster]];
        }

        return (assignment, matched);
    }

    /// <summary>
    /// Each row (cluster) assigned to its largest column (label), several rows may share one: the many-to-one matching for
    /// more clusters than labels (ties go to the lower label). Returns the assignment and the digits it matches.
    /// </summary>
    public static (int[] Assignment, long Matched) Majority(long[][] confusion)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var assignment = new int[confusion.Length];
        long matched = 0;
        for (var cluster = 0; cluster < confusion.Length; cluster++)
        {
            var row = confusion[cluster];
            if (row.Length == 0)
            {
                throw new ArgumentException($"confusion: row {cluster} has no columns");
            }

            var best = 0;
            for (var label = 1; label < row.Length; label++)
            {
                best = row[label] > row[best] ? label : best;
            }

            assignment[cluster] = best;
            matched += row[best];
        }

        return (assignment, matched);
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
