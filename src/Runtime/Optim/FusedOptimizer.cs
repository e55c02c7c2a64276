using System;
using System.ComponentModel;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Base of the optimizers the generator writes from <see cref="OptimizerAttribute"/>, and the host their generated code
/// calls: element access for the fused CPU kernels, element-state buffers, the flat layout. The generated class adds
/// typed hypers per group, per-tensor state and the kernels themselves. The work is done by small types, each owning its
/// arrays: <see cref="ParamGroups"/> (parameters and groups), <see cref="ParamStates"/> (state buffers),
/// <see cref="ParamMemory"/> (parameters' memory) and <see cref="FlatLayout"/> (flat groups, mixed precision).
/// </summary>
public abstract partial class FusedOptimizer : Optimizer
{
    private readonly ParamGroups _groups;
    private readonly ParamStates _states;
    private readonly ParamMemory _memory;
    private readonly FlatLayout _flat;

    /// <param name="parameters">The parameters, in order.</param>
    /// <param name="groups">Param groups as lists of indices into <paramref name="parameters"/>; null: one group.</param>
    /// <param name="elementStateSlots">How many element-state buffers each parameter has.</param>
    protected FusedOptimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<IReadOnlyList<int>>? groups, int elementStateSlots)
    {
        _groups = new ParamGroups(parameters, groups);
        _states = new ParamStates(parameters, elementStateSlots);
        _memory = new ParamMemory(parameters);
        _flat = new FlatLayout(this, _groups, _states, _memory);
    }

    /// <summary>The parameters, in order: param groups and per-parameter state refer to them by index.</summary>
    public IReadOnlyList<Parameter> Parameters => _groups.Parameters;

    /// <summary>
    /// Runs the tensor path (whole-tensor TorchSharp ops) even for CPU tensors, which otherwise take the
    /// fused CPU kernel; parameters on other devices always take the tensor path.
    /// </summary>
    public bool UseTensorPath { get; set; }

    /// <summary>The param group of each parameter.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected int[] GroupOf => _groups.GroupOf;

    /// <inheritdoc/>
    public override int GroupCount => _groups.Count;

    /// <inheritdoc/>
    public override FusedOptimizer Fused => this;

    /// <summary>
    /// The parameters were given new storage or a new layout (<c>set_</c>, as ChannelsLast does): the flat layout is
    /// built again from them at the next step, and each state buffer takes its parameter's layout.
    /// </summary>
    internal void ParametersMoved()
    {
        _flat.Drop();
        _memory.Forget();
        _states.MatchLayouts();
    }

    /// <summary>fastai's zero_grad: zeroes existing gradients in place (CPU gradients through their memory, without allocating).</summary>
    public override unsafe void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (_flat.HoldsFlatGrad(i)) continue;   // zeroed with its group below
            if (!TryGrad(i, out var data, out bool contiguous)) continue;
            if (TakesCpuKernel(i, contiguous)) { new Span<byte>((void*)data, _memory.Bytes(i)).Clear(); continue; }
            using var grad = Parameters[i].grad;
            grad?.zero_();
        }
        _flat.ZeroGrads(UseTensorPath);
    }

    /// <summary>Parameter <paramref name="i"/>'s gradient memory, without a managed wrapper; false when it has no gradient (fastai then skips it).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected bool TryGrad(int i, out nint data, out bool contiguous) => NativeGrad.TryGet(Parameters[i].Handle, out data, out contiguous);

    /// <summary>The elements of a gradient whose memory <see cref="TryGrad"/> gave (same layout as its parameter).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected unsafe Span<T> GradElements<T>(int param, nint data) where T : unmanaged =>
        new((void*)data, _memory.Bytes(param) / sizeof(T));

    /// <summary>The dtype of parameter <paramref name="i"/>, read once.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected ScalarType ParamType(int i) => _memory.Type(i);

    /// <summary>The elements of parameter <paramref name="param"/>, from an address read at its first step.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected Span<T> ParamElements<T>(int param) where T : unmanaged => _memory.Elements<T>(param);

    /// <summary>Element-state buffer <paramref name="slot"/> of parameter <paramref name="param"/>, zero-initialised on first use.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected Tensor ElementState(int param, int slot) => _states.Buffer(param, slot);

    /// <summary>The elements of element-state buffer <paramref name="slot"/> of parameter <paramref name="param"/> (ours: their storage never moves).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected Span<T> StateElements<T>(int param, int slot) where T : unmanaged => _states.Elements<T>(param, slot);

    /// <summary>
    /// Whether parameter <paramref name="i"/> takes the fused CPU kernel: not forced onto the tensor path, a
    /// contiguous CPU tensor (checked once per parameter: native calls cost more than a small kernel) with a
    /// contiguous gradient (checked every step). Otherwise the tensor path, which takes any layout and device.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected bool TakesCpuKernel(int i, bool gradContiguous) => !UseTensorPath && _memory.OnCpuContiguous(i) && gradContiguous;

    /// <summary>
    /// Steps the param groups of more than one parameter (one dtype and device) over their flat buffers (see
    /// <see cref="FlatGroup"/>): on the CPU with the fused kernel, otherwise (or when <see cref="UseTensorPath"/> is set)
    /// with the tensor path, each when <paramref name="kernels"/> has it. The parameters these leave alone are stepped
    /// one by one, with the same result.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void StepFlatGroups(FlatKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        _flat.Step(kernels, UseTensorPath);
    }

    /// <summary>Whether parameter <paramref name="i"/> was stepped by <see cref="StepFlatGroups"/> this step.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected bool SteppedFlat(int i) => _flat.Stepped(i);

    /// <summary>The longest piece of a run one kernel call takes.</summary>
    internal int MaxRunLength { get => _flat.MaxRunLength; set => _flat.MaxRunLength = value; }

    /// <summary>What the mixed-precision kernel multiplies the low-precision gradients by: 1 / the loss scale.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected internal float LowPrecisionUnscale { get; set; } = 1;

    /// <summary>Whether the generated class has the mixed-precision form of its fused kernel (all its steps are elementwise).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual bool HasLowPrecisionKernel => false;

    // The protected members the flat layout reads, forwarded (it is not a subclass).
    internal bool HasLowPrecisionKernelForm => HasLowPrecisionKernel;

    /// <summary>
    /// Declares <paramref name="copies"/>[i] (null: none) the low-precision copy of parameter i, a float32 master of the
    /// same shape. From the first step on, the copies that <see cref="StepsLowPrecisionCopy"/> names are stepped by the
    /// fused kernel: their gradients are read (times <see cref="LowPrecisionUnscale"/>) and their weights written.
    /// </summary>
    internal void UseLowPrecisionCopies(IReadOnlyList<Parameter?> copies, LowPrecisionFormat format) => _flat.UseLowPrecisionCopies(copies, format);

    /// <summary>
    /// Whether parameter <paramref name="i"/>'s low-precision copy is stepped by the fused kernel (on the CPU, in a flat
    /// group); otherwise its gradient must be copied into the master before the step and the master into it after.
    /// </summary>
    internal bool StepsLowPrecisionCopy(int i) => _flat.StepsLowPrecisionCopy(i, UseTensorPath);

    /// <summary>The hypers' fastai names, in the generated order.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract IReadOnlyList<string> HyperNames { get; }

    /// <summary>The element-state buffers' names, by slot.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract IReadOnlyList<string> ElementStateNames { get; }

    /// <summary>The per-tensor states' fastai names (step, local_lr, ...).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract IReadOnlyList<string> PerTensorNames { get; }

    /// <summary>Per-tensor state <paramref name="index"/> of parameter <paramref name="param"/>; sets it first when <paramref name="set"/> is given.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract double PerTensor(int index, int param, double? set = null);

    // The generated per-tensor state, forwarded to the flat layout (it is not a subclass).
    internal int PerTensorCount => PerTensorNames.Count;

    internal double PerTensorValue(int index, int param, double? set = null) => PerTensor(index, param, set);

    /// <summary>The error for a parameter off the CPU when a step has no tensor form.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected Exception NoTensorPath(string step) =>
        new NotSupportedException($"{GetType().Name} has no tensor path (step '{step}' uses an operation with no whole-tensor form), so it runs only on contiguous CPU tensors.");

    /// <summary>The unsupported-dtype error, naming the fix.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static Exception UnsupportedDType(Parameter p) =>
        new NotSupportedException($"Parameter of dtype {p.dtype}: the fused kernels run float32 and float64 parameters; convert the model with model.to(float32).");

    /// <summary>Disposes the state buffers and flat groups (through <see cref="ClearState"/>).</summary>
    public override void Dispose()
    {
        ClearState();
        base.Dispose();
    }
}
