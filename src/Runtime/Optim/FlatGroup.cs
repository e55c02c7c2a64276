using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// One param group laid out in flat buffers for the tensor path: the parameters, their gradients and every
/// element-state buffer each become a view of one contiguous tensor per group, so a step is a handful of
/// whole-group TorchSharp ops (one kernel launch each on CUDA) instead of a handful per parameter.
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

    private FlatGroup(int[] members, Tensor param, Tensor grad, Tensor[] states, Tensor[] gradViews)
    {
        (Members, Param, Grad, States, _gradViews) = (members, param, grad, states, gradViews);
        _gradImpls = gradViews.Select(v => NativeGrad.Impl(v.Handle)).ToArray();
        long sliceLength = param.device_type == DeviceType.CPU ? CpuSliceLength : param.numel();
        Slices = Enumerable.Range(0, (int)((param.numel() + sliceLength - 1) / sliceLength))
            .Select(k => new FlatSlice(Slice(param, k, sliceLength), Slice(grad, k, sliceLength), states.Select(s => Slice(s, k, sliceLength)).ToArray()))
            .ToArray();
    }

    private static Tensor Slice(Tensor flat, long k, long sliceLength) =>
        flat.narrow(0, k * sliceLength, Math.Min(sliceLength, flat.numel() - k * sliceLength)).DetachFromDisposeScope();

    /// <summary>The buffers in the slices the tensor path steps one after another.</summary>
    public IReadOnlyList<FlatSlice> Slices { get; }

    /// <summary>The parameters in this group, by index; the first one's per-tensor state stands for all.</summary>
    public int[] Members { get; }

    public Tensor Param { get; }
    public Tensor Grad { get; }

    /// <summary>The element-state buffers, by slot.</summary>
    public Tensor[] States { get; }

    /// <summary>
    /// Moves <paramref name="parameters"/>' data, gradients and <paramref name="elementState"/> (null: zeros) into
    /// new flat buffers and points each at its view; the element-state entries are replaced by their views.
    /// </summary>
    internal static FlatGroup Build(int[] members, IReadOnlyList<Parameter> parameters, Tensor?[,] elementState)
    {
        using var noGrad = no_grad();
        var first = parameters[members[0]];
        long total = members.Sum(i => parameters[i].numel());
        Tensor NewFlat() => zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        var offsets = new long[members.Length];
        for (int k = 1; k < members.Length; k++) offsets[k] = offsets[k - 1] + parameters[members[k - 1]].numel();
        Tensor View(Tensor flat, int k) => flat.narrow(0, offsets[k], parameters[members[k]].numel())
            .view(parameters[members[k]].shape).DetachFromDisposeScope();

        var param = NewFlat();
        var grad = NewFlat();
        var states = Enumerable.Range(0, elementState.GetLength(1)).Select(_ => NewFlat()).ToArray();
        var gradViews = new Tensor[members.Length];
        for (int k = 0; k < members.Length; k++)
        {
            var p = parameters[members[k]];
            using (var view = View(param, k)) { view.copy_(p); p.set_(view); }
            gradViews[k] = View(grad, k);
            using (var old = p.grad) if (old is not null) gradViews[k].copy_(old);
            p.grad = gradViews[k];
            for (int slot = 0; slot < states.Length; slot++)
            {
                var stateView = View(states[slot], k);
                if (elementState[members[k], slot] is { } old) { stateView.copy_(old); old.Dispose(); }
                elementState[members[k], slot] = stateView;
            }
        }
        return new FlatGroup(members, param, grad, states, gradViews);
    }

    /// <summary>Whether member <paramref name="k"/>'s gradient, the tensor object <paramref name="impl"/> (see <c>NativeGrad.Impl</c>), is its view of <see cref="Grad"/>.</summary>
    public bool HoldsGrad(int k, nint impl) => _gradImpls[k] == impl;

    /// <summary>Copies a gradient assigned from outside (a new tensor, not accumulated into the view) into member <paramref name="k"/>'s view and points the parameter back at it.</summary>
    internal void AdoptGrad(int k, Parameter p)
    {
        using var noGrad = no_grad();
        using (var assigned = p.grad!) _gradViews[k].copy_(assigned);
        p.grad = _gradViews[k];
    }

    public void Dispose()
    {
        foreach (var t in _gradViews.Append(Param).Append(Grad).Concat(States).Concat(Slices.SelectMany(s => s.States.Append(s.Param).Append(s.Grad)))) t.Dispose();
    }
}

/// <summary>Views of the same elements of a group's flat parameter, gradient and element-state buffers.</summary>
public sealed record FlatSlice(Tensor Param, Tensor Grad, Tensor[] States);
