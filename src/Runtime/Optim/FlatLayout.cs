using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// An optimizer's flat layout: each param group of more than one parameter (one dtype and device) laid out in flat
/// buffers at its first step (see <see cref="FlatGroup"/>) and stepped with the generated kernels over them, in runs of
/// members that share per-tensor state on the CPU or slice by slice on the tensor path; in mixed precision, the masters'
/// low-precision copies in flat buffers of their own (see <see cref="LowPrecisionFlat"/>). The parameters it leaves
/// alone are stepped one by one by the generated code, with the same result.
/// </summary>
internal sealed class FlatLayout(FusedOptimizer owner, ParamGroups groups, ParamStates states, ParamMemory memory)
{
    private FlatGroup?[]? _flat;
    private GroupTraits[]? _traits;
    private bool[]? _stepped;             // per parameter: stepped with its group this step
    private Parameter?[]? _lowCopies;
    private LowPrecisionFormat _lowFormat;
    private LowPrecisionFlat?[]? _lowFlat;

    /// <summary>The longest piece of a run one kernel call takes (a span's length is an int), a whole number of chunks.</summary>
    public int MaxRunLength { get; set; } = int.MaxValue & ~(ParallelChunks.ChunkLength - 1);

    /// <summary>Steps every group that can take <paramref name="kernels"/> over its flat buffers.</summary>
    public void Step(FlatKernels kernels, bool useTensorPath)
    {
        _stepped ??= new bool[groups.Parameters.Count];
        Array.Clear(_stepped);
        for (int g = 0; g < groups.Count; g++)
        {
            var traits = TraitsOf(g);
            if (!traits.FlatCandidate) continue;
            if (!useTensorPath && traits.OnCpu) { if (kernels.HasRuns && traits.KernelDType) StepRuns(g, kernels); }
            else if (kernels.HasSlices) StepSlices(g, kernels);
        }
    }

    /// <summary>Whether parameter <paramref name="i"/> was stepped with its flat group this step.</summary>
    public bool Stepped(int i) => _stepped is { } stepped && stepped[i];

