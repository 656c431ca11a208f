using System.Globalization;
using System.Text;
using TorchSharp;

namespace GanCluster.Training.Models;

/// <summary>Sizes and one-line descriptions of networks, for logs and tests.</summary>
public static class NetworkSummary
{
    /// <summary>Number of trainable parameters (weights and biases; BatchNorm running statistics are buffers and not counted).</summary>
    public static long ParameterCount(torch.nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
    }

    /// <summary>
    /// One line for logs: the network's type, its parameter count and every parameter with its shape, e.g.
    /// "MlpGenerator: 2,403,184 parameters; fc1.weight [1200, 100], fc1.bias [1200], ...".
    /// </summary>
    public static string Describe(torch.nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var text = new StringBuilder();
        text.Append(network.GetType().Name)
            .Append(": ")
            .Append(ParameterCount(network).ToString("N0", CultureInfo.InvariantCulture))
            .Append(" parameters; ");
        text.AppendJoin(", ", network.named_parameters().Select(p => $"{p.name} [{string.Join(", ", p.parameter.shape)}]"));
        return text.ToString();
    }
}
