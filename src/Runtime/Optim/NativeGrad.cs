using System.Runtime.InteropServices;

namespace Gen;

/// <summary>
/// A parameter's gradient memory read straight from TorchSharp's native library: TorchSharp's
/// <c>Parameter.grad</c> allocates a managed wrapper on every call, which the fused kernels, run for every
/// parameter on every step, must not. Same library and entry points TorchSharp 0.107.0 itself calls.
/// </summary>
internal static class NativeGrad
{
    private const string Library = "LibTorchSharp";

    [DllImport(Library)] private static extern nint THSTensor_grad(nint tensor);
    [DllImport(Library)] private static extern nint THSTensor_data(nint tensor);
    [DllImport(Library)] [return: MarshalAs(UnmanagedType.U1)] private static extern bool THSTensor_is_contiguous(nint tensor);
    [DllImport(Library)] private static extern void THSTensor_dispose(nint tensor);

    /// <summary>The address of <paramref name="tensor"/>'s first element.</summary>
    public static nint Data(nint tensor) => THSTensor_data(tensor);

    /// <summary>
    /// The tensor object (libtorch's TensorImpl) behind a TorchSharp handle. A handle points to an at::Tensor, whose one
    /// field is the pointer to its TensorImpl; two handles of the same tensor give the same value.
    /// </summary>
    public static unsafe nint Impl(nint tensor) => *(nint*)tensor;

    /// <summary>
    /// The tensor object of <paramref name="tensor"/>'s gradient (see <see cref="Impl"/>), in two native calls: enough to
    /// tell whether the gradient is still a tensor we gave it. False when it has none.
    /// </summary>
    public static bool TryGetImpl(nint tensor, out nint impl)
    {
        nint grad = THSTensor_grad(tensor);
        if (grad == 0) { impl = 0; return false; }
        impl = Impl(grad);
        THSTensor_dispose(grad);
        return true;
    }

    /// <summary>The data pointer of <paramref name="tensor"/>'s gradient and whether it is contiguous; false when it has none.</summary>
    public static bool TryGet(nint tensor, out nint data, out bool contiguous)
    {
        nint grad = THSTensor_grad(tensor);
        if (grad == 0) { (data, contiguous) = (0, false); return false; }
        data = THSTensor_data(grad);
        contiguous = THSTensor_is_contiguous(grad);
        THSTensor_dispose(grad);   // deletes the native handle only; the gradient stays with the parameter
        return true;
    }
}
