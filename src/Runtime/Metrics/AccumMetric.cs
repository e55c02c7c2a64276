using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's AccumMetric: keeps every batch's predictions and targets of the phase and computes
/// func(all preds, all targs) once at the end (metrics that do not average over batches: RMSE, F1).
/// </summary>
public sealed class AccumMetric(Func<Tensor, Tensor, double> func, string name) : Metric
{
    private readonly List<Tensor> _preds = [];
    private readonly List<Tensor> _targs = [];

    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <summary>Disposes the kept predictions and targets and forgets them.</summary>
    public override void Reset()
    {
        foreach (var t in _preds) t.Dispose();
        foreach (var t in _targs) t.Dispose();
        _preds.Clear();
        _targs.Clear();
    }

    /// <summary>Keeps detached copies of the batch's predictions and targets.</summary>
    public override void Accumulate(Learner learn)
    {
        _preds.Add(learn.Pred!.detach().clone().DetachFromDisposeScope());
        _targs.Add(learn.Yb!.detach().clone().DetachFromDisposeScope());
    }

    /// <summary><c>func</c> of all the kept predictions and all the kept targets, each concatenated along the first dimension; NaN before the first batch.</summary>
    public override double Value
    {
        get
        {
            if (_preds.Count == 0) return double.NaN;
            using var scope = NewDisposeScope();
            return func(cat(_preds), cat(_targs));
        }
    }
}
