using System.Text.Json;
using System.Text.Json.Serialization;
using GanCluster.Training.Families;
using GanCluster.Training.Metrics;
using GanCluster.Training.Options;
using GanCluster.Training.Runs;

namespace GanCluster.Cli.Tests;

/// <summary>
/// <c>gancluster presets</c> and <c>gancluster quality-report</c>, the two commands scripts/quality.sh is built on, through
/// the real executable: the preset list marks aliases and each recipe's hash; the report gives every family's own figure
/// a row beside its paper's, lists the presets not run yet, and says which commit trained each kept run and on
/// which CPU.
/// </summary>
public sealed class QualityReportCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-quality-report");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Presets_mark_aliases_and_hash_each_recipe()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "presets");

        result.AssertExitCode(0);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToDictionary(f => f[0]);
        Assert.All(lines.Values, fields => Assert.Equal(7, fields.Length));
        Assert.Equal("ring8-pacgan", lines["ring8"][5]);
        Assert.Equal("-", lines["ring8-pacgan"][5]);
        Assert.Equal(lines["ring8-pacgan"][6], lines["ring8"][6]);
        Assert.NotEqual(lines["ring8-pacgan"][6], lines["ring8-veegan"][6]);
        Assert.All(lines.Values, fields => Assert.Matches("^[0-9a-f]{12}$", fields[6]));
    }

    [Fact]
    public void A_recipe_hash_ignores_null_options_and_follows_every_value()
    {
        Assert.True(Presets.TryGet("grid25-pacgan", out var grid));
        var hash = Presets.RecipeHash(grid);

        // A new option that is null by default must not make every kept run look stale.
        Assert.Null(grid.R1FinalGamma);
        Assert.Equal(hash, Presets.RecipeHash(grid with { R1FinalGamma = null }));
        Assert.NotEqual(hash, Presets.RecipeHash(grid with { R1FinalGamma = 0.01 }));
        Assert.NotEqual(hash, Presets.RecipeHash(grid with { GeneratorOptimizer = grid.GeneratorOptimizer with { DecayAfterRound = 100 } }));
        Assert.NotEqual(hash, Presets.RecipeHash(grid with { Rounds = grid.Rounds + 1 }));
    }

    [Fact]
    public async Task Family_figures_get_rows_beside_their_papers_and_missing_presets_are_named()
    {
        var kept = _temp.Combine("kept");
        Keep(kept, "ssgan-mnist", new EvaluationResult("ssgan", 0, null, null, Round: 10_000)
        {
            SemiSupervised = new SemiSupervisedResult(0.0635, 0.223, 0.069, 0.25, 100, 2_000, 500),
        }, cpu: "Some Xeon, avx512");
        var confusion = Enumerable.Range(0, 10).Select(_ => new long[10]).ToArray();
        Keep(kept, "infogan-mnist", new EvaluationResult("infogan", 0, null, null, Round: 5_000)
        {
            InfoGan = new InfoGanResult(new CodeClassification(0.915, 2_000, [.. Enumerable.Range(0, 10)], confusion),
                new CodeClassification(0.922, 8_000, [.. Enumerable.Range(0, 10)], confusion)),
        });

        Keep(kept, "ring8-pacgan", new EvaluationResult("mode-coverage", 2_500, null, new ModeCoverageResult(8, 8, 0.95, 0.002, 7), Round: 10_000));

        var json = _temp.Combine("report", "quality-results.json");
        var page = _temp.Combine("report", "QUALITY.md");
        var result = await Gancluster.RunAsync(_temp.Path, "quality-report", kept, "--json", json, "--markdown", page);

        result.AssertExitCode(0);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var rows = report.RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => (r.GetProperty("preset").GetString(), r.GetProperty("figure").GetString()));
        var error = rows[("ssgan-mnist", "D's held-out test error (%)")];
        Assert.Equal(6.35, error.GetProperty("mean").GetDouble(), 9);
        Assert.Contains("0.93", error.GetProperty("anchor").GetString());
        Assert.Equal(22.3, rows[("ssgan-mnist", "the same D on the labels alone (%)")].GetProperty("mean").GetDouble(), 9);
        var accuracy = rows[("infogan-mnist", "categorical code accuracy (%)")];
        Assert.Equal(91.5, accuracy.GetProperty("mean").GetDouble(), 9);
        Assert.Contains("Chen et al. 2016", accuracy.GetProperty("anchor").GetString());
        Assert.Equal(7, rows[("ring8-pacgan", "modes with >= 20% of their share (of 8)")].GetProperty("mean").GetDouble());
        Assert.Equal(95, rows[("ring8-pacgan", "high-quality samples (%)")].GetProperty("mean").GetDouble(), 9);
        var ssganRun = report.RootElement.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("preset").GetString() == "ssgan-mnist");
        Assert.Equal("abc1234", ssganRun.GetProperty("commit").GetString());
        Assert.Equal("Some Xeon, avx512", ssganRun.GetProperty("cpu").GetString());
        // Figures a family does not have get no row (no Parzen for a classifier's error).
        Assert.DoesNotContain(("ssgan-mnist", "categorical code accuracy (%)"), rows.Keys);

        var markdown = File.ReadAllText(page);
        var notRun = markdown.Split('\n').Single(l => l.StartsWith("Not run for this page yet:", StringComparison.Ordinal));
        Assert.Contains("`mlp-mnist`", notRun);
        Assert.Contains("`ring8-veegan`", notRun);
        Assert.DoesNotContain("`ring8`", notRun); // an alias is not a preset of its own
        Assert.DoesNotContain("`ssgan-mnist`", notRun);
        Assert.Contains("| ssgan-mnist | 1 | abc1234 | 2026-12-03 | 00:33:20 | 0123456789ab | Some Xeon, avx512 |", markdown);
        // Runs kept before run.json recorded the CPU.
        Assert.Contains("| infogan-mnist | 1 | abc1234 | 2026-12-03 | 00:33:20 | 0123456789ab | - |", markdown);
    }

    private static void Keep(string root, string preset, EvaluationResult final, string? cpu = null)
    {
        var folder = Path.Combine(root, $"{preset}-seed1");
        Directory.CreateDirectory(folder);
        Assert.True(Presets.TryGet(preset, out var spec));
        File.WriteAllText(Path.Combine(folder, "options.json"), SpecJson.Serialize(spec));
        File.WriteAllText(Path.Combine(folder, EvaluationLog.LatestFileName), EvaluationLog.Serialize(final, indented: true));
        // As scripts/quality.sh writes it; without a cpu, as runs kept before it recorded one (no field at all).
        File.WriteAllText(Path.Combine(folder, "run.json"), JsonSerializer.Serialize(
            new { preset, seed = 1, wallSeconds = 2000.0, commit = "abc1234", finished = "2026-12-03", recipe = "0123456789ab", cpu },
            new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull }));
    }
}
