using System.CommandLine;
using System.Security.Cryptography;
using GanCluster.Node;

namespace GanCluster.Cli;

/// <summary><c>gancluster cert create</c>: the cluster's shared TLS certificate (see README, Security).</summary>
internal static class CertCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The PKCS#12 file to write (not overwritten when it exists).", Required = true };
        var passwordFile = new Option<string?>("--password-file") { Description = "A file whose first line is the password (default: env GANCLUSTER_TLS_PASSWORD, else a new random one written to <out>.password)." };
        var days = new Option<int>("--days") { Description = "Validity in days.", DefaultValueFactory = _ => 825 };
        var subject = new Option<string>("--subject") { Description = "The certificate's common name.", DefaultValueFactory = _ => "gancluster" };
        var create = new Command("create", "Write a self-signed certificate that every node and client of one cluster shares (--tls-certificate).") { output, passwordFile, days, subject };
        create.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(output)!);
            try
            {
                if (File.Exists(path))
                {
                    throw new NodeOptionsException($"--out: '{path}' exists; remove it first or choose another path (every node must be given the new file)");
                }

                if (!Directory.Exists(Path.GetDirectoryName(path)))
                {
                    throw new NodeOptionsException($"--out: the folder of '{path}' does not exist; create it first");
                }

                string? writtenPasswordFile = null;
                var password = parse.GetValue(passwordFile) is { } file
                    ? NodeOptions.ReadSecret(file, "--password-file", "the password")
                    : Environment.GetEnvironmentVariable(NodeEnvironment.TlsPassword) is { Length: > 0 } fromEnvironment
                        ? fromEnvironment
                        : null;
                if (password is null)
                {
                    password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                    writtenPasswordFile = path + ".password";
                    if (File.Exists(writtenPasswordFile))
                    {
                        throw new NodeOptionsException($"--out: '{writtenPasswordFile}' exists; remove it or give --password-file");
                    }

                    File.WriteAllText(writtenPasswordFile, password + "\n");
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(writtenPasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    }
                }

                var thumbprint = ClusterCertificate.Create(path, password, parse.GetValue(subject)!, parse.GetValue(days));
                Console.WriteLine(path);
                Console.Error.WriteLine($"Wrote {path} (thumbprint {thumbprint}){(writtenPasswordFile is null ? string.Empty : $" and its password to {writtenPasswordFile}")}.");
                Console.Error.WriteLine($"Give both to every node and client: --tls-certificate {path} --tls-password-file {writtenPasswordFile ?? "<password file>"}"
                    + $" (or {NodeEnvironment.TlsCertificate} and {NodeEnvironment.TlsPasswordFile}).");
                return 0;
            }
            catch (NodeOptionsException e)
            {
                Console.Error.WriteLine($"gancluster cert create: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"gancluster cert create: cannot write '{path}' ({e.Message})");
                return 2;
            }
        });
        return new Command("cert", "The cluster's TLS certificate.") { create };
    }
}
