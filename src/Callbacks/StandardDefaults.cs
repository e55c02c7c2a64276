using System.Runtime.CompilerServices;

namespace Gen;

/// <summary>
/// Registers Gen.Callbacks' default callbacks when the assembly loads, as fastai's progress module does on import:
/// Progress, and Gen's own ChannelsLast for convolutional models on the CPU.
/// </summary>
internal static class StandardDefaults
{
#pragma warning disable CA2255 // A module initializer is the point: fastai's defaults.callbacks gains ProgressCallback when its module loads.
    [ModuleInitializer]
    internal static void Register()
    {
        Defaults.Add(() => new Progress());
        Defaults.Add(ChannelsLast.ForCpuConvolutions);
    }
#pragma warning restore CA2255
}
