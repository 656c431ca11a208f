using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace GanCluster.Node;

/// <summary>
/// TLS for the remoting transport. All nodes and clients of a cluster share one certificate (a PKCS#12 file
/// distributed with the deployment, self-signed is fine): the transport requires mutual authentication and
/// accepts a peer only when it presents that very certificate (pinned by thumbprint), so a process without
/// it cannot join, whatever CA signed its own.
/// </summary>
public static class RemotingTls
{
    /// <summary>The actor-system setup for <paramref name="config"/>, with TLS when a certificate is given.</summary>
    public static ActorSystemSetup Setup(Config config, string? certificatePath, string? password)
    {
        var bootstrap = BootstrapSetup.Create();
        if (certificatePath is null)
        {
            return ActorSystemSetup.Create(bootstrap.WithConfig(config));
        }

        var certificate = LoadCertificate(certificatePath, password);
        var tls = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint));
        var enable = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true");
        return bootstrap.WithConfig(enable.WithFallback(config)).And(tls);
    }

    /// <summary>The cluster's certificate with its private key, for remoting and the exchange channel alike.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException e)
        {
            throw new NodeOptionsException($"--tls-certificate: cannot read '{certificatePath}' as PKCS#12 ({e.Message}); check the file and --tls-password");
        }

        if (!certificate.HasPrivateKey)
        {
            throw new NodeOptionsException($"--tls-certificate: '{certificatePath}' holds no private key; export the certificate with its key (PKCS#12)");
        }

        return certificate;
    }
}
