using System;
using System.Linq;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// The errors of a batch that the model or the loss refuses, with what a user needs to fix it: which batch, the
/// shapes and dtypes, the layer that refused it (found by replaying a Sequential model layer by layer), and the usual cause.
/// </summary>
internal static class BatchErrors
{
    public static InvalidOperationException ModelRefused(Learner learn, Exception e) => new(
        $"{BatchName(learn)} does not fit the model: inputs of shape {Shapes(learn.Xbs)}{FailingLayer(learn)} -> {FirstLine(e)} " +
        "Check the data's shape (channels, image size) against the model's first layer, or reshape the inputs.", e);

    public static InvalidOperationException LossRefused(Learner learn, ExternalException e)
    {
        var (pred, target) = (learn.Pred!, learn.Ybs[0]);
        bool integerTarget = !target.is_floating_point();
        string hint = integerTarget
            ? "Class-index losses (cross_entropy) need int64 targets of shape [batch] and predictions [batch, classes]; regression and binary losses (mse_loss, binary_cross_entropy_with_logits) need float targets shaped like the predictions: convert with targets.to(float32)."
            : "Class-index losses (cross_entropy) need int64 targets: convert with targets.to(int64); regression losses need targets shaped like the predictions.";
        return new($"The loss function refused {BatchName(learn).ToLowerInvariant()}: predictions {Shape(pred)} {pred.dtype}, targets {Shape(target)} {target.dtype} -> {FirstLine(e)} {hint}", e);
    }

    public static InvalidOperationException LossNotScalar(Learner learn, Tensor loss) => new(
        $"The loss function returned a tensor of shape {Shape(loss)} for {BatchName(learn).ToLowerInvariant()}; training needs one number per batch. " +
        "Reduce it (e.g. .mean(), or the loss's reduction: mean), or give per-sample losses through a LossFunction.");

    private static string BatchName(Learner learn) => $"Batch {learn.Iter} of the {(learn.Training ? "training" : "validation")} loader";

    /// <summary>", at layer 'name' (Type), which got [shape]" for a Sequential model whose layer throws on the batch; else empty.</summary>
    private static string FailingLayer(Learner learn)
    {
        if (learn.Model is not TorchSharp.Modules.Sequential sequential || learn.Xbs.Length != 1) return "";
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = learn.Xbs[0];
        foreach (var (name, layer) in sequential.named_children())
        {
            if (layer is not nn.Module<Tensor, Tensor> step) return "";
            try { x = step.call(x); }
            catch (Exception e) when (IsRefusal(e)) { return $", at layer '{name}' ({layer.GetType().Name}), which got {Shape(x)}"; }
        }
        return "";
    }

    /// <summary>How a model refuses a batch: libtorch's error, or TorchSharp's own shape check (a Conv2d's channels).</summary>
    public static bool IsRefusal(Exception e) => e is ExternalException or ArgumentException;

    private static string FirstLine(Exception e) => e.Message.Split('\n')[0];

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static string Shapes(Tensor[] ts) => string.Join(", ", ts.Select(Shape));
}
