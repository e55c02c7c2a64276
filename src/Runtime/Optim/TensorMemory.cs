using static TorchSharp.torch;

namespace Gen;

/// <summary>Where a contiguous CPU tensor's elements are, read once: the fused kernels keep the address while the tensor keeps its storage.</summary>
internal static class TensorMemory
{
    public static unsafe (nint Pointer, int Bytes) Of(Tensor t)
    {
        var bytes = t.bytes;
        fixed (byte* pointer = bytes) return ((nint)pointer, bytes.Length);
    }
}
