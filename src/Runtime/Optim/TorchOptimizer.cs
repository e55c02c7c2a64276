using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace Gen;

/// <summary>Drives a Learner with one of TorchSharp's built-in optimizers (hyper "lr" only).</summary>
public sealed class TorchOptimizer(torch.optim.Optimizer inner, IReadOnlyList<Parameter> parameters) : Optimizer
{
    /// <summary>TorchSharp's Adam with PyTorch's defaults.</summary>
    public static OptimizerFactory Adam { get; } = (ps, lr, groups) => new TorchOptimizer(torch.optim.Adam(ps, lr), OneGroup(ps, groups));

    /// <summary>TorchSharp's SGD with momentum <paramref name="momentum"/>.</summary>
    public static OptimizerFactory Sgd(double momentum = 0) => (ps, lr, groups) => new TorchOptimizer(torch.optim.SGD(ps, lr, momentum), OneGroup(ps, groups));

    private static IReadOnlyList<Parameter> OneGroup(IReadOnlyList<Parameter> ps, IReadOnlyList<IReadOnlyList<int>>? groups) =>
        groups is null || groups.Count <= 1 ? ps
            : throw new NotSupportedException($"TorchOptimizer runs one param group; the Learner's splitter made {groups.Count}. Use a Gen optimizer (optFunc: Adam.Create) for param groups.");

    public torch.optim.Optimizer Inner { get; } = inner;

    public override void Step() => Inner.step();

    public override void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    public override void SetHyper(string name, double value)
    {
        RequireLr(name);
        foreach (var g in Inner.ParamGroups) g.LearningRate = value;
    }

    public override double GetHyper(string name, int group = 0)
    {
        RequireLr(name);
        return Inner.ParamGroups.ElementAt(group).LearningRate;
    }

    public override bool HasHyper(string name) => name == "lr";

    private static void RequireLr(string name)
    {
        if (name != "lr")
            throw new ArgumentException($"TorchOptimizer exposes only the hyper-parameter 'lr', not '{name}'. Use a Gen optimizer to schedule '{name}'.", nameof(name));
    }

    public override void Dispose()
    {
        Inner.Dispose();
        base.Dispose();
    }
}
