using static TorchSharp.torch;

namespace Gen.Internals;

/// <summary>
/// PyTorch's channels_last memory format of 4-D (N, C, H, W) tensors: the elements stored as NHWC, strides
/// (H*W*C, 1, W*C, C). TorchSharp 0.107 has no memory_format argument, so the layout is made by permuting.
/// </summary>
internal static class ChannelsLastLayout
{
    /// <summary>Whether <paramref name="t"/> is 4-D and laid out NHWC, ignoring dimensions of size 1 (whose stride does not matter), as PyTorch does.</summary>
    public static bool Is(Tensor t)
    {
        if (t.dim() != 4) return false;
        var (size, stride) = (t.shape, t.stride());
        long[] expected = [size[1] * size[2] * size[3], 1, size[3] * size[1], size[1]];
        for (int d = 0; d < 4; d++)
            if (size[d] != 1 && stride[d] != expected[d]) return false;
        return true;
    }

    /// <summary>A channels_last copy of a 4-D tensor (torch's <c>t.contiguous(memory_format=torch.channels_last)</c>).</summary>
    public static Tensor Copy(Tensor t)
    {
        using var nhwc = t.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    /// <summary>The contiguous 1-D <paramref name="range"/> seen as a channels_last tensor of NCHW shape <paramref name="shape"/>.</summary>
    public static Tensor View(Tensor range, long[] shape)
    {
        using var nhwc = range.view(shape[0], shape[2], shape[3], shape[1]);
        return nhwc.permute(0, 3, 1, 2);
    }
}
