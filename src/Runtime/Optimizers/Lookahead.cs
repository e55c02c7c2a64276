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
