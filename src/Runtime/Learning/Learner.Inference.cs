using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using static TorchSharp.torch;

namespace Gen;

// fastai's validate, get_preds and predict: the validation phase of the loop, with its events, on any loader,
// without autograd and outside a fit.
public partial class Learner
{
    /// <summary>
    /// fastai's <c>learn.validate</c>: the loss and metrics over <paramref name="dl"/> (default the validation loader),
    /// as [valid_loss, metric 1, ...] in <see cref="Recorder.MetricNames"/> order. The model is left in eval mode.
    /// </summary>
    public IReadOnlyList<double> Validate(DataLoader? dl = null, IEnumerable<Callback>? cbs = null)
    {
        var recorder = Recorder.Of(this, nameof(Validate));
        RunValidation(dl ?? Dls.Valid, cbs ?? []);
        return recorder.LastValidation;
    }

    /// <summary>
    /// fastai's <c>learn.get_preds</c>: the predictions over <paramref name="dl"/> (default the validation loader) after
    /// <paramref name="activation"/> (default the loss's: softmax for <see cref="Losses.CrossEntropyFlat"/>, sigmoid for
    /// <see cref="Losses.BceWithLogitsFlat"/>, none for a plain delegate), with the targets, and when asked the inputs, the
    /// decoded predictions and the per-sample losses (which need a <see cref="LossFunction"/>), on the CPU.
    /// </summary>
    public Predictions GetPreds(DataLoader? dl = null, bool withInput = false, bool withLoss = false, bool withDecoded = false,
                                Func<Tensor, Tensor>? activation = null, IEnumerable<Callback>? cbs = null)
    {
        var loss = LossFunction.Of(LossFunc);
        if (withLoss && loss is null)
            throw new InvalidOperationException("withLoss needs per-sample losses, which a plain delegate loss cannot give. Make the Learner with a loss from Losses (e.g. Losses.CrossEntropyFlat()), or a LossFunction of your own.");
        if (withDecoded && loss is null && activation is null)
            throw new InvalidOperationException("withDecoded needs the loss's decodes, which a plain delegate loss does not have. Make the Learner with a loss from Losses (e.g. Losses.CrossEntropyFlat()).");
        var gather = new GatherPreds(withInput, withLoss ? loss : null);
        try
        {
            RunValidation(dl ?? Dls.Valid, [gather, .. cbs ?? []]);
            var (raw, targets, inputs, losses) = gather.Take();
            if (raw is null) throw new InvalidOperationException("The loader gave no batches, so there is nothing to predict.");
            using var scope = NewDisposeScope();
            var preds = (activation ?? loss?.Activation ?? (static x => x))(raw);
            if (!ReferenceEquals(preds, raw)) raw.Dispose();
            var decoded = withDecoded ? (loss?.Decodes ?? (static x => x))(preds) : null;
            return new Predictions(preds.MoveToOuterDisposeScope(), targets, inputs, decoded?.MoveToOuterDisposeScope(), losses);
        }
        finally { gather.Discard(); }
    }

    /// <summary>
    /// fastai's <c>learn.predict</c> for one sample <paramref name="input"/> (without the batch dimension): runs it through
    /// the loop's validation phase and returns its decoded prediction and its prediction after the loss's activation.
    /// </summary>
    public Prediction Predict(Tensor input) => Predict([input ?? throw new ArgumentNullException(nameof(input))]);

    /// <summary>fastai's <c>learn.predict</c> for a model with several inputs: one sample of each.</summary>
    public Prediction Predict(Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var scope = NewDisposeScope();
        using var dl = new DataLoader(inputs.Select(x => x.unsqueeze(0)).ToList(), [], batchSize: 1);
        using var preds = GetPreds(dl, withDecoded: LossFunction.Of(LossFunc) is not null);
        return new Prediction((preds.Decoded ?? preds.Preds)[0].clone().MoveToOuterDisposeScope(), preds.Preds[0].clone().MoveToOuterDisposeScope());
    }

    /// <summary>The validation phase on <paramref name="dl"/> with <paramref name="cbs"/> added for it, outside a fit and without autograd.</summary>
    private void RunValidation(DataLoader dl, IEnumerable<Callback> cbs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(dl);
        if (Volatile.Read(ref _fits) > 0)
            throw new InvalidOperationException("Validate, GetPreds and Predict run outside a fit; a fit already validates every epoch (read the Recorder), or call them after it.");
        var added = cbs.ToList();
        Add(added);
        Interlocked.Increment(ref _fits);
        try
        {
            if (Opt is null) CreateOpt();   // callbacks read the optimizer's hypers (the Recorder's lr) as in a fit
            Dl = dl;
            using (no_grad()) Run(Stage.Validate);
        }
        finally
        {
            EndCleanup();
            Remove(added);
            if (Interlocked.Decrement(ref _fits) == 0 && _disposed) Opt?.Dispose();
        }
    }
}
