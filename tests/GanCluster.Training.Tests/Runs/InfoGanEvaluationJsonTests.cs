using System.Text.Json;
using GanCluster.Training.Metrics;
using GanCluster.Training.Core;
using GanCluster.Training.Families;
using GanCluster.Training.Loop;
using GanCluster.Training.Monitoring;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;
using GanCluster.Training.Tests.Data;

namespace GanCluster.Training.Tests.Runs;

/// <summary>
/// InfoGAN's figure in evaluation.json from a real (tiny) local run: the categorical code as a classifier of the
/// held-out digits 8000-9999 and of the training digits, consistent in itself and with a fresh evaluation of the run's
/// checkpoint. No quality thresholds: two rounds teach the code nothing.
/// </summary>
public sealed class InfoGanEvaluationJsonTests
{
    private sealed class Silent : ILocalRunObserver
    {
        public void Started(ExperimentSpec spec, string device, int startRound, string dataDescription)
        {
        }

        public void Resumed(int round, IReadOnlyList<string> skippedCheckpoints)
        {
        }

        public void RoundLogged(RoundResult result, double stepsPerSecond, int totalRounds)
        {
        }

        public void Checkpointed(int round, string path)
        {
        }

        public void Alarmed(Alarm alarm)
        {
        }

        public void Diverged(RoundResult result)
        {
        }

        public void Evaluated(EvaluationResult result)
        {
        }
    }

    private static readonly ExperimentSpec Spec = new()
    {
        Name = "tiny-infogan-eval",
        Model = ModelKind.InfoGan,
        Dataset = DatasetKind.Mnist,
        Loss = LossKind.InfoGan,
        BatchSize = 8,
        LatentSize = 62,
        Rounds = 2,
        CheckpointInterval = 2,
        Seed = 17,
        Device = "cpu",
    };

    [Fact]
    public void A_local_run_writes_the_code_classification_of_held_out_and_training_digits_to_evaluation_json()
    {
        using var folder = new TempFolder();
        new LocalRun(Spec, new LocalRunOptions(folder.Path, LogEvery: 1, EvaluationSamples: 32, TensorBoard: false), new Silent()).Run(CancellationToken.None);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName)));
        var info = json.RootElement.GetProperty("infoGan");
        foreach (var (part, count) in new[] { ("heldOut", 2000), ("train", 8000) })
        {
            var figure = info.GetProperty(part);
            var accuracy = figure.GetProperty("accuracy").GetDouble();
            var assignment = figure.GetProperty("assignment").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var confusion = figure.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
            Assert.Equal(count, figure.GetProperty("count").GetInt32());
            Assert.Equal(Enumerable.Range(0, 10), assignment.Order());
            Assert.Equal(count, confusion.Sum(row => row.Sum()));
            Assert.Equal(assignment.Select((label, code) => confusion[code][label]).Sum() / (double)count, accuracy, 12);
            Assert.Equal(1 - accuracy, figure.GetProperty("error").GetDouble(), 12);
            Assert.Equal(ClusterMatching.BestMatching(confusion).Select((label, code) => confusion[code][label]).Sum(), assignment.Select((label, code) => confusion[code][label]).Sum());
        }

        var written = EvaluationLog.Deserialize(File.ReadAllText(Path.Combine(folder.Path, EvaluationLog.LatestFileName)));
        Assert.Contains("categorical code accuracy", written.Headline, StringComparison.Ordinal);

        // `gancluster evaluate` on the run's checkpoint (both halves, D restored on the CPU) gives the same figure.
        var checkpoint = Checkpoint.Load(Path.Combine(folder.Path, "checkpoints", "round-000002.ckpt"));
        var again = Evaluation.Checkpoint(Spec, checkpoint.Generator, checkpoint.Round, 32, discriminatorState: checkpoint.Discriminator);
        Assert.Equal(written.InfoGan!.HeldOut.Accuracy, again.InfoGan!.HeldOut.Accuracy);
        Assert.Equal(written.InfoGan.HeldOut.Assignment, again.InfoGan.HeldOut.Assignment);
        Assert.Equal(written.InfoGan.Train.Confusion, again.InfoGan.Train.Confusion);

        // Without its discriminator half the evaluation has no figure to give (a generator-only download, before this field).
        Assert.Null(Evaluation.Checkpoint(Spec, checkpoint.Generator, checkpoint.Round, 32).InfoGan);
    }
}
