using System.Collections.Generic;
using TorchSharp.Modules;
using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>Every generated optimizer by name, with weight decay on, for tests that compare two ways of stepping.</summary>
internal static class EveryOptimizer
{
    public static TheoryData<string> Names => new()
    {
        "Sgd", "SgdL2", "SgdMomentum", "SgdMomentumL2", "RmsProp", "RmsPropL2", "RmsPropMomentum", "RmsPropMomentumL2", "Adam", "AdamL2",
        "RAdam", "RAdamL2", "QHAdam", "QHAdamL2", "Larc", "Lars", "LarcL2", "LarsL2", "LarcNoMomentum", "LarsNoMomentum", "LarcNoMomentumL2",
        "LarsNoMomentumL2", "Lamb", "LambL2",
    };

    /// <summary>The optimizers whose steps are all elementwise, so the CPU kernel steps whole groups (LARC, LARS and LAMB need each parameter's norms).</summary>
    public static TheoryData<string> Elementwise => new()
    {
        "Sgd", "SgdL2", "SgdMomentum", "SgdMomentumL2", "RmsProp", "RmsPropL2", "RmsPropMomentum", "RmsPropMomentumL2", "Adam", "AdamL2",
        "RAdam", "RAdamL2", "QHAdam", "QHAdamL2",
    };

    /// <param name="groups">Param groups (null: one); every group gets the same hypers.</param>
    public static FusedOptimizer Create(string name, IReadOnlyList<Parameter> ps, IReadOnlyList<IReadOnlyList<int>>? groups = null) => name switch
    {
        "Sgd" => new Sgd(ps, lr: 0.01, wd: 0.1, groups: groups),
        "SgdL2" => new SgdL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "SgdMomentum" => new SgdMomentum(ps, lr: 0.01, wd: 0.1, groups: groups),
        "SgdMomentumL2" => new SgdMomentumL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RmsProp" => new RmsProp(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RmsPropL2" => new RmsPropL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RmsPropMomentum" => new RmsPropMomentum(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RmsPropMomentumL2" => new RmsPropMomentumL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Adam" => new Adam(ps, lr: 0.01, wd: 0.1, groups: groups),
        "AdamL2" => new AdamL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RAdam" => new RAdam(ps, lr: 0.01, wd: 0.1, beta: 1, groups: groups),
        "RAdamL2" => new RAdamL2(ps, lr: 0.01, wd: 0.1, beta: 1, groups: groups),
        "QHAdam" => new QHAdam(ps, lr: 0.01, wd: 0.1, groups: groups),
        "QHAdamL2" => new QHAdamL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Larc" => new Larc(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Lars" => new Lars(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LarcL2" => new LarcL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LarsL2" => new LarsL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LarcNoMomentum" => new LarcNoMomentum(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LarsNoMomentum" => new LarsNoMomentum(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LarcNoMomentumL2" => new LarcNoMomentumL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LarsNoMomentumL2" => new LarsNoMomentumL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Lamb" => new Lamb(ps, lr: 0.01, wd: 0.1, groups: groups),
        "LambL2" => new LambL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        _ => throw new System.ArgumentException($"no optimizer named {name}", nameof(name)),
    };

    /// <summary>One param group per parameter: a group of one is never laid out flat, so each parameter takes its own kernel call.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> OnePerParameter(int count)
    {
        var groups = new List<IReadOnlyList<int>>();
        for (int i = 0; i < count; i++) groups.Add([i]);
        return groups;
    }
}
