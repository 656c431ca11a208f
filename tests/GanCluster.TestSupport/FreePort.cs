using System.Net;
using System.Net.Sockets;

namespace GanCluster.TestSupport;

/// <summary>Free TCP ports on the loopback interface, for servers and nodes that need a fixed port.</summary>
public static class FreePort
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port that was free on 127.0.0.1 a moment ago. Another process may still take it before the caller binds, so
    /// callers that can retry on "address in use" should. Never hands out the same port twice in one process, which
    /// makes collisions between tests of one run impossible.
    /// </summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException("no new free loopback port found in 100 attempts");
        }
    }

    /// <summary>Several distinct free ports.</summary>
    public static IReadOnlyList<int> Next(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToList();
}
