using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen;

// Mixed precision inside the fused step: the optimizer's parameters are float32 master weights, and each may have a
// low-precision copy (the model's bfloat16/float16 weight). On the CPU, in a flat group, the generated kernel then reads
// the copy's gradient, unscales it, updates the master and its state, and writes the copy's rounded weight, in one pass.
public abstract partial class FusedOptimizer
{
    private Parameter?[]? _lowCopies;
    private LowPrecisionFormat _lowFormat;
    private LowPrecisionFlat?[]? _lowFlat;

    /// <summary>What the mixed-precision kernel multiplies the low-precision gradients by: 1 / the loss scale.</summary>
    protected internal float LowPrecisionUnscale { get; set; } = 1;

    /// <summary>Whether the generated class has the mixed-precision form of its fused kernel (all its steps are elementwise).</summary>
    protected virtual bool HasLowPrecisionKernel => false;

    /// <summary>
    /// Declares <paramref name="copies"/>[i] (null: none) the low-precision copy of parameter i, a float32 master of the
    /// same shape. From the first step on, the copies that <see cref="StepsLowPrecisionCopy"/> names are stepped by the
    /// fused kernel: their gradients are read (times <see cref="LowPrecisionUnscale"/>) and their weights written.
    /// </summary>
    internal void UseLowPrecisionCopies(IReadOnlyList<Parameter?> copies, LowPrecisionFormat format)
    {
        if (_flat is not null) throw new InvalidOperationException("Low-precision copies are declared before the optimizer's first step.");
        if (copies.Count != Parameters.Count) throw new ArgumentException($"{copies.Count} copies for {Parameters.Count} parameters.", nameof(copies));
        for (int i = 0; i < copies.Count; i++)
        {
            if (copies[i] is not { } copy) continue;
            if (Parameters[i].dtype != ScalarType.Float32 || copy.dtype != LowPrecision.DType(format) || !copy.shape.AsSpan().SequenceEqual(Parameters[i].shape))
                throw new ArgumentException($"Parameter {i}: a low-precision copy is a {format} tensor of its float32 master's shape.", nameof(copies));
        }
        (_lowCopies, _lowFormat) = ([.. copies], format);
    }

    /// <summary>
    /// Whether parameter <paramref name="i"/>'s low-precision copy is stepped by the fused kernel (on the CPU, in a flat
    /// group); otherwise its gradient must be copied into the master before the step and the master into it after.
    /// </summary>
    internal bool StepsLowPrecisionCopy(int i) => _lowCopies?[i] is not null && TakesLowKernel(GroupOf[i]);

    // A group whose copies the mixed-precision kernel steps: flat, on the CPU, and the optimizer has the kernel.
    private bool TakesLowKernel(int g) => HasLowPrecisionKernel && !UseTensorPath && Traits(g) is { FlatCandidate: true, OnCpu: true };

    private LowPrecisionFlat? LowFlat(int g, FlatGroup flat)
    {
        if (_lowCopies is null) return null;
        _lowFlat ??= new LowPrecisionFlat?[GroupCount];
        return _lowFlat[g] ??= LowPrecisionFlat.Build(flat, _lowCopies, _lowFormat);
    }

    private bool LowGradReady(LowPrecisionFlat low, FlatGroup flat, int k) => low.GradReady(k, _lowCopies![flat.Members[k]]!);

    /// <summary>Zeroes the gradients of the copies this optimizer steps: their flat buffer, or before the first step (no buffer yet) each one.</summary>
    private void ZeroLowGrads()
    {
        if (_lowCopies is null) return;
        for (int g = 0; g < GroupCount; g++)
        {
            if (_lowFlat?[g] is { } low) { low.ZeroGrad(); continue; }
            if (!TakesLowKernel(g)) continue;
            foreach (int i in Members(g))
            {
                using var grad = _lowCopies[i]?.grad;
                grad?.zero_();
            }
        }
    }

    private void DropLowFlat()
    {
        if (_lowFlat is null) return;
        foreach (var low in _lowFlat) low?.Dispose();
        _lowFlat = null;
    }
}
