using System.Runtime.CompilerServices;

namespace Gen;

/// <summary>Registers Gen.Callbacks' default callbacks when the assembly loads, as fastai's progress module does on import.</summary>
internal static class StandardDefaults
{
#pragma warning disable CA2255 // A module initializer is the point: fastai's defaults.callbacks gains ProgressCallback when its module loads.
    [ModuleInitializer]
    internal static void Register() => Defaults.Add(() => new Progress());
#pragma warning restore CA2255
}
