using System;
using System.ComponentModel;
using System.Collections.Generic;
using System.Linq;
using Gen.Ordering;

namespace Gen;

// fastai's per-parameter state beyond the steps' buffers (do_wd, force_train), freezing, clear_state and the state dict.
public abstract partial class FusedOptimizer
{
    /// <summary>Per-parameter state that fastai's clear_state keeps.</summary>
    public static readonly IReadOnlyList<string> KeptOnClear = ["no_wd", "force_train"];

    /// <summary>
    /// Sets state <paramref name="name"/> of parameter <paramref name="param"/>, as fastai's <c>opt.state[p][name] = value</c>:
    /// a step's per-tensor state (step, no_wd), <c>do_wd</c> (fastai's name; stored as no_wd = !do_wd) or
    /// <c>force_train</c> (the parameter trains when its group is frozen: fastai's train_bn).
    /// </summary>
    public void SetState(string name, int param, double value)
    {
        if (name == "do_wd") (name, value) = ("no_wd", value == 0 ? 1 : 0);
        int index = PerTensorIndex(name);
        if (index >= 0) { PerTensor(index, param, value); return; }
        CheckStateName(name);
        _states.SetNamed(name, param, value);
    }

    /// <summary>fastai's <c>opt.state[p].get(name, 0)</c> for a per-parameter state (<c>do_wd</c> reads no_wd).</summary>
    public double GetState(string name, int param)
    {
        if (name == "do_wd") return GetState("no_wd", param) == 0 ? 1 : 0;
        int index = PerTensorIndex(name);
        if (index >= 0) return PerTensor(index, param);
        CheckStateName(name);
        return _states.Named(name, param);
    }

    private int PerTensorIndex(string name)
    {
        for (int k = 0; k < PerTensorNames.Count; k++) if (PerTensorNames[k] == name) return k;
        return -1;
    }

    private void CheckStateName(string name)
    {
        if (KeptOnClear.Contains(name)) return;
        var known = PerTensorNames.Concat(KeptOnClear).Append("do_wd").ToList();
        throw new ArgumentException(
            $"{GetType().Name} keeps no per-parameter state '{name}'{(NameDistance.Suggest(name, known) is { } near ? $" (did you mean '{near}'?)" : "")}; it has: {string.Join(", ", known)}.",
            nameof(name));
    }

    /// <summary>
    /// fastai's freeze_to: param groups before <paramref name="n"/> (negative: from the end) stop training, the rest
    /// train; a parameter with force_train (fastai's train_bn for norm layers) always trains.
    /// </summary>
    public void FreezeTo(int n)
    {
        int frozen = n >= 0 ? n : GroupCount + n;
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].requires_grad_(GroupOf[i] >= frozen || GetState("force_train", i) != 0);
        Freezes++;
    }

    /// <summary>How many times <see cref="FreezeTo"/> has run: whoever mirrors the parameters' requires_grad (mixed precision's model) looks again when it changes.</summary>
    internal int Freezes { get; private set; }

    /// <summary>fastai's freeze: only the last param group trains.</summary>
    public void Freeze() => FreezeTo(-1);

    /// <summary>fastai's unfreeze: every param group trains.</summary>
    public void Unfreeze() => FreezeTo(0);

    /// <summary>fastai's clear_state: forgets every state buffer (re-created as zeros) and per-tensor value except <see cref="KeptOnClear"/>.</summary>
    public override void ClearState()
    {
        int noWd = PerTensorIndex("no_wd");
        var keptNoWd = noWd < 0 ? null : Enumerable.Range(0, Parameters.Count).Select(i => PerTensor(noWd, i)).ToArray();
        _flat.Drop();
        _states.Clear();
        ClearPerTensorState();
        if (keptNoWd is not null) for (int i = 0; i < keptNoWd.Length; i++) PerTensor(noWd, i, keptNoWd[i]);
    }

    /// <summary>Zeroes every per-tensor state (the generated fields).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract void ClearPerTensorState();

    /// <summary>fastai's state_dict: hypers per group and copies of every parameter's state.</summary>
    public override OptimizerState StateDict() => new(
        GetType().FullName!,
        Enumerable.Range(0, GroupCount).Select(g => (IReadOnlyDictionary<string, double>)HypersOf(g)).ToList(),
        Enumerable.Range(0, Parameters.Count).Select(i => new ParamState(
            Parameters[i].shape,
            Enumerable.Range(0, ElementStateNames.Count).Where(k => _states.Saved(i, k) is not null)
                .ToDictionary(k => ElementStateNames[k], k => _states.Saved(i, k)!.clone().DetachFromDisposeScope()),
            PerParamState(i))).ToList());

    private Dictionary<string, double> PerParamState(int param)
    {
        var state = Enumerable.Range(0, PerTensorNames.Count).ToDictionary(k => PerTensorNames[k], k => PerTensor(k, param));
        foreach (var (name, value) in _states.AllNamed(param)) state[name] = value;
        return state;
    }

    /// <summary>
    /// fastai's load_state_dict. The state must come from the same optimizer over the same parameter
    /// layout; otherwise nothing changes and the error says what differs.
    /// </summary>
    public override void LoadStateDict(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Validate(state);
        _otherHypers = null;   // the state's hypers replace those set since
        for (int g = 0; g < GroupCount; g++)
            foreach (var (name, value) in state.Hypers[g]) SetHyper(name, g, value);
        ClearState();
        _states.ClearNamed();
        for (int i = 0; i < Parameters.Count; i++)
        {
            for (int k = 0; k < ElementStateNames.Count; k++)
                if (state.Params[i].Buffers.TryGetValue(ElementStateNames[k], out var buffer)) _states.Load(i, k, buffer);
            for (int k = 0; k < PerTensorNames.Count; k++) PerTensor(k, i, 0);
            foreach (var (name, value) in state.Params[i].PerTensor) SetState(name, i, value);
        }
    }

    private void Validate(OptimizerState state)
    {
        var name = GetType().FullName;
        if (state.Optimizer != name)
            throw new ArgumentException($"This state dict was saved by {state.Optimizer}; it cannot be loaded into {name}. Load it into a {state.Optimizer}, or start from a fresh state.", nameof(state));
        if (state.Params.Count != Parameters.Count || state.Hypers.Count != GroupCount)
            throw new ArgumentException($"The state dict holds {state.Params.Count} parameters in {state.Hypers.Count} param groups; this optimizer has {Parameters.Count} in {GroupCount}. Load it into an optimizer over the same model.", nameof(state));
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (!state.Params[i].Shape.SequenceEqual(Parameters[i].shape))
                throw new ArgumentException($"Parameter {i} has shape [{string.Join(", ", Parameters[i].shape)}] here but [{string.Join(", ", state.Params[i].Shape)}] in the state dict; the model differs from the one it was saved from.", nameof(state));
            var unknown = state.Params[i].Buffers.Keys.Where(k => !ElementStateNames.Contains(k))
                .Concat(state.Params[i].PerTensor.Keys.Where(k => !PerTensorNames.Contains(k) && !KeptOnClear.Contains(k))).FirstOrDefault();
            if (unknown is not null)
                throw new ArgumentException($"Parameter {i} has state '{unknown}' in the state dict, which {GetType().Name} does not keep.", nameof(state));
        }
        foreach (var hyper in state.Hypers.SelectMany(h => h.Keys).Distinct().Where(h => !HyperNames.Contains(h)))
            Others.CheckName(CallbackNaming.CamelToSnake(hyper), this, HyperNames);
    }
}
