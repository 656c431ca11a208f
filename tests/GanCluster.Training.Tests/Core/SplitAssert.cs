using GanCluster.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Core;

/// <summary>The comparisons of a split run against its reference.</summary>
public static class SplitAssert
{
    /// <summary>
    /// Float32 losses of the same math in another graph (the halves take dLoss/dFake and backpropagate it through G
    /// separately; libtorch's reductions differ by a few ulps between graph shapes): equal to 1e-5 relative.
    /// </summary>
    public static void Near(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");

    /// <summary>Every parameter of <paramref name="actual"/> within 1e-6 of <paramref name="expected"/>'s, by name.</summary>
    public static void Close(nn.Module expected, nn.Module actual)
    {
        var e = expected.named_parameters().ToList();
        var a = actual.named_parameters().ToList();
        Assert.Equal(e.Select(p => p.name), a.Select(p => p.name));
        for (var i = 0; i < e.Count; i++)
        {
            using var diff = (e[i].parameter - a[i].parameter).abs().max();
            Assert.True(diff.item<float>() <= 1e-6, $"{e[i].name} differs by {diff.item<float>()}; all: {string.Join(", ", e.Select((p, j) => $"{p.name} {(p.parameter - a[j].parameter).abs().max().item<float>():G3}"))}");
        }
    }
}

/// <summary>The split side of the equivalence tests: one D step and one G step of a <see cref="LocalTrainer"/>'s halves, as the cluster runs them.</summary>
public static class SplitSteps
{
    /// <summary>One D step: the real half prepared ahead, G's fake batch (with its side inputs), then D's step.</summary>
    public static DiscriminatorStepResult Discriminator(LocalTrainer split)
    {
        split.Discriminator.PrepareStep();
        using var fake = split.Generator.ProduceForDiscriminator();
        return split.Discriminator.Step(fake.Samples, fake.Labels, sideInputs: fake.SideInputs);
    }

    /// <summary>One G step: a fake batch that requires grad, D's feedback (dLoss/dFake), G's update; returns G's loss.</summary>
    public static double Generator(LocalTrainer split)
    {
        using var forUpdate = split.Generator.ProduceForUpdate();
        using var feedback = split.Discriminator.Feedback(forUpdate.Samples, forUpdate.Labels, forUpdate.SideInputs);
        split.Generator.ApplyGradient(feedback.Gradient);
        return feedback.Loss;
    }
}
