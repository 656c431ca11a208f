using System.Text.Json;
using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary><c>gancluster attack</c> and <c>gancluster classifier train --adversarial</c>: bad input, and one real run end to end.</summary>
public sealed class AttackCommandTests : IDisposable
{
    private static readonly TimeSpan Training = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _temp = TempDirectory.Create("cli-attack");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_missing_classifier_file_says_what_to_pass()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "attack", _temp.Combine("nope.bin"));

        result.AssertExitCode(2);
        Assert.Contains("does not exist", result.FirstLine());
        Assert.Contains("'shipped'", result.FirstLine());
        Assert.Contains("classifier train --out", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task A_file_that_is_not_a_classifier_is_refused()
    {
        var file = _temp.Combine("notes.bin");
        File.WriteAllText(file, "these are not weights\n");

        var result = await Gancluster.RunAsync(_temp.Path, "attack", file);

        result.AssertExitCode(2);
        Assert.Contains("is not a classifier weights file", result.FirstLine());
        Assert.Contains("classifier train --out", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task A_directory_is_refused()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "attack", _temp.Path);

        result.AssertExitCode(2);
        Assert.Contains("is a directory", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task A_checkpoint_of_a_GAN_whose_D_is_not_a_digit_classifier_is_refused_naming_its_family()
    {
        var spec = _temp.Combine("tiny.json");
        File.WriteAllText(spec, Gancluster.TinyExperiment("tiny"));
        var train = await Gancluster.RunAsync(_temp.Path, "train", spec, "--out", "runs/t", "--eval-samples", "0");
        train.AssertExitCode(0);
        var checkpoint = Directory.EnumerateFiles(_temp.Combine("runs", "t", "checkpoints"), "*.ckpt").First();

        var result = await Gancluster.RunAsync(_temp.Path, "attack", checkpoint);

        result.AssertExitCode(2);
        Assert.Contains("checkpoint of a 'toy' GAN", result.FirstLine());
        Assert.Contains("does not classify digits", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("ssgan", "\"discriminatorEma\": 0.5", "semi-supervised GAN discriminator (mlp, 100 labels)")]
    [InlineData("catgan", "\"catgan\": {\"clusters\": 20}", "CatGAN discriminator (small, unsupervised, its 20 classes named by the majority label")]
    public async Task A_checkpoint_of_a_GAN_whose_D_classifies_digits_is_attacked_end_to_end(string model, string extra, string description)
    {
        var spec = _temp.Combine($"{model}.json");
        File.WriteAllText(spec, $$"""
            {"name": "tiny-{{model}}", "model": "{{model}}", "loss": "{{model}}", "batchSize": 8, "rounds": 2, "checkpointInterval": 0, {{extra}}}
            """);
        var train = await Gancluster.RunAsync(_temp.Path, Training, "train", spec, "--out", "runs/d", "--eval-samples", "0", "--torch-threads", "1");
        train.AssertExitCode(0);
        var checkpoint = Directory.EnumerateFiles(_temp.Combine("runs", "d", "checkpoints"), "*.ckpt").Single();

        var result = await Gancluster.RunAsync(_temp.Path, Training,
            "attack", checkpoint, "--count", "50", "--epsilon", "0", "--epsilon", "0.25", "--out", "d.json", "--torch-threads", "1");

        result.AssertExitCode(0);
        Assert.Contains(description, result.AllOutput);
        Assert.Contains("FGSM eps 0.25", result.AllOutput);
        using var json = JsonDocument.Parse(File.ReadAllText(_temp.Combine("d.json")));
        var root = json.RootElement;
        Assert.Contains(checkpoint, root.GetProperty("classifier").GetString());
        Assert.Equal(50, root.GetProperty("examples").GetInt32());
        var epsilons = root.GetProperty("epsilons").EnumerateArray().ToList();
        Assert.Equal(root.GetProperty("cleanError").GetDouble(), epsilons[0].GetProperty("error").GetDouble());
        Assert.InRange(epsilons[1].GetProperty("error").GetDouble(), 0, 1);
        Assert.True(File.Exists(_temp.Combine("d.png")));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("lots")]
    public async Task An_epsilon_outside_zero_to_one_is_a_usage_error_naming_the_option(string epsilon)
    {
        var result = await Gancluster.RunAsync(_temp.Path, "attack", "shipped", "--epsilon", epsilon);

        result.AssertExitCode(2);
        Assert.StartsWith("gancluster attack: --epsilon: ", result.FirstLine());
        Assert.Contains("[0, 1]", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task A_count_beyond_the_held_out_digits_is_a_usage_error()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "attack", "shipped", "--count", "5000");

        result.AssertExitCode(2);
        Assert.Contains("--count: 5000", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("--adversarial", "--epsilon", "2")]
    [InlineData("--adversarial", "--alpha", "1.5")]
    [InlineData("--epsilon", "0.1")]
    public async Task Adversarial_training_options_out_of_range_or_without_adversarial_are_usage_errors(params string[] options)
    {
        var result = await Gancluster.RunAsync(_temp.Path, ["classifier", "train", "--out", _temp.Combine("x.bin"), .. options]);

        result.AssertExitCode(2);
        Assert.Contains(options[^2], result.FirstLine());
        Assert.False(File.Exists(_temp.Combine("x.bin")));
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task An_unknown_model_is_a_usage_error()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "classifier", "train", "--model", "rnn", "--out", _temp.Combine("x.bin"));

        result.AssertExitCode(2);
        Assert.Contains("--model: 'rnn'", result.FirstLine());
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task A_quickly_trained_maxout_classifier_is_attacked_with_a_transfer_from_the_shipped_one()
    {
        var weights = _temp.Combine("maxout.bin");
        var train = await Gancluster.RunAsync(_temp.Path, Training,
            "classifier", "train", "--model", "maxout", "--adversarial", "--epochs", "1", "--train-digits", "256", "--torch-threads", "1", "--out", weights);
        train.AssertExitCode(0);
        Assert.Contains("maxout-mlp-240x5", train.AllOutput);

        var result = await Gancluster.RunAsync(_temp.Path, Training,
            "attack", weights, "--source", "shipped", "--count", "50", "--out", "m.json", "--torch-threads", "1");

        result.AssertExitCode(0);
        Assert.Contains("perturbations crafted on the shipped", result.AllOutput);
        using var json = JsonDocument.Parse(File.ReadAllText(_temp.Combine("m.json")));
        Assert.Contains("transfer", json.RootElement.GetProperty("craftedOn").GetString());
        Assert.Equal(50, json.RootElement.GetProperty("examples").GetInt32());
    }

    [Fact]
    public async Task A_quickly_trained_adversarial_classifier_is_attacked_end_to_end()
    {
        var weights = _temp.Combine("adv.bin");
        var train = await Gancluster.RunAsync(_temp.Path, Training,
            "classifier", "train", "--adversarial", "--epsilon", "0.25", "--epochs", "1", "--train-digits", "256", "--seed", "2", "--torch-threads", "1", "--out", weights);
        train.AssertExitCode(0);
        Assert.Contains("adversarial training epsilon 0.25 alpha 0.5", train.AllOutput);

        var result = await Gancluster.RunAsync(_temp.Path, Training,
            "attack", weights, "--count", "100", "--epsilon", "0", "--epsilon", "0.25", "--out", "out/attack.json", "--torch-threads", "1");

        result.AssertExitCode(0);
        Assert.Contains("FGSM eps 0.25", result.AllOutput);
        Assert.Contains("89.4%", result.AllOutput);
        using var json = JsonDocument.Parse(File.ReadAllText(_temp.Combine("out", "attack.json")));
        var root = json.RootElement;
        Assert.Equal(100, root.GetProperty("examples").GetInt32());
        var epsilons = root.GetProperty("epsilons").EnumerateArray().ToList();
        Assert.Equal(2, epsilons.Count);
        Assert.Equal(root.GetProperty("cleanError").GetDouble(), epsilons[0].GetProperty("error").GetDouble());
        Assert.Equal(10, root.GetProperty("grid").GetProperty("columns").GetArrayLength());
        var png = File.ReadAllBytes(_temp.Combine("out", "attack.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }
}
