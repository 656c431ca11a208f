using GanCluster.Training.Options;

namespace GanCluster.Training.Tests.Options;

/// <summary>Names that become run folder names (runs/&lt;name&gt;-seed&lt;seed&gt;).</summary>
public sealed class RunNameTests
{
    [Theory]
    [InlineData("../escaped")]
    [InlineData("/tmp/absolute")]
    [InlineData("sub/dir")]
    [InlineData("back\\slash")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("with space")]
    [InlineData("")]
    public void Name_that_is_not_a_plain_folder_name_is_rejected_with_the_allowed_characters(string name)
    {
        var error = SpecValidator.ValidateRunName(name);

        Assert.NotNull(error);
        Assert.Equal("name", error.Field);
        Assert.Contains(SpecValidator.RunNameRule, error.Message);
    }

    [Fact]
    public void Every_preset_name_is_a_valid_run_name()
    {
        foreach (var name in Presets.Names)
        {
            Assert.True(Presets.TryGet(name, out var spec));
            Assert.Null(SpecValidator.ValidateRunName(spec.Name));
        }
    }

    [Theory]
    [InlineData("mlp-mnist")]
    [InlineData("goodfellow-mnist-k2")]
    [InlineData("run_1.v2")]
    public void Plain_name_is_accepted(string name) => Assert.Null(SpecValidator.ValidateRunName(name));
}
