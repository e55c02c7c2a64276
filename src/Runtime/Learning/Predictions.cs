using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// What <see cref="Learner.GetPreds"/> gathers over a loader, on the CPU, one row per sample (fastai's get_preds tuple):
/// the predictions (after the activation), the targets, and when asked the inputs, the decoded predictions and the
/// per-sample losses. The caller owns the tensors: dispose the result when done.
/// </summary>
public sealed record Predictions(Tensor Preds, Tensor? Targets, Tensor? Inputs = null, Tensor? Decoded = null, Tensor? Losses = null) : IDisposable
{
    /// <summary>Disposes every tensor held.</summary>
    public void Dispose()
    {
        foreach (var t in new[] { Preds, Targets, Inputs, Decoded, Losses }) t?.Dispose();
    }
}

/// <summary>fastai's predict result for one item: the decoded prediction and the prediction after the activation (for a classifier: class and probabilities).</summary>
public sealed record Prediction(Tensor Decoded, Tensor Preds) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Decoded.Dispose();
        Preds.Dispose();
    }
}
