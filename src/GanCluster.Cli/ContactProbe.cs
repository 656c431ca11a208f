using System.Net.Sockets;
using GanCluster.Node;

namespace GanCluster.Cli;

/// <summary>
/// A TCP connect to each contact point before the client starts its ActorSystem. Akka's ClusterClient retries a
/// refused connection until the ask times out (20 s by default); a refused connection is already a clear answer.
/// </summary>
internal static class ContactProbe
{
    /// <summary>Time allowed for one connect; a contact that does not answer in time is left to the client's timeout.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="ClusterUnreachableException"/> when every contact refuses (or cannot be resolved); returns otherwise.</summary>
    public static void ThrowIfAllRefused(IReadOnlyList<string> contacts)
    {
        var failures = new List<string>();
        foreach (var contact in contacts)
        {
            var failure = Probe(contact);
            if (failure is null)
            {
                return;
            }

            failures.Add($"{contact} ({failure})");
        }

        throw new ClusterUnreachableException(
            $"no coordinator at {string.Join(", ", failures)}. Start one (gancluster node --roles coordinator, or scripts/start-local-cluster.sh), "
            + "or point --contact (or GANCLUSTER_CONTACT) at a running coordinator node's host:port.");
    }

    /// <summary>Null when the connection opened or the probe was inconclusive (a slow or filtered network); else the reason.</summary>
    private static string? Probe(string contact)
    {
        var colon = contact.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(contact.AsSpan(colon + 1), out var port))
        {
            return null;
        }

        var host = contact[..colon].Trim('[', ']');
        using var socket = new TcpClient();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            socket.ConnectAsync(host, port, timeout.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused)
        {
            return "connection refused";
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            return "unknown host";
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable)
        {
            return "unreachable";
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return null;
        }
    }
}
