using System.Diagnostics;
using System.Globalization;
using TorchSharp;

namespace GanCluster.Training.Runtime;

/// <summary>
/// What a worker node computes on, as it reports it when it registers (the coordinator's log, <c>status</c>, the
/// dashboard): the device an experiment's <c>"device": "auto"</c> resolves to there, with its name and memory.
/// </summary>
public static class ComputeDevices
{
    /// <summary>
    /// One line: "cpu: &lt;model&gt; (N cores, M GiB)" on a CPU build or a machine without a usable GPU; on a CUDA
    /// build with GPUs, "cuda: N GPU(s): 0 &lt;name&gt; (M GiB), ..." (names and memory from nvidia-smi, which the
    /// NVIDIA driver installs; if it cannot be run, the count from libtorch only).
    /// </summary>
    public static string Describe()
    {
        TorchRuntime.EnsureLoaded();
        if (TorchRuntime.Backend == "cuda" && torch.cuda.is_available())
        {
            var count = torch.cuda.device_count();
            var gpus = NvidiaSmi();
            return gpus.Count > 0
                ? $"cuda: {count} GPU{(count == 1 ? "" : "s")}: {string.Join(", ", gpus)}"
                : $"cuda: {count} GPU{(count == 1 ? "" : "s")} (names and memory unknown: nvidia-smi could not be run)";
        }

        return Cpu(ReadCpuModel(), Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    /// <summary>The CPU line from its parts.</summary>
    public static string Cpu(string? model, int cores, long memoryBytes) =>
        $"cpu: {model ?? "unknown model"} ({cores} core{(cores == 1 ? "" : "s")}, {Gib(memoryBytes)})";

    /// <summary>
    /// nvidia-smi's <c>--query-gpu=index,name,memory.total --format=csv,noheader,nounits</c> output as
    /// "0 NVIDIA A100-SXM4-40GB (40.0 GiB)" entries (memory.total is in MiB).
    /// </summary>
    public static IReadOnlyList<string> ParseNvidiaSmi(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(',', StringSplitOptions.TrimEntries))
            .Where(f => f.Length == 3 && long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            .Select(f => $"{f[0]} {f[1]} ({Gib(long.Parse(f[2], CultureInfo.InvariantCulture) * 1024 * 1024)})")];

    /// <summary>The "model name" line of a /proc/cpuinfo text, or null.</summary>
    public static string? ParseCpuModel(string cpuinfo) =>
        cpuinfo.Split('\n').Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == "model name")?[1].Trim();

    private static string Gib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F1} GiB");

    private static string? ReadCpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo") ? ParseCpuModel(File.ReadAllText("/proc/cpuinfo")) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static IReadOnlyList<string> NvidiaSmi()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=index,name,memory.total --format=csv,noheader,nounits")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return [];
            }

            var output = process.StandardOutput.ReadToEnd();
            return process.WaitForExit(10_000) && process.ExitCode == 0 ? ParseNvidiaSmi(output) : [];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return []; // not installed
        }
    }
}
