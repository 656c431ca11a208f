using System.Runtime.InteropServices;

namespace GanCluster.TestSupport;

/// <summary>
/// Runs commands as an unprivileged account when the tests run as root, as they do in CI and in containers:
/// initdb and postgres refuse to run as root. Uses util-linux's <c>setpriv</c> (present on every Debian and Ubuntu,
/// since util-linux is essential there), which execs the command directly, so the child process is the command
/// itself and killing it kills the server. The account is <c>nobody</c>, which every Debian system has; if it is
/// missing, a system account <c>gancluster-test</c> is created with useradd.
/// </summary>
public sealed record UnprivilegedUser(string Name, int Uid, int Gid)
{
    /// <summary>The fallback account created when <c>nobody</c> does not exist.</summary>
    public const string FallbackAccount = "gancluster-test";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static UnprivilegedUser? _cached;

    /// <summary>Whether this process runs as root (effective uid 0).</summary>
    public static bool IsRoot => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && NativeMethods.GetEffectiveUserId() == 0;

    /// <summary>The account to drop to; created when needed. Only meaningful when <see cref="IsRoot"/>.</summary>
    public static async Task<UnprivilegedUser> GetAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_cached is not null)
            {
                return _cached;
            }

            var user = await LookUpAsync("nobody").ConfigureAwait(false);
            if (user is null)
            {
                user = await LookUpAsync(FallbackAccount).ConfigureAwait(false);
                if (user is null)
                {
                    var created = await ChildProcess.RunAsync(
                        "useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", FallbackAccount], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    if (created.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"useradd {FallbackAccount} failed ({created.ExitCode}): {created.AllOutput}");
                    }

                    user = await LookUpAsync(FallbackAccount).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"the account {FallbackAccount} was created but cannot be looked up");
                }
            }

            return _cached = user;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The command line that runs <paramref name="fileName"/> as this account: setpriv, then the command.</summary>
    public (string FileName, IReadOnlyList<string> Arguments) Wrap(string fileName, IEnumerable<string> arguments) =>
        (FindSetpriv(), [$"--reuid={Uid}", $"--regid={Gid}", "--clear-groups", "--", fileName, .. arguments]);

    /// <summary>Gives the account ownership of <paramref name="path"/> and everything in it.</summary>
    public async Task ChownAsync(string path)
    {
        var result = await ChildProcess.RunAsync("chown", ["-R", $"{Uid}:{Gid}", path], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {Uid}:{Gid} {path} failed ({result.ExitCode}): {result.AllOutput}");
        }
    }

    private static string FindSetpriv()
    {
        foreach (var candidate in new[] { "/usr/bin/setpriv", "/bin/setpriv" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("setpriv (util-linux) is missing; install it with 'apt-get install util-linux'");
    }

    private static async Task<UnprivilegedUser?> LookUpAsync(string name)
    {
        var result = await ChildProcess.RunAsync("getent", ["passwd", name], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return null;
        }

        // name:password:uid:gid:gecos:home:shell
        var fields = result.StandardOutput.Trim().Split(':');
        return fields.Length >= 4 && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid) && uid != 0
            ? new UnprivilegedUser(name, uid, gid)
            : null;
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "geteuid")]
        internal static extern uint GetEffectiveUserId();
    }
}
