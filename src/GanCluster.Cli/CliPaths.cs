namespace GanCluster.Cli;

/// <summary>Checks of paths given on the command line, made before any slow or networked work.</summary>
internal static class CliPaths
{
    /// <summary>
    /// Null when <paramref name="path"/> can be written as a file: its folder exists and it is not itself a folder.
    /// Else a sentence naming <paramref name="option"/>, the path and the fix.
    /// </summary>
    public static string? CheckOutputFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            return $"{option}: '{path}' is a directory; give a file name in it, for example {Path.Combine(path, "samples.png")}";
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        return folder is null || Directory.Exists(folder)
            ? null
            : $"{option}: the folder '{folder}' does not exist; create it (mkdir -p '{folder}') or choose another path";
    }
}
