using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen.Internals;

/// <summary>
/// Moving a parameter and its gradient into views of flat buffers (shared by <see cref="FlatGroup"/> and
/// <see cref="LowPrecisionFlat"/>): the parameter keeps its identity and points at its view; backward then
/// accumulates into the gradient view, and a gradient assigned from outside is copied back into it.
/// </summary>
internal static class FlatViews
{
    /// <summary>
    /// Elements [<paramref name="offset"/>, + p's size) of <paramref name="buffer"/>, shaped as <paramref name="p"/>:
    /// NHWC when <paramref name="p"/> has channels_last strides (<see cref="ChannelsLastLayout.HasStrides"/>), so the
    /// weight keeps libtorch's faster convolutions on the CPU, contiguous otherwise. The kernels step the buffers
    /// element by element, so a parameter's gradient and states are given views made the same way.
    /// </summary>
    public static Tensor Of(Tensor buffer, long offset, Tensor p)
    {
        using var range = buffer.narrow(0, offset, p.numel());
        var view = ChannelsLastLayout.HasStrides(p) ? ChannelsLastLayout.View(range, p.shape) : range.view(p.shape);
        return view.DetachFromDisposeScope();
    }

    /// <summary>Moves <paramref name="p"/>'s data into <paramref name="view"/> and points it there.</summary>
    public static void MoveData(Parameter p, Tensor view)
    {
        view.copy_(p);
        p.set_(view);
    }

    /// <summary>Moves the gradient <paramref name="p"/> has, if any, into <paramref name="view"/>; without one it gets the view when autograd makes it (<see cref="Adopt"/>).</summary>
    public static void MoveGrad(Parameter p, Tensor view)
    {
        using var old = p.grad;
        if (old is null) return;
        view.copy_(old);
        p.grad = view;
    }

    /// <summary>Copies a gradient assigned from outside (a new tensor, not accumulated into the view) into <paramref name="view"/> and points <paramref name="p"/> back at it.</summary>
    public static void Adopt(Parameter p, Tensor view)
    {
        using var noGrad = no_grad();
        using (var assigned = p.grad!) view.copy_(assigned);
        p.grad = view;
    }
}
