using GanCluster.Training.Adversarial;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Adversarial;

public sealed class MaxoutMlpClassifierTests
{
    [Fact]
    public void It_maps_digits_to_ten_logits_and_survives_its_file_round_trip()
    {
        manual_seed(11);
        using var net = new MaxoutMlpClassifier();
        net.eval();
        using var x = rand(4, 1, ImageData.Side, ImageData.Side);
        using var before = net.call(x);

        var bytes = ClassifierFile.ToBytes(net, MaxoutMlpClassifier.Architecture);
        var (loaded, architecture) = ClassifierFile.FromBytes(bytes, "test");
        using (loaded)
        {
            using var after = loaded.call(x);
            Assert.Equal([4L, 10L], before.shape);
            Assert.Equal(MaxoutMlpClassifier.Architecture, architecture);
            Assert.True(before.eq(after).all().item<bool>());
        }
    }

    [Fact]
    public void An_unknown_architecture_is_refused_naming_it()
    {
        using var net = new MaxoutMlpClassifier();
        var bytes = ClassifierFile.ToBytes(net, "resnet-9000");

        var error = Assert.Throws<InvalidDataException>(() => ClassifierFile.FromBytes(bytes, "x.bin"));

        Assert.Contains("'resnet-9000'", error.Message);
        Assert.StartsWith("x.bin: ", error.Message);
    }

    [Fact]
    public void An_attack_target_loads_it_from_a_file()
    {
        using var temp = TempDirectory.Create("maxout");
        using var net = new MaxoutMlpClassifier();
        var path = temp.Combine("m.bin");
        File.WriteAllBytes(path, ClassifierFile.ToBytes(net, MaxoutMlpClassifier.Architecture));

        using var target = AttackTargets.Load(path);

        Assert.Contains(MaxoutMlpClassifier.Architecture, target.Description);
        Assert.Equal(64, target.Sha256.Length);
    }
}
