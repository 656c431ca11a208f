using GanCluster.Training.Core;
using GanCluster.Training.Data;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>The resume check the checkpoint tests share: a run restored from a checkpoint continues like the uninterrupted one.</summary>
public static class RestoredRun
{
    /// <summary>
    /// Trains <paramref name="before"/> rounds, checkpoints (through the file format's bytes), trains <paramref name="after"/>
    /// more; a second trainer restored from the checkpoint trains the same rounds. Asserts the rounds' losses and both halves'
    /// states are identical.
    /// </summary>
    public static void AssertContinuesExactly(ExperimentSpec spec, SampleSet data, int before, int after)
    {
        using var uninterrupted = new LocalTrainer(spec, data, CPU);
        for (var i = 0; i < before; i++)
        {
            uninterrupted.RunRound();
        }

        var saved = Checkpoint.FromBytes(uninterrupted.Capture().ToBytes());
        var expected = Enumerable.Range(0, after).Select(_ => uninterrupted.RunRound()).ToList();

        using var resumed = new LocalTrainer(spec, data, CPU);
        resumed.Restore(saved);
        var actual = Enumerable.Range(0, after).Select(_ => resumed.RunRound()).ToList();

        Assert.Equal(expected.Select(r => (r.Round, r.DLoss, r.GLoss)), actual.Select(r => (r.Round, r.DLoss, r.GLoss)));
        Assert.Equal(uninterrupted.Generator.SaveState().Data, resumed.Generator.SaveState().Data);
        Assert.Equal(uninterrupted.Discriminator.SaveState().Data, resumed.Discriminator.SaveState().Data);
    }
}
