using TorchSharp;

namespace GanCluster.Training.Runtime;

/// <summary>Thrown when TorchSharp's native libraries cannot be loaded; the message says how to fix it.</summary>
public sealed class TorchUnavailableException : Exception
{
    public TorchUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>Loads TorchSharp once, with an actionable error, and resolves devices.</summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadFailure = new(TryLoad);

    /// <summary>
    /// Makes sure libtorch and TorchSharp's native library load. On Debian 12 (libstdc++ older than GCC 13)
    /// TorchSharp 0.107.0 needs the fix in scripts/fix-torchsharp.sh, which the build runs; this turns the
    /// loader's cryptic TypeInitializationException into an instruction.
    /// </summary>
    public static void EnsureLoaded()
    {
        GcStress.StartIfRequested();
        if (LoadFailure.Value is { } failure)
        {
            var detail = Innermost(failure).Message;
            var hint = detail.Contains("GLIBCXX", StringComparison.Ordinal)
                ? "This libstdc++ is older than TorchSharp 0.107.0 needs. Run scripts/fix-torchsharp.sh <folder holding libLibTorchSharp.so> "
                  + "(or rebuild: the build runs it) after 'apt-get install -y g++ patchelf python3 binutils'."
                : "Check that the libtorch native files (libtorch*.so, libLibTorchSharp.so) are in the application folder "
                  + "and that scripts/fix-torchsharp.sh ran on it.";
            throw new TorchUnavailableException($"TorchSharp could not load its native libraries: {detail}. {hint}", failure);
        }
    }

    /// <summary>
    /// The native libtorch this build was compiled against: "cpu" or "cuda" (the TorchBackend build property of
    /// GanCluster.Training, recorded in the assembly).
    /// </summary>
    public static string Backend { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TorchBackend")?.Value ?? "cpu";

    /// <summary>
    /// Resolves a device name: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
    /// </summary>
    public static torch.Device ResolveDevice(string name)
    {
        EnsureLoaded();
        var normalized = name.Trim().ToLowerInvariant();
        if (normalized is "" or "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }

        if (normalized == "cpu")
        {
            return torch.CPU;
        }

        if (normalized == "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (Backend != "cuda")
            {
                throw new ArgumentException(
                    $"device: '{name}' needs a CUDA build, and this one uses the CPU libtorch (TorchBackend={Backend}); use \"auto\" or \"cpu\", "
                    + "or rebuild on the GPU machine with 'dotnet build GanCluster.sln -c Release -p:TorchBackend=cuda' (CUDA 12.8 driver; see README, GPU nodes).");
            }

            if (!torch.cuda.is_available())
            {
                throw new ArgumentException(
                    $"device: '{name}' was requested but CUDA is not available on this machine (a CUDA build, but no usable GPU or driver); use \"auto\" or \"cpu\".");
            }

            return torch.device(normalized);
        }

        throw new ArgumentException($"device: unknown device '{name}'; allowed: auto, cpu, cuda, cuda:N.");
    }

    private static Exception? TryLoad()
    {
        // Before libtorch allocates its first tensor (see NativeHeap: page faults on every step otherwise). The CLI already
        // did so at start (a no-op here then); this covers every other host of the training code, such as test processes.
        NativeHeap.Configure();
        try
        {
            using var probe = torch.zeros(1);
            // Zero-filled tensor blocks, before the first convolution (TorchZeroFill: oneDNN reads the padded lanes of its
            // channel blocks). A libtorch without the flag leaves nothing to set.
            TorchZeroFill.Set(true);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            return e;
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
