using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GanCluster.Node;

/// <summary>
/// The cluster's shared certificate (see <see cref="RemotingTls"/>): self-signed, RSA 2048, usable for TLS server and
/// client authentication, written as a password-protected PKCS#12 file that every node and client is given.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>Writes the certificate to <paramref name="path"/> (not overwriting an existing file) and returns its SHA-1 thumbprint, the pin.</summary>
    public static string Create(string path, string password, string subject = "gancluster", int validDays = 825)
    {
        if (validDays is < 1 or > 3650)
        {
            throw new NodeOptionsException($"--days: {validDays} is out of range; use 1 to 3650");
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        // serverAuth and clientAuth: the transport authenticates both ends with this one certificate.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(validDays));
        var bytes = certificate.Export(X509ContentType.Pkcs12, password);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(bytes);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return certificate.Thumbprint;
    }
}
