using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's LRFinder (order 60): before training batch i sets lr = SchedExp(startLr, endLr)(i / numIt), stops the fit
/// after numIt batches or, with <paramref name="stopDiv"/>, once the smoothed loss exceeds 4x the best one; skips
/// validation. The model's weights and the optimizer's state (a Gen optimizer, or Lookahead over one) are saved before the fit and put back
/// after it, bit for bit, also when the fit is cancelled or throws (<see cref="FitPolicies.LrFind"/> guarantees the latter).
/// </summary>
[Order(60)]
public sealed partial class LrFinder(double startLr = 1e-7, double endLr = 10, int numIt = 100, bool stopDiv = true) : Callback
{
    private readonly Schedule _lr = Schedules.SchedExp(startLr, endLr);
    private Dictionary<string, Tensor>? _weights;
    private OptimizerState? _optState;
    private double _bestLoss;

    /// <summary>Batches to run: fastai raises fewer than 6 to 6.</summary>
    public int NumIt { get; } = Math.Max(numIt, 6);

    [Event]
    void BeforeFit(Learner learn)
    {
        Restore(learn);   // a previous fit that threw may have left a snapshot
        _weights = learn.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
        _optState = learn.Opt!.StateDict();
        _bestLoss = double.PositiveInfinity;
    }

    [Event]
    void BeforeBatch(Learner learn)
    {
        if (learn.Training) learn.Opt!.SetHyper("lr", _lr((double)learn.TrainIter / NumIt));
    }

    // Order 60: after the Recorder has updated the smoothed loss.
    [Event]
    void AfterBatch(Learner learn)
    {
        if (!learn.Training) return;
        if (learn.SmoothLoss < _bestLoss) _bestLoss = learn.SmoothLoss;
        if (learn.SmoothLoss > 4 * _bestLoss && stopDiv || learn.TrainIter >= NumIt) learn.Cancel(Stage.Fit);
    }

    [Event] void BeforeValidate(Learner learn) => learn.Cancel(Stage.Validate);

    [Event]
    void AfterFit(Learner learn)
    {
        learn.Opt!.ZeroGrad();
        Restore(learn);
    }

    /// <summary>Puts back the weights and optimizer state saved before the fit, if not done yet.</summary>
    public void Restore(Learner learn)
    {
        if (_weights is null) return;
        using (no_grad())
            foreach (var (name, tensor) in learn.Model.state_dict()) tensor.copy_(_weights[name]);
        learn.Opt!.LoadStateDict(_optState!);
        foreach (var t in _weights.Values) t.Dispose();
        _optState!.DisposeBuffers();
        (_weights, _optState) = (null, null);
    }
}
