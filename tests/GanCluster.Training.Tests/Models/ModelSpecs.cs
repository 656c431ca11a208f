using GanCluster.Training.Options;
using GanCluster.Training.Runtime;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>Experiments and helpers shared by the model tests: small latent sizes, every model family.</summary>
internal static class ModelSpecs
{
    /// <summary>Every network family with the image sizes it supports.</summary>
    public static readonly (ModelKind Model, int ImageSize)[] Families =
    [
        (ModelKind.Mlp, 28),
        (ModelKind.Dcgan, 28),
        (ModelKind.Dcgan, 64),
        (ModelKind.Toy, 28),
    ];

    public static ExperimentSpec For(ModelKind model, int imageSize = 28, bool conditional = false, int packing = 1) => new()
    {
        Name = "model-test",
        Model = model,
        Dataset = model == ModelKind.Toy ? DatasetKind.Ring8 : DatasetKind.Mnist,
        ImageSize = imageSize,
        Conditional = conditional,
        Packing = packing,
        LatentSize = model == ModelKind.Toy ? 4 : 100,
        BatchSize = 4,
    };

    /// <summary>Every family x conditional x packing 1 and 2.</summary>
    public static TheoryData<ModelKind, int, bool, int> AllCombinations()
    {
        var data = new TheoryData<ModelKind, int, bool, int>();
        foreach (var (model, size) in Families)
        {
            foreach (var conditional in new[] { false, true })
            {
                foreach (var packing in new[] { 1, 2 })
                {
                    data.Add(model, size, conditional, packing);
                }
            }
        }

        return data;
    }

    public static TheoryData<ModelKind, int> AllFamilies()
    {
        var data = new TheoryData<ModelKind, int>();
        foreach (var (model, size) in Families)
        {
            data.Add(model, size);
        }

        return data;
    }

    /// <summary>PacGAN packing as the discriminator half does it: m samples side by side on the first feature axis.</summary>
    public static Tensor Pack(Tensor samples, int packing)
    {
        var shape = samples.shape.ToArray();
        shape[0] /= packing;
        shape[1] *= packing;
        return samples.reshape(shape);
    }

    /// <summary>Labels 0, 1, 2, ... (mod classes) for n samples.</summary>
    public static Tensor Labels(long n, int classes) => arange(KeptScalars.OfInteger(n), dtype: ScalarType.Int64).remainder(KeptScalars.OfInteger(classes));

    public static byte[] RngState()
    {
        using var state = get_rng_state();
        return state.bytes.ToArray();
    }

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
        {
            return false;
        }

        using var eq = a.eq(b);
        using var same = eq.all();
        return same.item<bool>();
    }

    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
}
