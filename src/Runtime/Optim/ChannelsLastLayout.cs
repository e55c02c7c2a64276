using System;
using static TorchSharp.torch;

namespace Gen.Internals;

/// <summary>
/// PyTorch's channels_last memory format of 4-D (N, C, H, W) tensors: the elements stored as NHWC, strides
/// (H*W*C, 1, W*C, C). TorchSharp 0.107 has no memory_format argument, so the layout is made by permuting.
/// </summary>
internal static class ChannelsLastLayout
{
    /// <summary>
    /// Whether <paramref name="t"/> is 4-D and its memory is in NHWC order, ignoring the strides of dimensions of size 1
    /// (PyTorch's <c>is_contiguous(memory_format=torch.channels_last)</c>). libtorch's kernels go by the exact strides
    /// instead (see <see cref="HasStrides"/>).
    /// </summary>
    public static bool Is(Tensor t)
    {
        if (t.dim() != 4) return false;
        var (size, stride, expected) = (t.shape, t.stride(), Strides(t.shape));
        for (int d = 0; d < 4; d++)
            if (size[d] != 1 && stride[d] != expected[d]) return false;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="t"/>'s four strides are exactly channels_last's, and those differ from contiguous ones.
    /// libtorch picks a kernel's layout by the exact strides: a convolution weight of one input channel, whose memory
    /// is in the same order either way, takes the channels-last kernels only with these (and so does the batch norm
    /// after it).
    /// </summary>
    public static bool HasStrides(Tensor t)
    {
        if (t.dim() != 4) return false;
        var strides = Strides(t.shape);
        return !strides.AsSpan().SequenceEqual(ContiguousStrides(t.shape)) && strides.AsSpan().SequenceEqual(t.stride());
    }

    /// <summary>Whether laying <paramref name="t"/> out channels_last would change its strides.</summary>
    public static bool WouldChange(Tensor t) => t.dim() == 4 && !Strides(t.shape).AsSpan().SequenceEqual(t.stride());

    private static long[] Strides(long[] size) => [size[1] * size[2] * size[3], 1, size[3] * size[1], size[1]];

    private static long[] ContiguousStrides(long[] size) => [size[1] * size[2] * size[3], size[2] * size[3], size[3], 1];

    /// <summary>A copy of <paramref name="t"/> with contiguous strides (<c>contiguous()</c> returns the tensor itself when a size-1 dimension makes it count as contiguous already).</summary>
    public static Tensor ContiguousCopy(Tensor t)
    {
        var copy = empty(t.shape, dtype: t.dtype, device: t.device);
        copy.copy_(t);
        return copy;
    }

    /// <summary>
    /// A channels_last copy of a 4-D tensor (torch's <c>t.contiguous(memory_format=torch.channels_last)</c>), with the
    /// exact strides even where a size-1 dimension lets a permuted tensor count as contiguous already.
    /// </summary>
    public static Tensor Copy(Tensor t)
    {
        using var nhwc = empty([t.shape[0], t.shape[2], t.shape[3], t.shape[1]], dtype: t.dtype, device: t.device);
        var copy = nhwc.permute(0, 3, 1, 2);
        copy.copy_(t);
        return copy;
    }

    /// <summary>The contiguous 1-D <paramref name="range"/> seen as a channels_last tensor of NCHW shape <paramref name="shape"/>.</summary>
    public static Tensor View(Tensor range, long[] shape)
    {
        using var nhwc = range.view(shape[0], shape[2], shape[3], shape[1]);
        return nhwc.permute(0, 3, 1, 2);
    }
}
