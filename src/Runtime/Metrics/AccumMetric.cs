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

    public override string Name { get; } = name;

    public override void Reset()
    {
        foreach (var t in _preds) t.Dispose();
        foreach (var t in _targs) t.Dispose();
        _preds.Clear();
        _targs.Clear();
    }

    public override void Accumulate(Learner learn)
    {
        _preds.Add(learn.Pred!.detach().clone().DetachFromDisposeScope());
        _targs.Add(learn.Yb!.detach().clone().DetachFromDisposeScope());
    }

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
