using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>How a checkpoint writes a tensor.</summary>
internal static class CheckpointTensors
{
    /// <summary>
    /// Writes <paramref name="t"/> with TorchSharp's <c>Save</c>, which writes a CPU tensor's storage in order and refuses
    /// any other: a tensor on another device or in another layout (channels-last weights) goes through a contiguous CPU
    /// copy, and loads back with the same values.
    /// </summary>
    public static void Write(BinaryWriter writer, Tensor t)
    {
        if (t.device_type == DeviceType.CPU && t.is_contiguous()) { t.Save(writer); return; }
        using var scope = NewDisposeScope();   // the copies
        t.to(CPU).contiguous().Save(writer);
    }
}
