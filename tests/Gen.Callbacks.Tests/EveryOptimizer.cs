using System.Collections.Generic;
using TorchSharp.Modules;
using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>Every generated optimizer by name, with weight decay on, for tests that compare two ways of stepping.</summary>
internal static class EveryOptimizer
{
    public static TheoryData<string> Names => new() { "Sgd", "SgdMomentum", "RmsProp", "RmsPropMomentum", "Adam", "AdamL2", "RAdam", "QHAdam", "Larc", "Lars", "Lamb" };

    /// <summary>The optimizers whose steps are all elementwise, so the CPU kernel steps whole groups (LARC, LARS and LAMB need each parameter's norms).</summary>
    public static TheoryData<string> Elementwise => new() { "Sgd", "SgdMomentum", "RmsProp", "RmsPropMomentum", "Adam", "AdamL2", "RAdam", "QHAdam" };

    /// <param name="groups">Param groups (null: one); every group gets the same hypers.</param>
    public static FusedOptimizer Create(string name, IReadOnlyList<Parameter> ps, IReadOnlyList<IReadOnlyList<int>>? groups = null) => name switch
    {
        "Sgd" => new Sgd(ps, lr: 0.01, wd: 0.1, groups: groups),
        "SgdMomentum" => new SgdMomentum(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RmsProp" => new RmsProp(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RmsPropMomentum" => new RmsPropMomentum(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Adam" => new Adam(ps, lr: 0.01, wd: 0.1, groups: groups),
        "AdamL2" => new AdamL2(ps, lr: 0.01, wd: 0.1, groups: groups),
        "RAdam" => new RAdam(ps, lr: 0.01, wd: 0.1, beta: 1, groups: groups),
        "QHAdam" => new QHAdam(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Larc" => new Larc(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Lars" => new Lars(ps, lr: 0.01, wd: 0.1, groups: groups),
        "Lamb" => new Lamb(ps, lr: 0.01, wd: 0.1, groups: groups),
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