    /// <summary>
    /// The CPU kernel over runs of consecutive members that have a gradient and the same per-tensor state (all of
    /// them, unless some are skipped this step or differ, as no_wd parameters among others): one pass per run. In
    /// mixed precision, members with a low-precision copy take the low-precision kernel and the others (float32
    /// norm layers) the float32 one, in runs of their own.
    /// </summary>
    private void StepRuns(int g, FlatKernels kernels)
    {
        var flat = Flat(g);
        var low = kernels.HasLowRuns ? LowFlat(g, flat) : null;
        int runStart = -1;
        bool runIsLow = false;
        for (int k = 0; k < flat.Members.Length; k++)
        {
            bool isLow = low is not null && low.Holds(k);
            bool hasGrad = isLow ? low!.GradReady(k, _lowCopies![flat.Members[k]]!) : GradReady(flat, k);
            if (runStart >= 0 && (!hasGrad || isLow != runIsLow || !SamePerTensorState(flat.Members[runStart], flat.Members[k])))
            {
                StepRun(flat, runStart, k, g, runIsLow ? low : null, kernels);
                runStart = -1;
            }
            if (hasGrad && runStart < 0) (runStart, runIsLow) = (k, isLow);
        }
        if (runStart >= 0) StepRun(flat, runStart, flat.Members.Length, g, runIsLow ? low : null, kernels);
    }

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
    private void StepSlices(int g, FlatKernels kernels)
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
            _stepped![i] = true;
            states.MarkHas(i);
            for (int k = 0; k < owner.PerTensorCount; k++) owner.PerTensorValue(k, i, owner.PerTensorValue(k, members[0]));
        }
    }

    /// <summary>
    /// Whether member <paramref name="k"/> has a gradient this step. One assigned from outside (a new tensor, not
    /// accumulated into the flat view) is copied into the view first.
    /// </summary>
    private bool GradReady(FlatGroup flat, int k)
    {
        int i = flat.Members[k];
        if (!NativeGrad.TryGetImpl(groups.Parameters[i].Handle, out var grad)) return false;
        if (!flat.HoldsGrad(k, grad)) flat.AdoptGrad(k, groups.Parameters[i]);
        return true;
    }

    private bool UniformPerTensorState(int[] members)
    {
        foreach (int i in members)
            if (!SamePerTensorState(members[0], i)) return false;
        return true;
    }

    private bool SamePerTensorState(int a, int b)
    {
        for (int k = 0; k < owner.PerTensorCount; k++)
            if (owner.PerTensorValue(k, a) != owner.PerTensorValue(k, b)) return false;
        return true;
    }

    private FlatGroup Flat(int g)
    {
        _flat ??= new FlatGroup?[groups.Count];
        return _flat[g] ??= Build(g);
    }

    private FlatGroup Build(int g)
    {
        var flat = FlatGroup.Build(groups.Members(g), groups.Parameters, states);
        memory.Forget();   // the parameters moved into the flat buffer
        return flat;
    }

    /// <summary>
    /// What decides how a group steps, read once: whether it can be laid out flat (more than one parameter, one dtype
    /// and device), whether it is on the CPU, and whether the CPU kernel takes its dtype (others fail per parameter,
    /// with the fix in the message, before anything moves).
    /// </summary>
    private readonly record struct GroupTraits(bool FlatCandidate, bool OnCpu, bool KernelDType);

    private GroupTraits TraitsOf(int g) => (_traits ??= Enumerable.Range(0, groups.Count).Select(Traits).ToArray())[g];

    private GroupTraits Traits(int g)
    {
        var members = groups.Members(g);
        if (members.Length < 2) return default;
        var first = groups.Parameters[members[0]];
        bool flat = members.All(i => groups.Parameters[i].dtype == first.dtype && groups.Parameters[i].device_type == first.device_type && groups.Parameters[i].device_index == first.device_index);
        return new(flat, first.device_type == DeviceType.CPU, first.dtype is ScalarType.Float32 or ScalarType.Float64);
    }

    /// <summary>Whether parameter <paramref name="i"/>'s gradient is a view of its group's flat gradient (zeroed with the group).</summary>
    public bool HoldsFlatGrad(int i) =>
        _flat?[groups.GroupOf[i]] is { } flat && NativeGrad.TryGetImpl(groups.Parameters[i].Handle, out var grad) && flat.HoldsGrad(groups.PositionInGroup(i), grad);

    /// <summary>Zeroes each flat gradient at once, and the low-precision copies' gradients that the kernel reads.</summary>
    public void ZeroGrads(bool useTensorPath)
    {
        ZeroLowGrads(useTensorPath);
        if (_flat is null) return;
        foreach (var flat in _flat) flat?.ZeroGrad();
    }

    /// <summary>Forgets the flat layouts (the parameters keep their views); the next step builds them again from the per-parameter state.</summary>
    public void Drop()
    {
        if (_lowFlat is not null) foreach (var low in _lowFlat) low?.Dispose();
        _lowFlat = null;
        if (_flat is not null) foreach (var flat in _flat) flat?.Dispose();
        _flat = null;
    }

    // Mixed precision inside the fused step: the parameters are float32 master weights, and each may have a
    // low-precision copy (the model's bfloat16/float16 weight). On the CPU, in a flat group, the generated kernel then
    // reads the copy's gradient, unscales it, updates the master and its state, and writes the copy's rounded weight,
    // in one pass.

    /// <summary>See <see cref="FusedOptimizer.UseLowPrecisionCopies"/>.</summary>
    public void UseLowPrecisionCopies(IReadOnlyList<Parameter?> copies, LowPrecisionFormat format)
    {
        if (_flat is not null) throw new InvalidOperationException("Low-precision copies are declared before the optimizer's first step.");
        var parameters = groups.Parameters;
        if (copies.Count != parameters.Count) throw new ArgumentException($"{copies.Count} copies for {parameters.Count} parameters.", nameof(copies));
        for (int i = 0; i < copies.Count; i++)
        {
            if (copies[i] is not { } copy) continue;
            if (parameters[i].dtype != ScalarType.Float32 || copy.dtype != LowPrecision.DType(format) || !copy.shape.AsSpan().SequenceEqual(parameters[i].shape))
                throw new ArgumentException($"Parameter {i}: a low-precision copy is a {format} tensor of its float32 master's shape.", nameof(copies));
        }
        (_lowCopies, _lowFormat) = ([.. copies], format);
    }

    /// <summary>Whether parameter <paramref name="i"/>'s copy is stepped by the mixed-precision kernel.</summary>
    public bool StepsLowPrecisionCopy(int i, bool useTensorPath) => _lowCopies?[i] is not null && TakesLowKernel(groups.GroupOf[i], useTensorPath);

    // A group whose copies the mixed-precision kernel steps: flat, on the CPU, and the optimizer has the kernel.
    private bool TakesLowKernel(int g, bool useTensorPath) =>
        owner.HasLowPrecisionKernelForm && !useTensorPath && TraitsOf(g) is { FlatCandidate: true, OnCpu: true };

    private LowPrecisionFlat? LowFlat(int g, FlatGroup flat)
    {
        if (_lowCopies is null) return null;
        _lowFlat ??= new LowPrecisionFlat?[groups.Count];
        return _lowFlat[g] ??= LowPrecisionFlat.Build(flat, groups.Parameters, _lowCopies, _lowFormat);
    }

    /// <summary>Zeroes the gradients of the copies the kernel steps: their flat buffer, or before the first step (no buffer yet) each one.</summary>
    private void ZeroLowGrads(bool useTensorPath)
    {
        if (_lowCopies is null) return;
        for (int g = 0; g < groups.Count; g++)
        {
            if (_lowFlat?[g] is { } low) { low.ZeroGrad(); continue; }
            if (!TakesLowKernel(g, useTensorPath)) continue;
            foreach (int i in groups.Members(g))
            {
                using var grad = _lowCopies[i]?.grad;
                grad?.zero_();
            }
        }
    }
}
