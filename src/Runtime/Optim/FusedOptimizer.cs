using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Base of the optimizers the generator writes from <see cref="OptimizerAttribute"/>: parameters, param
/// groups, element-state buffers and element access for the fused CPU kernels. The generated class adds
/// typed hypers per group, per-tensor state and the kernels themselves.
/// </summary>
public abstract class FusedOptimizer : Optimizer
{
    private readonly Tensor?[,] _elementState;

    /// <param name="parameters">The parameters, in order.</param>
    /// <param name="groups">Param groups as lists of indices into <paramref name="parameters"/>; null: one group.</param>
    /// <param name="elementStateSlots">How many element-state buffers each parameter has.</param>
    protected FusedOptimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<IReadOnlyList<int>>? groups, int elementStateSlots)
    {
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        if (parameters.Count == 0) throw new ArgumentException("The optimizer got no parameters; pass the model's parameters (model.parameters()).", nameof(parameters));
        GroupOf = AssignGroups(parameters.Count, groups ?? [Enumerable.Range(0, parameters.Count).ToArray()]);
        GroupCount = GroupOf.Max() + 1;
        _elementState = new Tensor?[parameters.Count, elementStateSlots];
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// Runs the tensor path (whole-tensor TorchSharp ops) even for CPU tensors, which otherwise take the
    /// fused CPU kernel; parameters on other devices always take the tensor path.
    /// </summary>
    public bool UseTensorPath { get; set; }

    /// <summary>The param group of each parameter.</summary>
    protected int[] GroupOf { get; }

    public int GroupCount { get; }

    /// <summary>Sets hyper-parameter <paramref name="name"/> of param group <paramref name="group"/> (fastai's or the step's name: sqr_mom or sqrMom).</summary>
    public abstract void SetHyper(string name, int group, double value);

    /// <summary>fastai's set_hyper with one value: every param group.</summary>
    public override void SetHyper(string name, double value)
    {
        for (int g = 0; g < GroupCount; g++) SetHyper(name, g, value);
    }

    /// <summary>fastai's set_hyper with one value per param group (discriminative learning rates).</summary>
    public void SetHyper(string name, IReadOnlyList<double> perGroup)
    {
        if (perGroup.Count != GroupCount)
            throw new ArgumentException($"{perGroup.Count} values for '{name}', but the optimizer has {GroupCount} param groups; give one value per group.", nameof(perGroup));
        for (int g = 0; g < GroupCount; g++) SetHyper(name, g, perGroup[g]);
    }

    /// <summary>The error for a hyper-parameter the optimizer does not have.</summary>
    protected Exception UnknownHyper(string name, string known) =>
        new ArgumentException($"'{name}' is not a hyper-parameter of {GetType().Name}; it has: {known}.", nameof(name));

    /// <summary>fastai's zero_grad: zeroes existing gradients in place.</summary>
    public override void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>fastai's clear_state: forgets every state buffer (they are re-created as zeros).</summary>
    public virtual void ClearState()
    {
        for (int i = 0; i < _elementState.GetLength(0); i++)
            for (int k = 0; k < _elementState.GetLength(1); k++)
            {
                _elementState[i, k]?.Dispose();
                _elementState[i, k] = null;
            }
    }

    /// <summary>Element-state buffer <paramref name="slot"/> of parameter <paramref name="param"/>, zero-initialised on first use.</summary>
    protected Tensor ElementState(int param, int slot) =>
        _elementState[param, slot] ??= zeros_like(Parameters[param], requires_grad: false).DetachFromDisposeScope();

    /// <summary>The elements of a contiguous CPU tensor, in place.</summary>
    protected static Span<T> Elements<T>(Tensor t) where T : unmanaged
    {
        if (t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new NotSupportedException($"The fused CPU kernel needs contiguous CPU tensors; got a {(t.is_contiguous() ? "" : "non-contiguous ")}tensor on {t.device}.");
        return MemoryMarshal.Cast<byte, T>(t.bytes);
    }

    /// <summary>The error for a parameter off the CPU when a step has no tensor form.</summary>
    protected Exception NoTensorPath(string step) =>
        new NotSupportedException($"{GetType().Name} has no tensor path (step '{step}' uses an operation with no whole-tensor form), so it runs only on contiguous CPU tensors.");

    /// <summary>The unsupported-dtype error, naming the fix.</summary>
    protected static Exception UnsupportedDType(Parameter p) =>
        new NotSupportedException($"Parameter of dtype {p.dtype}: the fused kernels run float32 and float64 parameters; convert the model with model.to(float32).");

    public override void Dispose()
    {
        ClearState();
        base.Dispose();
    }

    private static int[] AssignGroups(int count, IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var groupOf = Enumerable.Repeat(-1, count).ToArray();
        for (int g = 0; g < groups.Count; g++)
            foreach (int i in groups[g])
            {
                if ((uint)i >= (uint)count) throw new ArgumentException($"Param group {g} names parameter {i}, but there are {count} parameters.", nameof(groups));
                if (groupOf[i] >= 0) throw new ArgumentException($"Parameter {i} is in param groups {groupOf[i]} and {g}; each parameter belongs to one group.", nameof(groups));
                groupOf[i] = g;
            }
        int missing = Array.IndexOf(groupOf, -1);
        if (missing >= 0) throw new ArgumentException($"Parameter {missing} is in no param group; every parameter needs one.", nameof(groups));
        return groupOf;
    }
}
