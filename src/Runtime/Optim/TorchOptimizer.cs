using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace Gen;

/// <summary>Drives a Learner with one of TorchSharp's built-in optimizers (its lr is the one hyper it schedules).</summary>
public sealed class TorchOptimizer(torch.optim.Optimizer inner, IReadOnlyList<Parameter> parameters) : Optimizer
{
    /// <summary>TorchSharp's Adam with PyTorch's defaults.</summary>
    public static OptimizerFactory Adam { get; } = (ps, lr, groups) => new TorchOptimizer(torch.optim.Adam(ps, lr), OneGroup(ps, groups));

    /// <summary>TorchSharp's SGD with momentum <paramref name="momentum"/>.</summary>
    public static OptimizerFactory Sgd(double momentum = 0) => (ps, lr, groups) => new TorchOptimizer(torch.optim.SGD(ps, lr, momentum), OneGroup(ps, groups));

    private static IReadOnlyList<Parameter> OneGroup(IReadOnlyList<Parameter> ps, IReadOnlyList<IReadOnlyList<int>>? groups) =>
        groups is null || groups.Count <= 1 ? ps
            : throw new NotSupportedException($"TorchOptimizer runs one param group; the Learner's splitter made {groups.Count}. Use a Gen optimizer (optFunc: Optimizers.Adam()) for param groups.");

    public torch.optim.Optimizer Inner { get; } = inner;

    public override void Step() => Inner.step();

    public override void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    private readonly OtherHypers _others = new(groups: 1);

    /// <summary>Sets the lr of TorchSharp's optimizer; any other name (one-cycle's mom) is stored as fastai's set_hyper stores it, without reaching TorchSharp's optimizer.</summary>
    public override void SetHyper(string name, double value)
    {
        if (name == "lr") foreach (var g in Inner.ParamGroups) g.LearningRate = value;
        else _others.Set(name, 0, value, this, ["lr"]);
    }

    public override double GetHyper(string name, int group = 0)
    {
        if (name == "lr") return Inner.ParamGroups.ElementAt(group).LearningRate;
        return _others.TryGet(name, group, out var value) ? value
            : throw new ArgumentException($"TorchOptimizer has the hyper-parameter 'lr' and those set since; '{name}' was never set.", nameof(name));
    }

    public override bool HasHyper(string name) => name == "lr" || _others.Has(name);

    public override void Dispose()
    {
        Inner.Dispose();
        base.Dispose();
    }
}
