using System;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's GradientAccumulation (order 6 = MixedPrecision's 10 - 4; training batches only): accumulates gradients over
/// batches until <see cref="NAcc"/> samples (the targets' batch size, fastai's <c>find_bs(yb)</c>) have been seen, then
/// lets one optimizer step and zero_grad run. Each batch's <see cref="Learner.LossGrad"/> is divided by nAcc / bs, so
/// the accumulated gradient is that of the mean loss over the nAcc samples; the logged loss (<see cref="Learner.Loss"/>)
/// is the batch's own, and before_step scales <see cref="Learner.LossGrad"/> back for callbacks that read it.
/// </summary>
[Order(6)]
public sealed partial class GradientAccumulation : Callback, ICheckpointed
{
    /// <param name="nAcc">fastai's n_acc: the number of samples whose gradients make one step (default 32).</param>
    public GradientAccumulation(int nAcc = 32)
    {
        if (nAcc < 1)
            throw new ArgumentOutOfRangeException(nameof(nAcc), nAcc, "GradientAccumulation's nAcc is a number of samples per optimizer step and must be at least 1 (fastai's default is 32).");
        NAcc = nAcc;
    }

    /// <summary>fastai's n_acc: samples per optimizer step.</summary>
    public int NAcc { get; }

    /// <summary>fastai's count: samples accumulated since the last step.</summary>
    public long Count { get; private set; }

    // fastai sets count = 0; a resumed fit (start_epoch) keeps the count it loaded, so it steps where the original would have.
    [Event]
    void BeforeFit(Learner learn)
    {
        if (learn.StartEpoch == 0) Count = 0;
    }

    [Event]
    void AfterLoss(Learner learn)
    {
        if (!learn.Training || learn.LossGrad is null) return;
        learn.LossGrad = learn.LossGrad / Scale(learn);
    }

    [Event]
    void BeforeStep(Learner learn)
    {
        if (!learn.Training) return;
        learn.LossGrad = learn.LossGrad! * Scale(learn);   // fastai: "log correct loss"
        Count += BatchSize(learn);
        if (Count < NAcc) learn.Cancel(Stage.Batch);    // skips the step and zero_grad: the gradients keep accumulating
        else Count = 0;
    }

    private double Scale(Learner learn) => (double)NAcc / BatchSize(learn);

    private static long BatchSize(Learner learn) => learn.Yb?.shape is [var bs, ..] ? bs
        : throw new InvalidOperationException("GradientAccumulation counts samples by the targets' first dimension, but the batch's first target is a scalar or missing; give targets of shape [batch, ...].");

    /// <inheritdoc/>
    public string CheckpointKey => nameof(GradientAccumulation);

    /// <summary>n_acc, the count, and while samples are accumulated the gradients so far (parameter i's as "grad.i").</summary>
    public void SaveState(CheckpointState state)
    {
        state.Set("n_acc", (long)NAcc);
        state.Set("count", Count);
        if (Count == 0 || Learn is null) return;
        int i = 0;
        foreach (var p in Learn.Model.parameters())
        {
            using var grad = p.grad;
            if (grad is not null) state.Set($"grad.{i}", grad);
            i++;
        }
    }

    /// <inheritdoc/>
    public void LoadState(CheckpointState state)
    {
        long nAcc = state.GetLong("n_acc"), count = state.GetLong("count");
        if (nAcc != NAcc)
            throw new CheckpointException($"The checkpoint's GradientAccumulation accumulated {nAcc} samples per step, this one {NAcc}; make it with nAcc: {nAcc} to resume that fit.");
        if (count < 0 || count >= nAcc)
            throw new CheckpointException($"The checkpoint's GradientAccumulation count {count} is outside [0, {nAcc}); the file is corrupt.");
        var parameters = Learn?.Model.parameters().ToArray() ?? [];
        var grads = Enumerable.Range(0, parameters.Length).Select(i => state.Contains($"grad.{i}") ? state.GetTensor($"grad.{i}") : null).ToArray();
        Count = count;
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (grads[i] is not { } saved) continue;
            using var grad = parameters[i].grad;
            if (grad is not null && grad.shape.SequenceEqual(saved.shape)) grad.copy_(saved);
            else parameters[i].grad = saved.to(parameters[i].device).clone();
        }
    }
}
