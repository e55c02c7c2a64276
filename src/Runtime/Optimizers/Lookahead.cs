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
    private const string SlowBuffer = "slow_p", CountState = "lookahead_count";
    private List<Tensor>? _slow;

    /// <summary>The optimizer that steps the fast weights (the parameters) on every step; its hypers, zero_grad and state are this one's.</summary>
    public FusedOptimizer Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>Steps between syncs of the slow weights (fastai's <c>k</c>); at least 1.</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k is the number of steps between syncs; it must be at least 1.");

    /// <summary>The fraction of the way from the slow weights to the fast ones that a sync moves them (fastai's <c>alpha</c>).</summary>
    public double Alpha { get; } = alpha;

    /// <summary>Steps taken since the state was last cleared.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Steps <see cref="Inner"/>; every <see cref="K"/>-th step moves the slow weights <see cref="Alpha"/> of the way
    /// to the fast ones and copies them into the parameters. The slow weights are copied from the parameters at the
    /// first step that finds none (the first step, or the first after the state was cleared).
    /// </summary>
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

    /// <summary>The inner optimizer's zero_grad.</summary>
    public override void ZeroGrad() => Inner.ZeroGrad();

    /// <summary>Sets hyper-parameter <paramref name="name"/> of the inner optimizer in every param group.</summary>
    public override void SetHyper(string name, double value) => Inner.SetHyper(name, value);

    /// <summary>Sets hyper-parameter <paramref name="name"/> of the inner optimizer in param group <paramref name="group"/> only.</summary>
    public override void SetHyper(string name, int group, double value) => Inner.SetHyper(name, group, value);

    /// <summary>The inner optimizer's number of param groups.</summary>
    public override int GroupCount => Inner.GroupCount;

    /// <summary>Whether the inner optimizer has hyper-parameter <paramref name="name"/>.</summary>
    public override bool HasHyper(string name) => Inner.HasHyper(name);

    /// <summary>Reads hyper-parameter <paramref name="name"/> of param group <paramref name="group"/> from the inner optimizer.</summary>
    public override double GetHyper(string name, int group = 0) => Inner.GetHyper(name, group);

    /// <summary>The inner optimizer, which keeps the per-parameter state.</summary>
    public override FusedOptimizer Fused => Inner;

    /// <summary>fastai's clear_state: the inner optimizer's state, the step count and the slow weights.</summary>
    public override void ClearState()
    {
        Inner.ClearState();
        DisposeSlow();
        Count = 0;
    }

    /// <summary>The inner optimizer's state, plus the slow weights and the step count (which fastai's Lookahead does not save).</summary>
    public override OptimizerState StateDict()
    {
        var inner = Inner.StateDict();
        var parameters = inner.Params.Select((p, i) => p with
        {
            Buffers = _slow is null ? p.Buffers : new Dictionary<string, Tensor>(p.Buffers) { [SlowBuffer] = _slow[i].clone().DetachFromDisposeScope() },
            PerTensor = new Dictionary<string, double>(p.PerTensor) { [CountState] = Count },
        }).ToList();
        return new OptimizerState(StateName(inner.Optimizer), inner.Hypers, parameters);
    }

    /// <summary>Puts back a state saved by <see cref="StateDict"/> of a Lookahead over the same kind of optimizer.</summary>
    public override void LoadStateDict(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var expected = StateName(Inner.GetType().FullName!);
        if (state.Optimizer != expected)
            throw new ArgumentException($"This state dict was saved by {state.Optimizer}; it cannot be loaded into {expected}.", nameof(state));
        var innerParams = state.Params.Select(p => p with
        {
            Buffers = p.Buffers.Where(b => b.Key != SlowBuffer).ToDictionary(),
            PerTensor = p.PerTensor.Where(s => s.Key != CountState).ToDictionary(),
        }).ToList();
        Inner.LoadStateDict(new OptimizerState(Inner.GetType().FullName!, state.Hypers, innerParams));
        DisposeSlow();
        if (state.Params.Count > 0 && state.Params[0].Buffers.ContainsKey(SlowBuffer))
        {
            using var scope = NewDisposeScope();   // the conversions' temporaries
            _slow = state.Params.Select((p, i) => p.Buffers[SlowBuffer].to(Inner.Parameters[i].dtype, Inner.Parameters[i].device).clone().DetachFromDisposeScope()).ToList();
        }
        Count = state.Params.Count > 0 && state.Params[0].PerTensor.TryGetValue(CountState, out var count) ? (int)count : 0;
    }

    private static string StateName(string inner) => $"{typeof(Lookahead).FullName}({inner})";

    /// <summary>Disposes the slow weights and the inner optimizer.</summary>
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
