using GanCluster.Training.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Core;

/// <summary>
/// TorchSharp's Adam with the same arithmetic, operation for operation (so the same bits and the same saved state), but
/// with every scalar held until libtorch has used it. TorchSharp 0.107's own <c>Adam.step</c> passes temporary scalars
/// (<c>addcmul_(grad, grad, value: 1 - beta2)</c>) that the finalizer thread may free mid-call; see <see cref="KeptScalars"/>.
/// </summary>
public sealed class SafeAdam : Adam
{
    public SafeAdam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2)
        : base(parameters, lr, beta1, beta2)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        var beta1 = options.beta1!.Value;
        var beta2 = options.beta2!.Value;
        var weightDecay = options.weight_decay!.Value;
        var eps = options.eps!.Value;
        var lr = options.LearningRate!.Value;
        if (options.amsgrad == true || options.maximize == true)
        {
            throw new NotSupportedException("SafeAdam implements plain Adam (no amsgrad, no maximize)");
        }

        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var epsScalar = eps.ToScalar();
        using var weightDecayScalar = weightDecay.ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }

            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0)
            {
                grad = grad.add(param, alpha: weightDecayScalar);
            }

            state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), value: oneMinusBeta2);
            using var sqrtBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            var denom = (state.exp_avg_sq.sqrt() / sqrtBiasCorrection2).add_(epsScalar, KeptScalars.One);
            using var negativeStepSize = (-(lr / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denom, value: negativeStepSize);
        }
    }, closure);
}

/// <summary>
/// TorchSharp's SGD with momentum, operation for operation, with every scalar held until libtorch has used it
/// (see <see cref="SafeAdam"/> and <see cref="KeptScalars"/>).
/// </summary>
public sealed class SafeSgd : SGD
{
    public SafeSgd(IEnumerable<Parameter> parameters, double lr, double momentum)
        : base(parameters, lr, momentum)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        var momentum = options.momentum!.Value;
        var dampening = options.dampening!.Value;
        var weightDecay = options.weight_decay!.Value;
        var lr = options.LearningRate!.Value;
        if (options.nesterov == true || options.maximize == true)
        {
            throw new NotSupportedException("SafeSgd implements SGD with plain momentum (no nesterov, no maximize)");
        }

        using var momentumScalar = momentum.ToScalar();
        using var oneMinusDampening = (1 - dampening).ToScalar();
        using var weightDecayScalar = weightDecay.ToScalar();
        using var negativeLr = (-lr).ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }

            if (weightDecay != 0)
            {
                grad = grad.add(param, alpha: weightDecayScalar);
            }

            if (momentum != 0)
            {
                var buffer = state.momentum_buffer;
                if (buffer is null)
                {
                    buffer = grad.clone().detach().DetachFromDisposeScope();
                    state.momentum_buffer = buffer;
                }
                else
                {
                    buffer.mul_(momentumScalar).add_(grad, alpha: oneMinusDampening);
                }

                grad = buffer;
            }

            param.add_(grad, alpha: negativeLr);
        }
    }, closure);
}
