using static TorchSharp.torch;

namespace GanCluster.Training.Runtime;

/// <summary>
/// A forward pass that is computed again when its output holds an infinity or NaN while the network's weights are all
/// finite. On this project's CPUs libtorch's oneDNN kernels now and then return non-finite values for finite inputs and
/// weights, mostly on a loaded machine (dcgan-64's G: 3 outputs of 200 in one probe; README, reliability notes); an
/// evaluation-mode forward has no side effects and the same inputs, so computing it again gives the values a clean call
/// gives. A network whose weights are themselves non-finite (a diverged run) is not retried: its output is returned as
/// it is, and the figures computed from it say so. The cause was found later and is cured by <see cref="TorchZeroFill"/>
/// (oneDNN read stale memory in the padded lanes of its channel blocks); this stays as a guard.
/// </summary>
public static class FiniteForward
{
    /// <summary>Calls in all before the last output is returned as it is.</summary>
    public const int Attempts = 3;

    /// <summary>
    /// The first output of <paramref name="forward"/> whose values are all finite, computing it at most
    /// <see cref="Attempts"/> times, and only again while <paramref name="weightsFinite"/> holds. <paramref name="retries"/>:
    /// how many outputs were thrown away (disposed).
    /// </summary>
    public static Tensor Run(Func<Tensor> forward, Func<bool> weightsFinite, out int retries)
    {
        retries = 0;
        var output = forward();
        while (retries < Attempts - 1 && !AllFinite(output) && weightsFinite())
        {
            output.Dispose();
            retries++;
            output = forward();
        }

        return output;
    }

    public static bool AllFinite(Tensor t)
    {
        using var finite = isfinite(t).all();
        return finite.item<bool>();
    }

    /// <summary>True when every parameter of <paramref name="module"/> is finite.</summary>
    public static bool ParametersFinite(nn.Module module) => module.parameters().All(AllFinite);
}
