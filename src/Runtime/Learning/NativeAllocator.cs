using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Gen;

/// <summary>
/// glibc's malloc hands large freed blocks back to the OS (munmap, trimming the heap), so the temporaries libtorch
/// frees and allocates again on every batch page-fault each time; a Fashion-MNIST fit ran 15-20% faster once they
/// stay in the heap. On Linux the first Learner tunes glibc (mallopt: blocks up to 32 MiB from the heap, no
/// trimming) unless <see cref="Enabled"/> is false, the environment variable <c>GEN_TUNE_MALLOC=0</c> is set, or the
/// process already sets <c>MALLOC_MMAP_THRESHOLD_</c>/<c>MALLOC_TRIM_THRESHOLD_</c> itself. The cost: freed memory
/// is kept for reuse instead of returned to the OS.
/// </summary>
public static class NativeAllocator
{
    private const int TrimThreshold = -1, MmapThreshold = -3;   // glibc's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    private const int MaxMmapThreshold = 32 << 20;              // glibc refuses more than half its 64 MiB heap size
    private static int _tuned;

    /// <summary>Whether the first Learner may tune the allocator (set false before making one to keep glibc's defaults).</summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("GEN_TUNE_MALLOC") != "0";

    /// <summary>Whether the allocator was tuned in this process.</summary>
    public static bool Tuned => Volatile.Read(ref _tuned) == 2;

    /// <summary>Tunes glibc once, if enabled, on Linux, and not already set through the environment.</summary>
    public static void TuneOnce()
    {
        if (!Enabled || !OperatingSystem.IsLinux() || Interlocked.CompareExchange(ref _tuned, 1, 0) != 0) return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null) return;
        try
        {
            if (mallopt(MmapThreshold, MaxMmapThreshold) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1) Volatile.Write(ref _tuned, 2);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }   // not glibc (musl): nothing to tune
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
