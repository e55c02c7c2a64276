using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's GatherPredsCallback, used by <see cref="Learner.GetPreds"/>: keeps a CPU copy of every validation batch's
/// prediction and targets (and inputs, and per-sample losses when asked), out of the batch's dispose scope.
/// </summary>
internal sealed partial class GatherPreds(bool withInput, LossFunction? perSampleLoss) : Callback
{
    private readonly List<Tensor> _preds = [], _targets = [], _inputs = [], _losses = [];

    [Event]
    void AfterBatch(Learner learn)
    {
        if (learn.Training || learn.Pred is null) return;
        Keep(_preds, learn.Pred);
        if (learn.Yb is { } target)
        {
            Keep(_targets, target);
            if (perSampleLoss is not null) Keep(_losses, perSampleLoss.PerSample(learn.Pred, target));
        }
        if (withInput && learn.Xb is { } input) Keep(_inputs, input);
    }

    private static void Keep(List<Tensor> list, Tensor t) => list.Add(t.detach().cpu().clone().DetachFromDisposeScope());

    /// <summary>The gathered tensors, each concatenated over the batches (null when nothing was gathered); the lists are emptied.</summary>
    public (Tensor? Preds, Tensor? Targets, Tensor? Inputs, Tensor? Losses) Take() => (Cat(_preds), Cat(_targets), Cat(_inputs), Cat(_losses));

    private static Tensor? Cat(List<Tensor> parts)
    {
        if (parts.Count == 0) return null;
        var whole = cat(parts, 0).DetachFromDisposeScope();
        foreach (var part in parts) part.Dispose();
        parts.Clear();
        return whole;
    }

    /// <summary>Frees what was gathered and not taken (a pass that threw).</summary>
    public void Discard()
    {
        foreach (var t in _preds.Concat(_targets).Concat(_inputs).Concat(_losses)) t.Dispose();
        foreach (var list in new[] { _preds, _targets, _inputs, _losses }) list.Clear();
    }
}
