using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace Gen;

/// <summary>
/// Drives a Learner with one of TorchSharp's built-in optimizers, as fastai's OptimWrapper: fastai's hyper names map
/// onto TorchSharp's options (mom is Adam's and AdamW's beta1 or SGD's and RMSProp's momentum, sqr_mom beta2 or
/// RMSProp's alpha, wd weight_decay, eps eps), so fit policies schedule them. Another name that one-cycle sets (mom on
/// an optimizer without momentum) is stored without effect, as fastai's set_hyper stores it; a weight decay the
/// optimizer cannot take is an error.
/// </summary>
public sealed class TorchOptimizer(torch.optim.Optimizer inner, IReadOnlyList<Parameter> parameters) : Optimizer
{
    /// <summary>TorchSharp's Adam with PyTorch's defaults.</summary>
    public static OptimizerFactory Adam { get; } = (ps, lr, groups) => new TorchOptimizer(torch.optim.Adam(ps, lr), OneGroup(ps, groups));

    /// <summary>TorchSharp's SGD with momentum <paramref name="momentum"/>.</summary>
    public static OptimizerFactory Sgd(double momentum = 0) => (ps, lr, groups) => new TorchOptimizer(torch.optim.SGD(ps, lr, momentum), OneGroup(ps, groups));

    private static IReadOnlyList<Parameter> OneGroup(IReadOnlyList<Parameter> ps, IReadOnlyList<IReadOnlyList<int>>? groups) =>
        groups is null || groups.Count <= 1 ? ps
            : throw new NotSupportedException($"TorchOptimizer runs one param group; the Learner's splitter made {groups.Count}. Use a Gen optimizer (optFunc: Optimizers.Adam()) for param groups.");

    private readonly OtherHypers _others = new(groups: 1);

    /// <summary>The TorchSharp optimizer this drives.</summary>
    public torch.optim.Optimizer Inner { get; } = inner;

    /// <summary>Runs the TorchSharp optimizer's step.</summary>
    public override void Step() => Inner.step();

    /// <summary>Zeroes every parameter's gradient in place; parameters without one are skipped.</summary>
    public override void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    /// <summary>
    /// Sets hyper-parameter <paramref name="name"/> (fastai's name, or its C# spelling): lr as every TorchSharp param
    /// group's learning rate, a hyper with a TorchSharp option as that option; any other name is stored without effect
    /// (one a typo away from a known hyper is refused), except wd, which throws when the optimizer has no weight_decay option.
    /// </summary>
    public override void SetHyper(string name, double value)
    {
        var key = Ordering.CallbackNaming.HyperName(name);
        if (key == "lr") { foreach (var g in Inner.ParamGroups) g.LearningRate = value; return; }
        if (Inner.ParamGroups.All(g => TorchOption(g, key, value) is not null)) return;
        if (key == "wd")
            throw new ArgumentException($"TorchSharp's {Inner.GetType().Name} has no weight_decay option that Gen can set; use a Gen optimizer (Optimizers.Adam(), ...) for weight decay.", nameof(name));
        _others.Set(key, 0, value, this, ["lr"]);
    }

    /// <summary>Reads hyper-parameter <paramref name="name"/> of param group <paramref name="group"/>: from TorchSharp's learning rate or option, or else the value <see cref="SetHyper(string, double)"/> stored; throws when there is neither.</summary>
    public override double GetHyper(string name, int group = 0)
    {
        var key = Ordering.CallbackNaming.HyperName(name);
        var paramGroup = Inner.ParamGroups.ElementAt(group);
        if (key == "lr") return paramGroup.LearningRate;
        if (TorchOption(paramGroup, key, set: null) is double value) return value;
        return _others.TryGet(key, group, out var stored) ? stored
            : throw new ArgumentException($"TorchSharp's {Inner.GetType().Name} has no option for '{name}', and it was never set.", nameof(name));
    }

    /// <summary>Whether <paramref name="name"/> is lr, has a TorchSharp option, or was stored by <see cref="SetHyper(string, double)"/>.</summary>
    public override bool HasHyper(string name)
    {
        var key = Ordering.CallbackNaming.HyperName(name);
        return key == "lr" || TorchOption(Inner.ParamGroups.First(), key, set: null) is not null || _others.Has(key);
    }

    /// <summary>fastai's pytorch_hp_map: the TorchSharp option behind a fastai hyper, set first when <paramref name="set"/> is given; null when there is none.</summary>
    private static double? TorchOption(object group, string key, double? set) => (group, key) switch
    {
        (ParamGroup<TorchSharp.Modules.Adam.Options> g, "mom") => g.Options.beta1 = set ?? g.Options.beta1,
        (ParamGroup<TorchSharp.Modules.Adam.Options> g, "sqr_mom") => g.Options.beta2 = set ?? g.Options.beta2,
        (ParamGroup<TorchSharp.Modules.Adam.Options> g, "wd") => g.Options.weight_decay = set ?? g.Options.weight_decay,
        (ParamGroup<TorchSharp.Modules.Adam.Options> g, "eps") => g.Options.eps = set ?? g.Options.eps,
        (ParamGroup<TorchSharp.Modules.AdamW.Options> g, "mom") => g.Options.beta1 = set ?? g.Options.beta1,
        (ParamGroup<TorchSharp.Modules.AdamW.Options> g, "sqr_mom") => g.Options.beta2 = set ?? g.Options.beta2,
        (ParamGroup<TorchSharp.Modules.AdamW.Options> g, "wd") => g.Options.weight_decay = set ?? g.Options.weight_decay,
        (ParamGroup<TorchSharp.Modules.AdamW.Options> g, "eps") => g.Options.eps = set ?? g.Options.eps,
        (ParamGroup<TorchSharp.Modules.SGD.Options> g, "mom") => g.Options.momentum = set ?? g.Options.momentum,
        (ParamGroup<TorchSharp.Modules.SGD.Options> g, "wd") => g.Options.weight_decay = set ?? g.Options.weight_decay,
        (ParamGroup<TorchSharp.Modules.RMSProp.Options> g, "mom") => g.Options.momentum = set ?? g.Options.momentum,
        (ParamGroup<TorchSharp.Modules.RMSProp.Options> g, "sqr_mom") => g.Options.alpha = set ?? g.Options.alpha,
        (ParamGroup<TorchSharp.Modules.RMSProp.Options> g, "wd") => g.Options.weight_decay = set ?? g.Options.weight_decay,
        (ParamGroup<TorchSharp.Modules.RMSProp.Options> g, "eps") => g.Options.eps = set ?? g.Options.eps,
        _ => null,
    };

    /// <summary>Disposes the TorchSharp optimizer.</summary>
    public override void Dispose()
    {
        Inner.Dispose();
        base.Dispose();
    }
}
