using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace GanCluster.Cluster.Exchange;

/// <summary>
/// The exchange channel's sockets: a listener and a connector giving plain TCP streams or, when the cluster has a
/// certificate, TLS ones (<see cref="SslStream"/>; Akka.Streams has no TLS stage in .NET), authenticated both ways with
/// the cluster's one certificate and accepting a peer only when it presents that very certificate (pinned by
/// thumbprint), the rule remoting follows. A connection that fails authentication is closed before any frame is read.
/// </summary>
public static class ExchangeSockets
{
    /// <summary>Binds <paramref name="settings"/>' address and hands every accepted (and, under TLS, authenticated) stream to <paramref name="serve"/>.</summary>
    public static ExchangeBinding Listen(ExchangeChannelSettings settings, Action<Stream> serve)
    {
        var certificate = settings.Certificate;
        var listener = new TcpListener(ParseBindAddress(settings.BindHost), settings.Port);
        listener.Start();
        var cancel = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!cancel.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptSocketAsync(cancel.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                socket.NoDelay = true;
                if (certificate is null)
                {
                    serve(new NetworkStream(socket, ownsSocket: true));
                }
                else
                {
                    _ = AuthenticateAndServe(socket, certificate, settings.ConnectTimeout, serve);
                }
            }
        });
        return new ExchangeBinding(listener.LocalEndpoint, () =>
        {
            cancel.Cancel();
            listener.Stop();
            return Task.CompletedTask;
        });
    }

    /// <summary>Connects (and authenticates, with a certificate) within <paramref name="timeout"/>; the stream is ready for frames.</summary>
    public static async Task<Stream> ConnectAsync(string host, int port, X509Certificate2? certificate, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(host, port), deadline.Token).ConfigureAwait(false);
            if (certificate is null)
            {
                return new NetworkStream(socket, ownsSocket: true);
            }

            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [certificate],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = Pinned(certificate),
            }, deadline.Token).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task AuthenticateAndServe(Socket socket, X509Certificate2 certificate, TimeSpan timeout, Action<Stream> serve)
    {
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = Pinned(certificate),
            }, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or SocketException)
        {
            // A peer without the cluster's certificate (or one that gave up): nothing of it reaches the workers.
            await ssl.DisposeAsync().ConfigureAwait(false);
            return;
        }

        serve(ssl);
    }

    /// <summary>Accepts exactly the cluster's certificate, whatever the chain says (it is self-signed).</summary>
    private static RemoteCertificateValidationCallback Pinned(X509Certificate2 certificate)
    {
        var thumbprint = certificate.Thumbprint;
        return (_, presented, _, _) => presented is not null
                                       && string.Equals(presented.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase);
    }

    private static IPAddress ParseBindAddress(string host) =>
        host is "0.0.0.0" ? IPAddress.Any
        : host is "::" or "[::]" ? IPAddress.IPv6Any
        : IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address
        : Dns.GetHostAddresses(host).First();
}
