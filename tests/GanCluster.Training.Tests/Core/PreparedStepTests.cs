using GanCluster.Training.Core;
using GanCluster.Training.Options;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>
/// The cluster discriminator computes the real half of its next step ahead of the fake batch
/// (<see cref="DiscriminatorHalf.PrepareStep"/>); that must change nothing about the run.
/// </summary>
public sealed class PreparedStepTests
{
    [Theory]
    [InlineData(LossKind.NonSaturating, false, 0.0)]
    [InlineData(LossKind.Hinge, true, 0.0)]
    [InlineData(LossKind.NonSaturating, false, 0.5)]
    [InlineData(LossKind.NonSaturating, false, 0.5, 2)]
    public void A_step_prepared_ahead_equals_a_step_taken_at_once(LossKind loss, bool conditional, double r1Gamma, int r1Interval = 1)
    {
        // The MLP has dropout, so D's random draws are part of what must line up; the R1 penalty joins the real half (on
        // every r1Interval-th step: the prepared step must count steps as the step taken at once does).
        var spec = TinyData.Mlp(loss, 2) with { Conditional = conditional, R1Gamma = r1Gamma, R1Interval = r1Interval };
        using var data = TinyData.Images();
        using var atOnce = new LocalTrainer(spec, data, CPU);
        using var ahead = new LocalTrainer(spec, data, CPU);

        for (var round = 0; round < 3; round++)
        {
            var expected = atOnce.RunRound();
            var actual = RunRoundPreparingAhead(ahead, spec.K);
            Assert.Equal((expected.DLoss, expected.GLoss, expected.DReal, expected.DFake), (actual.DLoss, actual.GLoss, actual.DReal, actual.DFake));
        }

        Assert.Equal(atOnce.Discriminator.SaveState().Data, ahead.Discriminator.SaveState().Data);
        Assert.Equal(atOnce.Generator.SaveState().Data, ahead.Generator.SaveState().Data);
    }

    [Fact]
    public void A_checkpoint_taken_while_prepared_leaves_the_prepared_batch_out_and_resumes_exactly()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1);
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(spec, data, CPU);
        trainer.RunRound();
        var before = trainer.Discriminator.SaveState();

        trainer.Discriminator.PrepareStep();
        Assert.True(trainer.Discriminator.IsPrepared);
        var whilePrepared = trainer.Discriminator.SaveState();
        Assert.Equal(before.Data, whilePrepared.Data);

        // The run goes on from the prepared state; a copy restored from the checkpoint prepares the same batch again.
        var checkpoint = Checkpoint.FromBytes(trainer.Capture().ToBytes());
        var expected = new[] { trainer.RunRound(), trainer.RunRound() };
        using var resumed = new LocalTrainer(spec, data, CPU);
        resumed.Restore(checkpoint);
        var actual = new[] { resumed.RunRound(), resumed.RunRound() };

        Assert.Equal(expected.Select(r => (r.DLoss, r.GLoss)), actual.Select(r => (r.DLoss, r.GLoss)));
        Assert.Equal(trainer.Discriminator.SaveState().Data, resumed.Discriminator.SaveState().Data);
    }

    [Fact]
    public void Loading_a_state_discards_a_prepared_batch()
    {
        var spec = TinyData.Mlp(LossKind.NonSaturating, 1);
        using var data = TinyData.Images();
        using var trainer = new LocalTrainer(spec, data, CPU);
        var initial = trainer.Discriminator.SaveState();
        trainer.Discriminator.PrepareStep();

        trainer.Discriminator.LoadState(initial);

        Assert.False(trainer.Discriminator.IsPrepared);
        Assert.Equal(initial.Data, trainer.Discriminator.SaveState().Data);
    }

    /// <summary>The cluster's order: the next real half is prepared after every D step and after the feedback.</summary>
    private static (double DLoss, double GLoss, double DReal, double DFake) RunRoundPreparingAhead(LocalTrainer trainer, int k)
    {
        double dLoss = 0, dReal = 0, dFake = 0;
        for (var step = 0; step < k; step++)
        {
            using var fake = trainer.Generator.ProduceForDiscriminator();
            var result = trainer.Discriminator.Step(fake.Samples, fake.Labels);
            dLoss += result.Loss;
            dReal += result.DReal;
            dFake += result.DFake;
            if (step + 1 < k)
            {
                trainer.Discriminator.PrepareStep();
            }
        }

        using var forUpdate = trainer.Generator.ProduceForUpdate();
        using var feedback = trainer.Discriminator.Feedback(forUpdate.Samples, forUpdate.Labels);
        trainer.Discriminator.PrepareStep();
        trainer.Generator.ApplyGradient(feedback.Gradient);
        return (dLoss / k, feedback.Loss, dReal / k, dFake / k);
    }
}
