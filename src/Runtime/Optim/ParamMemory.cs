using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// The parameters as the fused CPU kernel reads them one by one: each one's dtype, whether it takes the kernel (a
/// contiguous CPU tensor), and its elements, from an address read at its first step. Parameters keep their storage
/// while they train, and reading it again costs native calls on every small tensor; moving them into a flat buffer or
/// to a new layout calls <see cref="Forget"/>.
/// </summary>
internal sealed class ParamMemory(IReadOnlyList<Parameter> parameters)
{
    private ScalarType[]? _types;
    private bool[]? _onCpu;
    private (nint Pointer, int Bytes)[]? _memory;

    public ScalarType Type(int i) => (_types ??= parameters.Select(p => p.dtype).ToArray())[i];

    /// <summary>Whether parameter <paramref name="i"/> is a contiguous CPU tensor (read once per parameter).</summary>
    public bool OnCpuContiguous(int i) => (_onCpu ??= parameters.Select(p => p.device_type == DeviceType.CPU && p.is_contiguous()).ToArray())[i];

    public int Bytes(int i)
    {
        _memory ??= new (nint, int)[parameters.Count];
        if (_memory[i].Pointer == 0) _memory[i] = TensorMemory.Of(parameters[i]);
        return _memory[i].Bytes;
    }

    public unsafe Span<T> Elements<T>(int i) where T : unmanaged
    {
        int bytes = Bytes(i);
        return new Span<T>((void*)_memory![i].Pointer, bytes / sizeof(T));
    }

    /// <summary>Forgets the addresses and layouts: the parameters moved (into a flat buffer, or to a new layout).</summary>
    public void Forget() => (_memory, _onCpu) = (null, null);
}
