using System;
using System.Linq;
using TorchSharp;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen;

public abstract partial class FusedOptimizer
{
    private FlatGroup?[]? _flat;
    private int[][]? _members;           // per group: its parameters, in order
    private int[]? _positionInGroup;     // per parameter: its index in its group's members
    private GroupTraits[]? _traits;
    private bool[]? _steppedFlat;        // per parameter: stepped with its group this step

    /// <summary>
    /// Steps the param groups of more than one parameter (one dtype and device) over their flat buffers (see
    /// <see cref="FlatGroup"/>): on the CPU with the fused kernel, otherwise (or when <see cref="UseTensorPath"/> is set)
    /// with the tensor path, each when <paramref name="kernels"/> has it. The parameters these leave alone are stepped
    /// one by one, with the same result.
    /// </summary>
    protected void StepFlatGroups(FlatKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        _steppedFlat ??= new bool[Parameters.Count];
        Array.Clear(_steppedFlat);
        _traits ??= Enumerable.Range(0, GroupCount).Select(Traits).ToArray();
        for (int g = 0; g < GroupCount; g++)
        {
            var traits = _traits[g];
            if (!traits.FlatCandidate) continue;
            if (!UseTensorPath && traits.OnCpu) { if (kernels.HasRuns && traits.KernelDType) StepFlatRuns(g, kernels); }
            else if (kernels.HasSlices) StepFlatSlices(g, kernels);
        }
    }

    /// <summary>
    /// The CPU kernel over runs of consecutive members that have a gradient and the same per-tensor state (all of
    /// them, unless some are skipped this step or differ, as no_wd parameters among others): one pass per run. In
    /// mixed precision, members with a low-precision copy take the low-precision kernel and the others (float32
    /// norm layers) the float32 one, in runs of their own.
    /// </summary>
    private void StepFlatRuns(int g, FlatKernels kernels)
    {
        var flat = Flat(g);
        var low = kernels.HasLowRuns ? LowFlat(g, flat) : null;
        int runStart = -1;
        bool runIsLow = false;
        for (int k = 0; k < flat.Members.Length; k++)
        {
            bool isLow = low is not null && low.Holds(k);
            bool hasGrad = isLow ? LowGradReady(low!, flat, k) : GradReady(flat, k);
            if (runStart >= 0 && (!hasGrad || isLow != runIsLow || !SamePerTensorState(flat.Members[runStart], flat.Members[k])))
            {
                StepRun(flat, runStart, k, g, runIsLow ? low : null, kernels);
                runStart = -1;
            }
            if (hasGrad && runStart < 0) (runStart, runIsLow) = (k, isLow);
        }
        if (runStart >= 0) StepRun(flat, runStart, flat.Members.Length, g, runIsLow ? low : null, kernels);
    }

    /// <summary>The longest piece of a run one kernel call takes (a span's length is an int), a whole number of chunks.</summary>
    internal int MaxRunLength { get; set; } = int.MaxValue & ~(ParallelChunks.ChunkLength - 1);

    /// <summary>Members [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="flat"/>: prepared once, then run in one piece, or in several when too long for one.</summary>
    private void StepRun(FlatGroup flat, int from, int to, int g, LowPrecisionFlat? low, FlatKernels kernels)
    {
        int first = flat.Members[from];
        long start = flat.Offset(from), end = flat.Offset(to);
        if (low is null) kernels.PrepareRun!(flat, first, g);
        else kernels.PrepareLowRun!(flat, first, g);
        for (long piece = start; piece < end; piece += MaxRunLength)
        {
            int length = (int)Math.Min(MaxRunLength, end - piece);
            if (low is null) kernels.Run!(flat, piece, length);
            else kernels.RunLow!(flat, low, piece, length);
        }
        MarkStepped(flat.Members.AsSpan(from, to - from));
    }

    /// <summary>The tensor path over a whole group, prepared once and run slice by slice, when every member has a gradient and the same per-tensor state.</summary>
    private void StepFlatSlices(int g, FlatKernels kernels)
    {
        var flat = Flat(g);
        bool ready = true;
        for (int k = 0; k < flat.Members.Length; k++) ready &= GradReady(flat, k);
        if (!ready || !UniformPerTensorState(flat.Members)) return;
        kernels.PrepareSlices!(flat, flat.Members[0], g);
        var slices = flat.Slices;
        for (int k = 0; k < slices.Count; k++) kernels.RunSlice!(slices[k]);   // indexed: an enumerator would allocate every step
        MarkStepped(flat.Members);
    }

