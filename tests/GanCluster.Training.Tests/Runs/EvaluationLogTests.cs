using GanCluster.Training.Metrics;
using GanCluster.Training.Runs;

namespace GanCluster.Training.Tests.Runs;

/// <summary>evaluation.json and evaluations.jsonl with figures that are not finite numbers.</summary>
public sealed class EvaluationLogTests
{
    [Fact]
    public void Non_finite_figures_are_recorded_and_read_back_instead_of_failing_the_evaluation()
    {
        var folder = Directory.CreateTempSubdirectory("gancluster-evaluation-log-").FullName;
        try
        {
            var finite = new EvaluationResult("parzen", 100, new ParzenResult(0.2, 120.5, 3.1), null, Round: 500);
            var diverged = new EvaluationResult("parzen", 100, new ParzenResult(0.2, 120.5, 3.1), null, Round: 1000)
            {
                ParzenWithoutAverage = new ParzenResult(0.2, double.NegativeInfinity, double.NaN),
            };
            EvaluationLog.Record(folder, finite);
            EvaluationLog.Record(folder, diverged);

            var rows = EvaluationLog.Read(folder);
            Assert.Equal(new int?[] { 500, 1000 }, rows.Select(r => r.Round));
            Assert.Equal(double.NegativeInfinity, rows[1].ParzenWithoutAverage!.MeanLogLikelihood);
            Assert.True(double.IsNaN(rows[1].ParzenWithoutAverage!.StandardError));
            var latest = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder, EvaluationLog.LatestFileName)));
            Assert.Equal(1000, latest.Round);
            Assert.Contains("\"-Infinity\"", File.ReadAllText(Path.Combine(folder, EvaluationLog.LatestFileName)), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
