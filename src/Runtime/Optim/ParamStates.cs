using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// The per-parameter state an optimizer keeps beside its generated per-tensor fields: the steps' element-state buffers
/// (zeros at first use; their memory never moves, so its address is read once), whether each parameter has state since
/// it was last cleared, and the other values fastai keeps per parameter by name (force_train).
/// </summary>
internal sealed class ParamStates(IReadOnlyList<Parameter> parameters, int slots)
{
    private readonly Tensor?[,] _buffers = new Tensor?[parameters.Count, slots];
    private readonly (nint Pointer, int Bytes)[,] _memory = new (nint, int)[parameters.Count, slots];
    private readonly bool[] _has = new bool[parameters.Count];   // a flat group holds buffers for all its members: this says which count
    private Dictionary<string, double>[]? _named;

    public int Slots => slots;

    /// <summary>Buffer <paramref name="slot"/> of parameter <paramref name="param"/>, zeros at first use; the parameter then has state.</summary>
    public Tensor Buffer(int param, int slot)
    {
        _has[param] = true;
        return _buffers[param, slot] ??= zeros_like(parameters[param], requires_grad: false).DetachFromDisposeScope();
    }

    /// <summary>The elements of <see cref="Buffer"/>, from the address read at its first use.</summary>
    public unsafe Span<T> Elements<T>(int param, int slot) where T : unmanaged
    {
        var memory = _memory[param, slot];
        if (memory.Pointer == 0) memory = _memory[param, slot] = TensorMemory.Of(Buffer(param, slot));
        return new Span<T>((void*)memory.Pointer, memory.Bytes / sizeof(T));
    }

    /// <summary>The buffer as a state dict holds it: null when the parameter has no state or the slot was never used.</summary>
    public Tensor? Saved(int param, int slot) => _has[param] ? _buffers[param, slot] : null;

    /// <summary>Parameter <paramref name="param"/> stepped (with its flat group) or was loaded: its buffers count as state.</summary>
    public void MarkHas(int param) => _has[param] = true;

    /// <summary>Loads <paramref name="buffer"/> (converted to the parameter's dtype and device) as buffer <paramref name="slot"/>.</summary>
    public void Load(int param, int slot, Tensor buffer)
    {
        using var scope = NewDisposeScope();   // the conversions' temporaries
        var p = parameters[param];
        Replace(param, slot, buffer.to(p.dtype, p.device).contiguous().clone().DetachFromDisposeScope());
        _has[param] = true;
    }

    /// <summary>Buffer <paramref name="slot"/> of parameter <paramref name="param"/> if it was made, without making it.</summary>
    public Tensor? Existing(int param, int slot) => _buffers[param, slot];

    /// <summary>Puts <paramref name="buffer"/> (a view of a flat group's state) in place of the buffer, which is disposed; its address is read again at next use.</summary>
    public void Replace(int param, int slot, Tensor buffer)
    {
        _buffers[param, slot]?.Dispose();
        _buffers[param, slot] = buffer;
        _memory[param, slot] = default;
    }

    /// <summary>
    /// Gives every buffer its parameter's layout again (after the parameters were laid out anew, say channels_last):
    /// the fused kernel reads a parameter, its gradient and its buffers element by element in memory order.
    /// </summary>
    public void MatchLayouts()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _buffers.GetLength(0); i++)
            for (int slot = 0; slot < slots; slot++)
            {
                if (_buffers[i, slot] is not { } old || old.stride().AsSpan().SequenceEqual(parameters[i].stride())) continue;
                var matched = empty_like(parameters[i]).DetachFromDisposeScope();
                matched.copy_(old);
                Replace(i, slot, matched);
            }
    }

    /// <summary>Disposes every buffer; no parameter has state until its next step. Named values are kept.</summary>
    public void Clear()
    {
        Array.Clear(_has);
        for (int i = 0; i < _buffers.GetLength(0); i++)
            for (int slot = 0; slot < slots; slot++)
            {
                _buffers[i, slot]?.Dispose();
                _buffers[i, slot] = null;
                _memory[i, slot] = default;
            }
    }

    public void SetNamed(string name, int param, double value) =>
        (_named ??= Enumerable.Range(0, parameters.Count).Select(_ => new Dictionary<string, double>()).ToArray())[param][name] = value;

    /// <summary>fastai's <c>state[p].get(name, 0)</c>.</summary>
    public double Named(string name, int param) => _named is not null && _named[param].TryGetValue(name, out var value) ? value : 0;

    /// <summary>Every named value of parameter <paramref name="param"/>.</summary>
    public IReadOnlyDictionary<string, double> AllNamed(int param) => _named?[param] ?? (IReadOnlyDictionary<string, double>)new Dictionary<string, double>();

    public void ClearNamed() => _named = null;
}
