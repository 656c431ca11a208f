using System.Net;
using System.Net.Sockets;
using GanCluster.TestSupport;

namespace GanCluster.Cli.Tests;

/// <summary><c>gancluster node</c> start-up failures and help.</summary>
public sealed class NodeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("cli-node");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Node_on_a_port_in_use_says_so_in_one_line()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;

            var result = await Gancluster.RunAsync(_temp.Path, "node", "--roles", "coordinator", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", _temp.Combine("data"));

            result.AssertExitCode(2);
            Assert.Contains($"127.0.0.1:{port}", result.FirstLine());
            Assert.Contains("in use", result.FirstLine());
            Assert.Contains("--port", result.FirstLine());
            Assert.Single(result.Lines);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Node_on_every_interface_without_tls_is_refused_in_one_line_that_says_how_to_secure_it()
    {
        var result = await Gancluster.RunAsync(_temp.Path, "node", "--roles", "coordinator", "--hostname", "0.0.0.0", "--public-hostname", "box-1", "--data", _temp.Combine("data"));

        result.AssertExitCode(2);
        Assert.Single(result.Lines);
        Assert.Contains("gancluster cert create", result.FirstLine());
        Assert.Contains("--insecure", result.FirstLine());
        Assert.False(Directory.Exists(_temp.Combine("data")), "a refused node created its data folder");
    }

    [Fact]
    public async Task Cert_create_writes_a_loadable_certificate_and_its_password_and_never_overwrites()
    {
        var pfx = _temp.Combine("cluster.pfx");

        var created = await Gancluster.RunAsync(_temp.Path, "cert", "create", "--out", pfx);

        created.AssertExitCode(0);
        Assert.Equal(pfx, created.StandardOutput.Trim());
        var password = File.ReadAllLines(pfx + ".password")[0];
        using (var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfx, password))
        {
            Assert.True(certificate.HasPrivateKey);
            Assert.Equal("CN=gancluster", certificate.Subject);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx + ".password"));
        }

        var bytes = File.ReadAllBytes(pfx);

        var again = await Gancluster.RunAsync(_temp.Path, "cert", "create", "--out", pfx);

        again.AssertExitCode(2);
        Assert.Contains("exists", again.FirstLine());
        again.AssertNoStackTrace();
        Assert.Equal(bytes, File.ReadAllBytes(pfx));
    }

    [Theory]
    [InlineData("--roles")]
    [InlineData("--hostname")]
    [InlineData("--port")]
    [InlineData("--seeds")]
    [InlineData("--data")]
    [InlineData("--persistence")]
    [InlineData("--logs")]
    [InlineData("--torch-threads")]
    public async Task Node_help_shows_the_default_of_each_option(string option)
    {
        var result = await Gancluster.RunAsync(_temp.Path, "node", "--help");

        result.AssertExitCode(0);
        // System.CommandLine wraps a long description; the option's entry runs until the next option.
        var text = result.StandardOutput;
        var start = text.IndexOf("  " + option + " ", StringComparison.Ordinal);
        Assert.True(start >= 0, text);
        var next = text.IndexOf("\n  -", start + 1, StringComparison.Ordinal);
        var entry = next < 0 ? text[start..] : text[start..next];
        Assert.Contains("default", entry);
    }
}
