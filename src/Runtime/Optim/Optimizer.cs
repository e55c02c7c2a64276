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

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>fastai's <c>opt_func</c>: makes the optimizer for a model's parameters and a learning rate.</summary>
public delegate Optimizer OptimizerFactory(IReadOnlyList<Parameter> parameters, double lr);
