using System.Text;
using GanCluster.Training.Options;

namespace GanCluster.Training.Tests.Options;

/// <summary>Experiment files that are valid JSON text but not a usable experiment, or not valid text at all.</summary>
public sealed class SpecJsonInputTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("spec");

    private string _folder => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("{\"k\": 1, \"k\": 5}", "k")]
    [InlineData("{\"generatorOptimizer\": {\"type\": \"adam\", \"learningRate\": 0.1, \"learningRate\": 0.2}}", "generatorOptimizer.learningRate")]
    public void Duplicate_key_is_rejected_naming_the_key(string json, string field)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));

        var match = Assert.Single(error.Errors);
        Assert.Equal(field, match.Field);
        Assert.Contains("duplicate", match.Message);
    }

    [Fact]
    public void Invalid_utf8_in_a_file_is_rejected_with_its_byte_offset()
    {
        var path = Path.Combine(_folder, "bad.json");
        var bytes = Encoding.UTF8.GetBytes("{\"name\": \"ab").Concat(new byte[] { 0xFF, 0xFE }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<SpecValidationException>(() => Presets.Resolve(path));

        var match = Assert.Single(error.Errors);
        Assert.Equal("(document)", match.Field);
        Assert.Contains("UTF-8", match.Message);
        Assert.Contains("byte offset 12", match.Message);
    }

    [Fact]
    public void Utf8_byte_order_mark_is_accepted()
    {
        var path = Path.Combine(_folder, "bom.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"name\": \"bom\"}")]);

        Assert.Equal("bom", Presets.Resolve(path).Name);
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("42", "a number")]
    [InlineData("\"mlp\"", "a string")]
    [InlineData("null", "null")]
    public void Document_that_is_not_an_object_says_what_it_is(string json, string what)
    {
        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));

        var match = Assert.Single(error.Errors);
        Assert.Equal("(document)", match.Field);
        Assert.Contains(what, match.Message);
        Assert.Contains("JSON object", match.Message);
        Assert.DoesNotContain("malformed", match.Message);
    }

    [Fact]
    public void Document_nested_past_the_depth_limit_says_so()
    {
        var json = "{\"mixture\": " + new string('[', 100) + new string(']', 100) + "}";

        var error = Assert.Throws<SpecValidationException>(() => SpecJson.Parse(json));

        var match = Assert.Single(error.Errors);
        Assert.Contains("nested", match.Message);
        Assert.Contains("64", match.Message);
        Assert.DoesNotContain("malformed", match.Message);
    }
}
