using System.CommandLine;
using GanCluster.Training.Options;

namespace GanCluster.Cli;

/// <summary>
/// <c>gancluster presets</c>: every preset, one per line, tab-separated, for scripts (scripts/quality.sh): name, data set,
/// default rounds, checkpoint interval, packing, the preset an alias stands for ("-" for a preset's own name) and the first
/// 12 hex digits of the SHA-256 of its options' JSON, which changes when the recipe does (quality.sh reuses a kept run
/// only while it matches).
/// </summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var command = new Command("presets", "List the presets: name, data set, default rounds, checkpoint interval, packing, alias of, recipe hash (tab-separated).");
        command.SetAction(_ =>
        {
            foreach (var name in Presets.Names)
            {
                Presets.TryGet(name, out var spec);
                Console.WriteLine(string.Join('\t', name, System.Text.Json.JsonSerializer.Serialize(spec.Dataset, SpecJson.Options).Trim('"'), spec.Rounds, spec.CheckpointInterval, spec.Packing,
                    Presets.AliasOf(name) ?? "-", Presets.RecipeHash(spec)));
            }

            return 0;
        });
        return command;
    }
}
