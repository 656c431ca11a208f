using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanCluster.Training.Tests.Families;

/// <summary>
/// Virtual adversarial training written plainly for the split tests' one-graph references (Miyato et al. 2018): the
/// network without its noise, one power iteration from a random probe of length 1e-3, then the KL divergence at the
/// perturbation of length epsilon along the gradient.
/// </summary>
internal static class PlainVat
{
    public static Tensor Term(nn.Module network, Func<Tensor, Tensor> logits, Tensor x, double epsilon)
    {
        network.eval();
        Tensor target;
        using (no_grad())
        {
            target = F.log_softmax(logits(x), 1);
        }

        var probe = (Unit(randn_like(x)) * 1e-3).requires_grad_(true);
        var probeKl = (target.exp() * (target - F.log_softmax(logits(x + probe), 1))).sum(1).mean();
        var gradient = torch.autograd.grad([probeKl], [probe])[0];
        var logQ = F.log_softmax(logits(x + Unit(gradient) * epsilon), 1);
        network.train();
        return (target.exp() * (target - logQ)).sum(1).mean();
    }

    private static Tensor Unit(Tensor t)
    {
        var flat = t.reshape(t.shape[0], -1);
        flat = flat / (flat.abs().amax([1], keepdim: true) + 1e-12);
        return (flat / ((flat * flat).sum(1, keepdim: true) + 1e-6).sqrt()).reshape(t.shape);
    }
}
