using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen.Internals;

/// <summary>
/// The low-precision copies of a flat group's parameters in mixed precision (see
/// <see cref="FusedOptimizer.UseLowPrecisionCopies"/>): the model's bfloat16 or float16 weights and their gradients
/// become views of two flat buffers laid out as the group's float32 masters (a member without a copy leaves its range
/// unused), so that the fused kernel reads a run's gradients and writes its rounded weights in the pass that updates
/// the masters.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LowPrecisionFlat : IDisposable
{
    private readonly Tensor _param, _grad;
    private readonly Tensor?[] _gradViews;
    private readonly nint[] _gradImpls;
    private readonly nint _paramAddress, _gradAddress;
    private readonly long _gradBytes;

    private LowPrecisionFlat(LowPrecisionFormat format, Tensor param, Tensor grad, Tensor?[] gradViews)
    {
        (Format, _param, _grad, _gradViews) = (format, param, grad, gradViews);
        _gradImpls = gradViews.Select(v => v is null ? 0 : NativeGrad.Impl(v.Handle)).ToArray();
        (_paramAddress, _gradAddress) = (NativeGrad.Data(param.Handle), NativeGrad.Data(grad.Handle));
        _gradBytes = grad.numel() * grad.element_size();
    }

    /// <summary>The format of both buffers.</summary>
    public LowPrecisionFormat Format { get; }

    /// <summary>
    /// Moves the copies of <paramref name="flat"/>'s members (<paramref name="copies"/>, by parameter index; null: none)
    /// and their gradients into new flat buffers and points each at its view, laid out as its master in
    /// <paramref name="masters"/> is: the kernel reads a copy and its master element by element.
    /// </summary>
    internal static LowPrecisionFlat Build(FlatGroup flat, IReadOnlyList<Parameter> masters, IReadOnlyList<Parameter?> copies, LowPrecisionFormat format)
    {
        using var noGrad = no_grad();
        var members = flat.Members;
        long total = flat.Offset(members.Length);
        var dtype = LowPrecision.DType(format);
        var param = zeros(total, dtype: dtype).DetachFromDisposeScope();
        var grad = zeros(total, dtype: dtype).DetachFromDisposeScope();
        var gradViews = new Tensor?[members.Length];
        for (int k = 0; k < members.Length; k++)
        {
            if (copies[members[k]] is not { } p) continue;
            var master = masters[members[k]];
            using (var view = FlatViews.Of(param, flat.Offset(k), master)) FlatViews.MoveData(p, view);
            var gradView = gradViews[k] = FlatViews.Of(grad, flat.Offset(k), master);
            FlatViews.MoveGrad(p, gradView);
        }
        return new LowPrecisionFlat(format, param, grad, gradViews);
    }

    /// <summary>Whether member <paramref name="k"/> has a low-precision copy here.</summary>
    public bool Holds(int k) => _gradViews[k] is not null;

    /// <summary>Weight elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>), as 16-bit patterns.</summary>
    public Span<ushort> ParamElements(long start, int length) => ChunkWork.Elements<ushort>(_paramAddress, start, length);

    /// <summary>Gradient elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>), as 16-bit patterns.</summary>
    public Span<ushort> GradElements(long start, int length) => ChunkWork.Elements<ushort>(_gradAddress, start, length);

    /// <summary>Whether member <paramref name="k"/>'s copy has a gradient this step; one assigned from outside (not accumulated into the view) is copied into the view first.</summary>
    internal bool GradReady(int k, Parameter copy)
    {
        if (!NativeGrad.TryGetImpl(copy.Handle, out var impl)) return false;
        if (impl != _gradImpls[k]) FlatViews.Adopt(copy, _gradViews[k]!);
        return true;
    }

    /// <summary>Zeroes the flat gradient through its memory.</summary>
    public unsafe void ZeroGrad() => NativeMemory.Clear((void*)_gradAddress, (nuint)_gradBytes);

    /// <summary>Disposes the two flat buffers and the gradient views.</summary>
    public void Dispose()
    {
        foreach (var view in _gradViews) view?.Dispose();
        _param.Dispose();
        _grad.Dispose();
    }
}
