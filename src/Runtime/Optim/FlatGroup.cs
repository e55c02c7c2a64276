using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen.Internals;

/// <summary>
/// One param group laid out in flat buffers: the parameters, their gradients and every element-state buffer
/// each become a view of one contiguous tensor per group. The tensor path then steps the group with a handful
/// of whole-group TorchSharp ops (one kernel launch each on CUDA) instead of a handful per parameter, and the
/// fused CPU kernel makes one pass over the group's memory, split across cores, instead of one per parameter.
/// </summary>
public sealed class FlatGroup : IDisposable
{
    /// <summary>
    /// Elements per slice on the CPU: the tensor path's temporaries then stay in cache and in the malloc heap
    /// (a whole-buffer temporary of a large model is a fresh mmap, page faults included, on every op).
    /// Other devices step the whole buffer at once.
    /// </summary>
    public const int CpuSliceLength = 1 << 18;

    private readonly Tensor[] _gradViews;
    private readonly nint[] _gradImpls;
    private readonly long[] _offsets;
    private readonly nint[] _addresses;   // param, grad, then the element states: ours, so they never move
    private readonly long _gradBytes;     // on the CPU; -1 elsewhere

    private FlatGroup(int[] members, long[] offsets, Tensor param, Tensor grad, Tensor[] states, Tensor[] gradViews)
    {
        (Members, _offsets, Param, Grad, States, _gradViews) = (members, offsets, param, grad, states, gradViews);
        _gradImpls = gradViews.Select(v => NativeGrad.Impl(v.Handle)).ToArray();
        _addresses = new[] { param, grad }.Concat(states).Select(t => NativeGrad.Data(t.Handle)).ToArray();
        ScalarType = param.dtype;
        _gradBytes = param.device_type == DeviceType.CPU ? grad.numel() * grad.element_size() : -1;
    }

    private static Tensor Slice(Tensor flat, long k, long sliceLength) =>
        flat.narrow(0, k * sliceLength, Math.Min(sliceLength, flat.numel() - k * sliceLength)).DetachFromDisposeScope();

    /// <summary>The buffers in the slices the tensor path steps one after another (made at its first step: the CPU kernel needs none).</summary>
    public IReadOnlyList<FlatSlice> Slices => _slices ??= MakeSlices();

    private FlatSlice[]? _slices;

    private FlatSlice[] MakeSlices()
    {
        long sliceLength = Param.device_type == DeviceType.CPU ? CpuSliceLength : Param.numel();
        return Enumerable.Range(0, (int)((Param.numel() + sliceLength - 1) / sliceLength))
            .Select(k => new FlatSlice(Slice(Param, k, sliceLength), Slice(Grad, k, sliceLength), States.Select(s => Slice(s, k, sliceLength)).ToArray()))
            .ToArray();
    }

    /// <summary>The parameters in this group, by index; the first one's per-tensor state stands for all.</summary>
    public int[] Members { get; }

    /// <summary>The flat parameter buffer: each member's data is a view of its range.</summary>
    public Tensor Param { get; }

    /// <summary>The flat gradient buffer: each member's gradient is a view of its range.</summary>
    public Tensor Grad { get; }

    /// <summary>The element-state buffers, by slot.</summary>
    public Tensor[] States { get; }

    /// <summary>The dtype of every buffer.</summary>
    public ScalarType ScalarType { get; }

    /// <summary>Where member <paramref name="k"/>'s elements start in the flat buffers; for k = the member count, their total.</summary>
    public long Offset(int k) => _offsets[k];

    /// <summary>Parameter elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>), for the fused CPU kernel.</summary>
    public Span<T> ParamElements<T>(long start, int length) where T : unmanaged => Elements<T>(0, start, length);

    /// <summary>Gradient elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public Span<T> GradElements<T>(long start, int length) where T : unmanaged => Elements<T>(1, start, length);

    /// <summary>Elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of element-state buffer <paramref name="slot"/>.</summary>
    public Span<T> StateElements<T>(int slot, long start, int length) where T : unmanaged => Elements<T>(2 + slot, start, length);

    private Span<T> Elements<T>(int buffer, long start, int length) where T : unmanaged => ChunkWork.Elements<T>(_addresses[buffer], start, length);

    /// <summary>
    /// Moves <paramref name="parameters"/>' data, gradients and element states (none yet: zeros) into new flat buffers
    /// and points each at its view; <paramref name="states"/> then holds the state views. A parameter without a gradient
    /// keeps none (fastai skips it) until autograd gives it one, which is then adopted.
    /// </summary>
    internal static FlatGroup Build(int[] members, IReadOnlyList<Parameter> parameters, ParamStates states)
    {
        using var noGrad = no_grad();
        var first = parameters[members[0]];
        long total = members.Sum(i => parameters[i].numel());
        Tensor NewFlat() => zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        var offsets = new long[members.Length + 1];
        for (int k = 1; k <= members.Length; k++) offsets[k] = offsets[k - 1] + parameters[members[k - 1]].numel();
        Tensor View(Tensor flat, int k) => FlatViews.Of(flat, offsets[k], parameters[members[k]]);

        var param = NewFlat();
        var grad = NewFlat();
        var flatStates = Enumerable.Range(0, states.Slots).Select(_ => NewFlat()).ToArray();
        var gradViews = new Tensor[members.Length];
        for (int k = 0; k < members.Length; k++)
        {
            var p = parameters[members[k]];
            using (var view = View(param, k)) FlatViews.MoveData(p, view);
            gradViews[k] = View(grad, k);
            FlatViews.MoveGrad(p, gradViews[k]);
            for (int slot = 0; slot < flatStates.Length; slot++)
            {
                var stateView = View(flatStates[slot], k);
                if (states.Existing(members[k], slot) is { } old) stateView.copy_(old);
                states.Replace(members[k], slot, stateView);
            }
        }
        return new FlatGroup(members, offsets, param, grad, flatStates, gradViews);
    }

    /// <summary>Zeroes the flat gradient: on the CPU through its memory (a TorchSharp op allocates its result's wrapper).</summary>
    public unsafe void ZeroGrad()
    {
        if (_gradBytes >= 0) NativeMemory.Clear((void*)_addresses[1], (nuint)_gradBytes);
        else Grad.zero_();
    }

    /// <summary>Whether member <paramref name="k"/>'s gradient, the tensor object <paramref name="impl"/> (see <c>NativeGrad.Impl</c>), is its view of <see cref="Grad"/>.</summary>
    public bool HoldsGrad(int k, nint impl) => _gradImpls[k] == impl;

    /// <summary>Copies a gradient assigned from outside (a new tensor, not accumulated into the view) into member <paramref name="k"/>'s view and points the parameter back at it.</summary>
    internal void AdoptGrad(int k, Parameter p) => FlatViews.Adopt(p, _gradViews[k]);

    /// <summary>Disposes the flat buffers, the gradient views and the slices' views.</summary>
    public void Dispose()
    {
        foreach (var t in _gradViews.Append(Param).Append(Grad).Concat(States).Concat((_slices ?? []).SelectMany(s => s.States.Append(s.Param).Append(s.Grad)))) t.Dispose();
    }
}

/// <summary>Views of the same elements of a group's flat parameter, gradient and element-state buffers.</summary>
public sealed record FlatSlice(Tensor Param, Tensor Grad, Tensor[] States);
