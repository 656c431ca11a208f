using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using GanCluster.Training.Families;
using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Bench;

/// <summary>
/// <c>gancluster-bench onednn-padding</c>: oneDNN's convolutions on channel counts that are not a multiple of its block
/// read padded lanes nothing writes (<see cref="TorchZeroFill"/>). Before every call, 40 blocks of
/// random size are filled with NaN and freed, so stale memory is NaN; each call's result is compared with the same
/// call made before any poisoning. With <c>--zero-fill false</c> libtorch's zero fill is switched off first (the fault
/// shows); with true (the product's setting) every call must give the first call's values. <c>--cost-steps</c> times
/// DCGAN steps with no fill, glibc's (M_PERTURB: every malloc and free) and libtorch's (every tensor block).
/// </summary>
internal static class PaddingProbe
{
    private const int MPerturb = -6;

    public static Command Create()
    {
        var calls = new Option<int>("--calls") { DefaultValueFactory = _ => 100 };
        var zeroFill = new Option<bool>("--zero-fill") { Description = "Keep libtorch's zero fill of new tensor blocks (the product's setting).", DefaultValueFactory = _ => true };
        var costSteps = new Option<int>("--cost-steps") { Description = "Also time conditional DCGAN G+D forward and backward steps (batch 64) with no fill, glibc's and libtorch's, alternating blocks of this many steps four times each; 0 skips it.", DefaultValueFactory = _ => 0 };
        var command = new Command("onednn-padding", "Convolutions with padded channel blocks after freed memory was filled with NaN: non-finite and changed results.") { calls, zeroFill, costSteps };
        command.SetAction(parse =>
        {
            TorchRuntime.EnsureLoaded(); // sets the product's zero fill
            if (!TorchZeroFill.Set(parse.GetValue(zeroFill)))
            {
                throw new InvalidOperationException($"this libtorch exports no {TorchZeroFill.FlagSymbol}");
            }

            set_num_threads(2);
            var cases = new (string Name, Func<Func<Tensor>> Make)[]
            {
                ("conv 22->64 4x4 s2 forward (conditional DCGAN D, packing 2)", () => Forward(randn(2, 22, 28, 28), randn(64, 22, 4, 4) * 0.02, (x, w) => F.conv2d(x, w, strides: [2, 2], padding: [1, 1]))),
                ("conv-transpose 110->256 7x7 forward (conditional DCGAN G)", () => Forward(randn(4, 110, 1, 1), randn(110, 256, 7, 7) * 0.02, (x, w) => F.conv_transpose2d(x, w))),
                ("conv 32->1 3x3 input gradient (LAPGAN residual head)", () => InputGradient(randn(4, 32, 16, 16), randn(1, 32, 3, 3) * 0.02)),
                ("conv 64->2 3x3 input gradient", () => InputGradient(randn(4, 64, 16, 16), randn(2, 64, 3, 3) * 0.02)),
                ("conv 16->64 4x4 s2 forward (16 channels: no padding, the control)", () => Forward(randn(2, 16, 28, 28), randn(64, 16, 4, 4) * 0.02, (x, w) => F.conv2d(x, w, strides: [2, 2], padding: [1, 1]))),
            };
            var rng = new Random(7);
            var results = new List<object>();
            foreach (var (name, make) in cases)
            {
                manual_seed(1);
                var call = make();
                using var reference = call();
                int nonFinite = 0, differing = 0;
                for (var i = 0; i < parse.GetValue(calls); i++)
                {
                    var stale = Enumerable.Range(0, 40).Select(_ => full(rng.Next(1, 400_000), float.NaN)).ToList();
                    stale.ForEach(t => t.Dispose());
                    using var result = call();
                    nonFinite += FiniteForward.AllFinite(result) ? 0 : 1;
                    using var same = result.eq(reference).all();
                    differing += same.item<bool>() ? 0 : 1;
                }

                results.Add(new { name, calls = parse.GetValue(calls), nonFinite, differing });
            }

            var cost = parse.GetValue(costSteps) > 0 ? Cost(parse.GetValue(costSteps)) : null;
            Console.WriteLine(JsonSerializer.Serialize(new { zeroFill = parse.GetValue(zeroFill), cases = results, cost }));
        });
        return command;
    }

    private static Func<Tensor> Forward(Tensor input, Tensor weight, Func<Tensor, Tensor, Tensor> op) => () =>
    {
        using var _ = no_grad();
        return op(input, weight);
    };

    private static Func<Tensor> InputGradient(Tensor input, Tensor weight)
    {
        input.requires_grad_(true);
        return () =>
        {
            input.grad?.zero_();
            using (var output = F.conv2d(input, weight, padding: [1, 1]))
            using (var sum = output.sum())
            {
                sum.backward();
            }

            return input.grad!.clone();
        };
    }

    /// <summary>Milliseconds per G+D step under each zero fill, blocks alternated (the machine is noisy).</summary>
    private static object Cost(int steps)
    {
        var spec = new ExperimentSpec { Name = "padding-cost", Model = ModelKind.Dcgan, Dataset = DatasetKind.Mnist, Conditional = true, Packing = 2, BatchSize = 64 };
        manual_seed(1);
        using var g = FamilyCatalog.CreateGenerator(spec);
        using var d = FamilyCatalog.CreateDiscriminator(spec);
        string[] modes = ["none", "glibc", "c10"];
        var times = modes.ToDictionary(m => m, _ => new List<double>());
        for (var block = 0; block < 4 * modes.Length; block++)
        {
            var mode = modes[block % modes.Length];
            mallopt(MPerturb, mode == "glibc" ? 0xFF : 0);
            TorchZeroFill.Set(mode == "c10");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                var labels = randint(10, [64]);
                var fake = g.call(randn(64, spec.LatentSize), labels);
                var scores = d.call(fake.reshape(32, 2, 28, 28), labels.reshape(32, 2));
                scores.mean().backward();
            }

            times[mode].Add(Math.Round(clock.Elapsed.TotalMilliseconds / steps, 1));
        }

        mallopt(MPerturb, 0);
        TorchZeroFill.Set(true);
        return new { steps, msPerStep = times };
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
