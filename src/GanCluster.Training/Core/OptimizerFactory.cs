using GanCluster.Training.Options;
using TorchSharp;
using TorchSharp.Modules;

namespace GanCluster.Training.Core;

/// <summary>Builds the optimizer an <see cref="OptimizerSpec"/> describes.</summary>
public static class OptimizerFactory
{
    public static torch.optim.Optimizer Create(OptimizerSpec spec, IEnumerable<Parameter> parameters) => spec.Type switch
    {
        OptimizerKind.Adam => torch.optim.Adam(parameters, spec.LearningRate, spec.Beta1, spec.Beta2),
        OptimizerKind.Sgd => torch.optim.SGD(parameters, spec.LearningRate, spec.Momentum),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Type, "unknown optimizer"),
    };
}