    /// <summary>Marks <paramref name="members"/> stepped and gives them the first one's (stepped) per-tensor state.</summary>
    private void MarkStepped(ReadOnlySpan<int> members)
    {
        foreach (int i in members)
        {
            _steppedFlat![i] = true;
            _hasState[i] = true;
            for (int k = 0; k < PerTensorNames.Count; k++) PerTensor(k, i, PerTensor(k, members[0]));
        }
    }

    /// <summary>
    /// Whether member <paramref name="k"/> has a gradient this step. One assigned from outside (a new tensor, not
    /// accumulated into the flat view) is copied into the view first.
    /// </summary>
    private bool GradReady(FlatGroup flat, int k)
    {
        int i = flat.Members[k];
        if (!NativeGrad.TryGetImpl(Parameters[i].Handle, out var grad)) return false;
        if (!flat.HoldsGrad(k, grad)) flat.AdoptGrad(k, Parameters[i]);
        return true;
    }

    /// <summary>Whether parameter <paramref name="i"/> was stepped by <see cref="StepFlatGroups"/> this step.</summary>
    protected bool SteppedFlat(int i) => _steppedFlat is { } stepped && stepped[i];

    private FlatGroup Flat(int g)
    {
        _flat ??= new FlatGroup?[GroupCount];
        return _flat[g] ??= BuildFlat(g);
    }

    /// <summary>
    /// What decides how a group steps, read once: whether it can be laid out flat (more than one parameter, one dtype
    /// and device), whether it is on the CPU, and whether the CPU kernel takes its dtype (others fail per parameter,
    /// with the fix in the message, before anything moves).
    /// </summary>
    private readonly record struct GroupTraits(bool FlatCandidate, bool OnCpu, bool KernelDType);

    private GroupTraits Traits(int g)
    {
        var members = Members(g);
        var first = Parameters[members[0]];
        bool flat = members.Length > 1 && members.All(i => Parameters[i].dtype == first.dtype && Parameters[i].device_type == first.device_type && Parameters[i].device_index == first.device_index);
        return new(flat, first.device_type == DeviceType.CPU, first.dtype is ScalarType.Float32 or ScalarType.Float64);
    }

    private int[] Members(int g)
    {
        if (_members is null)
        {
            _members = Enumerable.Range(0, GroupCount).Select(group => Enumerable.Range(0, Parameters.Count).Where(i => GroupOf[i] == group).ToArray()).ToArray();
            _positionInGroup = new int[Parameters.Count];
            foreach (var members in _members)
                for (int k = 0; k < members.Length; k++) _positionInGroup[members[k]] = k;
        }
        return _members[g];
    }

    /// <summary>Whether parameter <paramref name="i"/>'s gradient is a view of its group's flat gradient (zeroed with the group).</summary>
    private bool HoldsFlatGrad(int i) =>
        _flat?[GroupOf[i]] is { } flat && NativeGrad.TryGetImpl(Parameters[i].Handle, out var grad) && flat.HoldsGrad(_positionInGroup![i], grad);

    /// <summary>Zeroes each flat gradient at once.</summary>
    private void ZeroFlatGrads()
    {
        ZeroLowGrads();
        if (_flat is null) return;
        foreach (var flat in _flat) flat?.ZeroGrad();
    }

    private FlatGroup BuildFlat(int g)
    {
        var flat = FlatGroup.Build(Members(g), Parameters, _elementState);
        _paramMemory = null;   // the parameters moved into the flat buffer
        foreach (int i in flat.Members)
            for (int slot = 0; slot < _stateMemory.GetLength(1); slot++) _stateMemory[i, slot] = default;
        return flat;
    }

    private bool UniformPerTensorState(int[] members)
    {
        foreach (int i in members)
            if (!SamePerTensorState(members[0], i)) return false;
        return true;
    }

    private bool SamePerTensorState(int a, int b)
    {
        for (int k = 0; k < PerTensorNames.Count; k++)
            if (PerTensor(k, a) != PerTensor(k, b)) return false;
        return true;
    }

    /// <summary>Forgets the flat layouts (the parameters keep their views); the next step builds them again from the per-parameter state.</summary>
    private void DropFlat()
    {
        DropLowFlat();
        if (_flat is null) return;
        foreach (var flat in _flat) flat?.Dispose();
        _flat = null;
    }
}
