using System;
using System.Collections.Generic;
using TorchSharp.Modules;

namespace Gen;

/// <summary>What a <see cref="Learner"/> needs of an optimizer: fastai's step, zero_grad and set_hyper.</summary>
public abstract class Optimizer : IDisposable
{
    /// <summary>Updates every parameter that has a gradient.</summary>
    public abstract void Step();

    /// <summary>Zeroes the gradients in place (fastai's zero_grad; gradients stay allocated).</summary>
    public abstract void ZeroGrad();

    /// <summary>Sets hyper-parameter <paramref name="name"/> (fastai's names: lr, mom, wd, ...) in every param group.</summary>
    public abstract void SetHyper(string name, double value);

    /// <summary>Reads hyper-parameter <paramref name="name"/> of param group <paramref name="group"/>.</summary>
    public abstract double GetHyper(string name, int group = 0);

    /// <summary>fastai's set_hyper with one value per param group (discriminative learning rates).</summary>
    public void SetHyper(string name, IReadOnlyList<double> perGroup)
    {
        if (perGroup.Count != GroupCount)
            throw new ArgumentException($"{perGroup.Count} values for '{name}', but the optimizer has {GroupCount} param groups; give one value per group.", nameof(perGroup));
        for (int g = 0; g < GroupCount; g++) SetHyper(name, g, perGroup[g]);
    }

    /// <summary>Whether the optimizer has hyper-parameter <paramref name="name"/> (fastai's name).</summary>
    public abstract bool HasHyper(string name);

    /// <summary>How many param groups the optimizer has (fastai's len(opt.param_groups)).</summary>
    public virtual int GroupCount => 1;

    /// <summary>Sets hyper-parameter <paramref name="name"/> of param group <paramref name="group"/> only.</summary>
    public virtual void SetHyper(string name, int group, double value)
    {
        if (group != 0 || GroupCount != 1) throw new ArgumentOutOfRangeException(nameof(group), $"{GetType().Name} sets hyper-parameters for all its parameters at once.");
        SetHyper(name, value);
    }

    /// <summary>The Gen optimizer that keeps the per-parameter state (this one, or the one a wrapper drives); null for others.</summary>
    public virtual FusedOptimizer? Fused => null;

    /// <summary>fastai's state_dict: hypers and every parameter's state, copied (to put back with <see cref="LoadStateDict"/>).</summary>
    public virtual OptimizerState StateDict() => throw NoState();

    /// <summary>fastai's load_state_dict: puts back a state this kind of optimizer saved over the same parameters.</summary>
    public virtual void LoadStateDict(OptimizerState state) => throw NoState();

    /// <summary>fastai's clear_state: forgets the per-parameter state (buffers, step counts), keeping do_wd and force_train.</summary>
    public virtual void ClearState() => throw NoState();

    private InvalidOperationException NoState() => new(
        $"{GetType().Name} does not expose its state, which saving and restoring it (LrFind, checkpoints) need. Use a Gen optimizer, e.g. optFunc: Optimizers.Adam().");

    /// <summary>Releases what the optimizer holds (state buffers, a wrapped optimizer); derived optimizers override it and call this last.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>
/// fastai's <c>opt_func</c>: makes the optimizer for a model's parameters and a learning rate, with param groups
/// as lists of indices into <paramref name="parameters"/> (null: one group).
/// </summary>
public delegate Optimizer OptimizerFactory(IReadOnlyList<Parameter> parameters, double lr, IReadOnlyList<IReadOnlyList<int>>? groups);
