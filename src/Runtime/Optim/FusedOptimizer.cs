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

    /// <summary>The parameters, in order: param groups and per-parameter state refer to them by index.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// Runs the tensor path (whole-tensor TorchSharp ops) even for CPU tensors, which otherwise take the
    /// fused CPU kernel; parameters on other devices always take the tensor path.
    /// </summary>
    public bool UseTensorPath { get; set; }

    /// <summary>The param group of each parameter.</summary>
    protected int[] GroupOf { get; }

    /// <inheritdoc/>
    public override int GroupCount { get; }

    /// <inheritdoc/>
    public override FusedOptimizer Fused => this;


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


    /// <summary>The hypers' fastai names, in the generated order.</summary>
    protected abstract IReadOnlyList<string> HyperNames { get; }

    /// <summary>The element-state buffers' names, by slot.</summary>
    protected abstract IReadOnlyList<string> ElementStateNames { get; }

    /// <summary>The per-tensor states' fastai names (step, local_lr, ...).</summary>
    protected abstract IReadOnlyList<string> PerTensorNames { get; }

    /// <summary>Per-tensor state <paramref name="index"/> of parameter <paramref name="param"/>; sets it first when <paramref name="set"/> is given.</summary>
    protected abstract double PerTensor(int index, int param, double? set = null);




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

    /// <summary>Disposes the state buffers and flat groups (through <see cref="ClearState"/>).</summary>
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
