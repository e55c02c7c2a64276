using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Base of the optimizers the generator writes from <see cref="OptimizerAttribute"/>: parameters, param
/// groups, element-state buffers and element access for the fused CPU kernels. The generated class adds
/// typed hypers per group, per-tensor state and the kernels themselves.
/// </summary>
public abstract partial class FusedOptimizer : Optimizer
{
    private readonly Tensor?[,] _elementState;
    private readonly bool[] _hasState;   // per parameter: stepped (or loaded) since the state was last cleared; a flat group holds buffers for all

    /// <param name="parameters">The parameters, in order.</param>
    /// <param name="groups">Param groups as lists of indices into <paramref name="parameters"/>; null: one group.</param>
    /// <param name="elementStateSlots">How many element-state buffers each parameter has.</param>
    protected FusedOptimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<IReadOnlyList<int>>? groups, int elementStateSlots)
    {
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        if (parameters.Count == 0) throw new ArgumentException("The optimizer got no parameters; pass the model's parameters (model.parameters()).", nameof(parameters));
        GroupOf = AssignGroups(parameters.Count, groups ?? [Enumerable.Range(0, parameters.Count).ToArray()]);
        GroupCount = GroupOf.Max() + 1;
        _elementState = new Tensor?[parameters.Count, elementStateSlots];
        _hasState = new bool[parameters.Count];
        _stateMemory = new (nint, int)[parameters.Count, elementStateSlots];
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// Runs the tensor path (whole-tensor TorchSharp ops) even for CPU tensors, which otherwise take the
    /// fused CPU kernel; parameters on other devices always take the tensor path.
    /// </summary>
    public bool UseTensorPath { get; set; }

    /// <summary>The param group of each parameter.</summary>
    protected int[] GroupOf { get; }

    public override int GroupCount { get; }

    /// <summary>Sets hyper-parameter <paramref name="name"/> of param group <paramref name="group"/> (fastai's or the step's name: sqr_mom or sqrMom).</summary>
    public abstract override void SetHyper(string name, int group, double value);

    /// <summary>fastai's set_hyper with one value: every param group.</summary>
    public override void SetHyper(string name, double value)
    {
        for (int g = 0; g < GroupCount; g++) SetHyper(name, g, value);
    }


    /// <summary>The error for a hyper-parameter the optimizer does not have.</summary>
    protected Exception UnknownHyper(string name, string known) =>
        new ArgumentException($"'{name}' is not a hyper-parameter of {GetType().Name}; it has: {known}.", nameof(name));

    /// <summary>fastai's zero_grad: zeroes existing gradients in place (CPU gradients through their memory, without allocating).</summary>
    public override unsafe void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (HoldsFlatGrad(i)) continue;   // zeroed with its group below
            if (!TryGrad(i, out var data, out bool contiguous)) continue;
            if (TakesCpuKernel(i, contiguous)) { new Span<byte>((void*)data, ParamBytes(i)).Clear(); continue; }
            using var grad = Parameters[i].grad;
            grad?.zero_();
        }
        ZeroFlatGrads();
    }

    /// <summary>Parameter <paramref name="i"/>'s gradient memory, without a managed wrapper; false when it has no gradient (fastai then skips it).</summary>
    protected bool TryGrad(int i, out nint data, out bool contiguous) => NativeGrad.TryGet(Parameters[i].Handle, out data, out contiguous);

    /// <summary>The elements of a gradient whose memory <see cref="TryGrad"/> gave (same layout as its parameter).</summary>
    protected unsafe Span<T> GradElements<T>(int param, nint data) where T : unmanaged =>
        new((void*)data, ParamBytes(param) / sizeof(T));

    /// <summary>The dtype of parameter <paramref name="i"/>, read once.</summary>
    protected ScalarType ParamType(int i)
    {
        _paramTypes ??= Parameters.Select(p => p.dtype).ToArray();
        return _paramTypes[i];
    }

    private ScalarType[]? _paramTypes;

    private int ParamBytes(int param)
    {
        _paramMemory ??= new (nint, int)[Parameters.Count];
        if (_paramMemory[param].Pointer == 0) _paramMemory[param] = Pin(Parameters[param]);
        return _paramMemory[param].Bytes;
    }

    public override bool HasHyper(string name) => HyperNames.Contains(name);

    /// <summary>The hypers' fastai names, in the generated order.</summary>
    protected abstract IReadOnlyList<string> HyperNames { get; }

    /// <summary>The element-state buffers' names, by slot.</summary>
    protected abstract IReadOnlyList<string> ElementStateNames { get; }

    /// <summary>The per-tensor states' fastai names (step, local_lr, ...).</summary>
    protected abstract IReadOnlyList<string> PerTensorNames { get; }

    /// <summary>Per-tensor state <paramref name="index"/> of parameter <paramref name="param"/>; sets it first when <paramref name="set"/> is given.</summary>
    protected abstract double PerTensor(int index, int param, double? set = null);

    /// <summary>
    /// Sets per-tensor state <paramref name="name"/> (fastai's name, e.g. no_wd — fastai's do_wd = False — or step)
    /// of parameter <paramref name="param"/>, as fastai's <c>opt.state[p][name] = value</c>.
    /// </summary>
    public void SetState(string name, int param, double value)
    {
        int index = PerTensorNames.ToList().IndexOf(name);
        if (index < 0) throw new ArgumentException($"{GetType().Name} keeps no per-tensor state '{name}'; it has: {string.Join(", ", PerTensorNames)}.", nameof(name));
        PerTensor(index, param, value);
    }

    /// <summary>fastai's freeze_to: param groups before <paramref name="n"/> (negative: from the end) stop training, the rest train.</summary>
    public void FreezeTo(int n)
    {
        int frozen = n >= 0 ? n : GroupCount + n;
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].requires_grad_(GroupOf[i] >= frozen);
    }

    /// <summary>fastai's freeze: only the last param group trains.</summary>
    public void Freeze() => FreezeTo(-1);

    /// <summary>fastai's unfreeze: every param group trains.</summary>
    public void Unfreeze() => FreezeTo(0);

    /// <summary>fastai's state_dict: hypers per group and copies of every parameter's state.</summary>
    public OptimizerState StateDict() => new(
        GetType().FullName!,
        Enumerable.Range(0, GroupCount).Select(g => (IReadOnlyDictionary<string, double>)HyperNames.ToDictionary(h => h, h => GetHyper(h, g))).ToList(),
        Enumerable.Range(0, Parameters.Count).Select(i => new ParamState(
            Parameters[i].shape,
            Enumerable.Range(0, ElementStateNames.Count).Where(k => _hasState[i] && _elementState[i, k] is not null)
                .ToDictionary(k => ElementStateNames[k], k => _elementState[i, k]!.clone().DetachFromDisposeScope()),
            Enumerable.Range(0, PerTensorNames.Count).ToDictionary(k => PerTensorNames[k], k => PerTensor(k, i)))).ToList());

    /// <summary>
    /// fastai's load_state_dict. The state must come from the same optimizer over the same parameter
    /// layout; otherwise nothing changes and the error says what differs.
    /// </summary>
    public void LoadStateDict(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Validate(state);
        for (int g = 0; g < GroupCount; g++)
            foreach (var (name, value) in state.Hypers[g]) SetHyper(name, g, value);
        ClearState();
        for (int i = 0; i < Parameters.Count; i++)
        {
            for (int k = 0; k < ElementStateNames.Count; k++)
                if (state.Params[i].Buffers.TryGetValue(ElementStateNames[k], out var buffer))
                {
                    _elementState[i, k] = buffer.to(Parameters[i].dtype, Parameters[i].device).contiguous().clone().DetachFromDisposeScope();
                    _hasState[i] = true;
                }
            for (int k = 0; k < PerTensorNames.Count; k++)
                PerTensor(k, i, state.Params[i].PerTensor.TryGetValue(PerTensorNames[k], out var value) ? value : 0);
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
            var unknown = state.Params[i].Buffers.Keys.Concat(state.Params[i].PerTensor.Keys).FirstOrDefault(k => !ElementStateNames.Contains(k) && !PerTensorNames.Contains(k));
            if (unknown is not null)
                throw new ArgumentException($"Parameter {i} has state '{unknown}' in the state dict, which {GetType().Name} does not keep.", nameof(state));
        }
        var unknownHyper = state.Hypers.SelectMany(h => h.Keys).FirstOrDefault(h => !HyperNames.Contains(h));
        if (unknownHyper is not null)
            throw new ArgumentException($"The state dict sets hyper-parameter '{unknownHyper}', which {GetType().Name} does not have.", nameof(state));
    }

    /// <summary>fastai's clear_state: forgets every state buffer (they are re-created as zeros).</summary>
    public virtual void ClearState()
    {
        DropFlat();
        Array.Clear(_hasState);
        for (int i = 0; i < _elementState.GetLength(0); i++)
            for (int k = 0; k < _elementState.GetLength(1); k++)
            {
                _elementState[i, k]?.Dispose();
                _elementState[i, k] = null;
                _stateMemory[i, k] = default;
            }
    }

    /// <summary>Element-state buffer <paramref name="slot"/> of parameter <paramref name="param"/>, zero-initialised on first use.</summary>
    protected Tensor ElementState(int param, int slot)
    {
        _hasState[param] = true;
        return _elementState[param, slot] ??= zeros_like(Parameters[param], requires_grad: false).DetachFromDisposeScope();
    }

    /// <summary>
    /// The elements of parameter <paramref name="param"/>, from a pointer taken at its first step: parameters
    /// keep their storage while they train, and reading it again costs native calls on every small tensor.
    /// </summary>
    protected unsafe Span<T> ParamElements<T>(int param) where T : unmanaged
    {
        int bytes = ParamBytes(param);
        return new Span<T>((void*)_paramMemory![param].Pointer, bytes / sizeof(T));
    }

    /// <summary>The elements of element-state buffer <paramref name="slot"/> of parameter <paramref name="param"/> (ours: their storage never moves).</summary>
    protected unsafe Span<T> StateElements<T>(int param, int slot) where T : unmanaged
    {
        var memory = _stateMemory[param, slot];
        if (memory.Pointer == 0) memory = _stateMemory[param, slot] = Pin(ElementState(param, slot));
        return new Span<T>((void*)memory.Pointer, memory.Bytes / sizeof(T));
    }

    private static unsafe (nint Pointer, int Bytes) Pin(Tensor t)
    {
        var bytes = t.bytes;
        fixed (byte* pointer = bytes) return ((nint)pointer, bytes.Length);
    }

    private (nint Pointer, int Bytes)[]? _paramMemory;
    private readonly (nint Pointer, int Bytes)[,] _stateMemory;

    /// <summary>
    /// Whether parameter <paramref name="i"/> takes the fused CPU kernel: not forced onto the tensor path, a
    /// contiguous CPU tensor (checked once per parameter: native calls cost more than a small kernel) with a
    /// contiguous gradient (checked every step). Otherwise the tensor path, which takes any layout and device.
    /// </summary>
    protected bool TakesCpuKernel(int i, bool gradContiguous)
    {
        if (UseTensorPath) return false;
        _cpuParam ??= Parameters.Select(p => p.device_type == DeviceType.CPU && p.is_contiguous()).ToArray();
        return _cpuParam[i] && gradContiguous;
    }

    private bool[]? _cpuParam;

    /// <summary>The error for a parameter off the CPU when a step has no tensor form.</summary>
    protected Exception NoTensorPath(string step) =>
        new NotSupportedException($"{GetType().Name} has no tensor path (step '{step}' uses an operation with no whole-tensor form), so it runs only on contiguous CPU tensors.");

    /// <summary>The unsupported-dtype error, naming the fix.</summary>
    protected static Exception UnsupportedDType(Parameter p) =>
        new NotSupportedException($"Parameter of dtype {p.dtype}: the fused kernels run float32 and float64 parameters; convert the model with model.to(float32).");

    public override void Dispose()
    {
        ClearState();
        base.Dispose();
    }

    private static int[] AssignGroups(int count, IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var groupOf = Enumerable.Repeat(-1, count).ToArray();
        for (int g = 0; g < groups.Count; g++)
            foreach (int i in groups[g])
            {
                if ((uint)i >= (uint)count) throw new ArgumentException($"Param group {g} names parameter {i}, but there are {count} parameters.", nameof(groups));
                if (groupOf[i] >= 0) throw new ArgumentException($"Parameter {i} is in param groups {groupOf[i]} and {g}; each parameter belongs to one group.", nameof(groups));
                groupOf[i] = g;
            }
        int missing = Array.IndexOf(groupOf, -1);
        if (missing >= 0) throw new ArgumentException($"Parameter {missing} is in no param group; every parameter needs one.", nameof(groups));
        return groupOf;
    }
}
