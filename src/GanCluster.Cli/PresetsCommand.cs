using System.CommandLine;
using GanCluster.Training.Options;

namespace GanCluster.Cli;

/// <summary><c>gancluster presets</c>: every preset, one per line, tab-separated, for scripts (scripts/quality.sh).</summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var command = new Command("presets", "List the presets: name, data set, default rounds, checkpoint interval, packing (tab-separated).");
        command.SetAction(_ =>
        {
            foreach (var name in Presets.Names)
            {
                Presets.TryGet(name, out var spec);
                Console.WriteLine(string.Join('\t', name, System.Text.Json.JsonSerializer.Serialize(spec.Dataset, SpecJson.Options).Trim('"'), spec.Rounds, spec.CheckpointInterval, spec.Packing));
            }

            return 0;
        });
        return command;
    }
}
