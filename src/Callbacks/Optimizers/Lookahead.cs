using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's Lookahead: wraps any fused optimizer; every <see cref="K"/> steps the slow weights move
/// <see cref="Alpha"/> of the way to the fast ones and the fast weights restart from them.
/// Hypers, zero_grad and state are the inner optimizer's.
/// </summary>
public sealed class Lookahead(FusedOptimizer inner, int k = 6, double alpha = 0.5) : Optimizer
{
    private List<Tensor>? _slow;

    public FusedOptimizer Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k is the number of steps between syncs; it must be at least 1.");
    public double Alpha { get; } = alpha;

    /// <summary>Steps taken since the state was last cleared.</summary>
    public int Count { get; private set; }

    public override void Step()
    {
        _slow ??= Inner.Parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToList();
        Inner.Step();
        if (++Count % K != 0) return;
        using var _ = no_grad();
        for (int i = 0; i < _slow.Count; i++)
        {
            using var scope = NewDisposeScope();
            var fast = Inner.Parameters[i];
            _slow[i].add_(fast - _slow[i], alpha: Alpha);
            fast.copy_(_slow[i]);
        }
    }

    public override void ZeroGrad() => Inner.ZeroGrad();
    public override void SetHyper(string name, double value) => Inner.SetHyper(name, value);
    public override void SetHyper(string name, int group, double value) => Inner.SetHyper(name, group, value);
    public override int GroupCount => Inner.GroupCount;
    public override bool HasHyper(string name) => Inner.HasHyper(name);
    public override double GetHyper(string name, int group = 0) => Inner.GetHyper(name, group);

    /// <summary>fastai's clear_state: the inner optimizer's state, the step count and the slow weights.</summary>
    public void ClearState()
    {
        Inner.ClearState();
        DisposeSlow();
        Count = 0;
    }

    public override void Dispose()
    {
        DisposeSlow();
        Inner.Dispose();
        base.Dispose();
    }

    private void DisposeSlow()
    {
        _slow?.ForEach(t => t.Dispose());
        _slow = null;
    }
}

/// <summary>fastai's ranger: Lookahead over RAdam with mom 0.95, wd 0.01, eps 1e-6.</summary>
public static class Ranger
{
    public static Optimizer Create(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, double lr, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        new Lookahead(new RAdam(parameters, lr: lr, mom: 0.95, wd: 0.01, eps: 1e-6, groups: groups));
}
