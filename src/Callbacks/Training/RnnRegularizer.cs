using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// What a recurrent model exposes of its last forward for <see cref="RnnRegularizer"/>: the last recurrent layer's
/// output before and after dropout, batch first (<c>[batch, sequence, features]</c>). fastai's model returns them
/// beside the prediction and its RNNCallback splits them off; Gen's prediction is one tensor, so the model keeps them.
/// They belong to the batch that made them (its dispose scope frees them when the batch ends).
/// </summary>
public interface IRnnOutputs
{
    /// <summary>fastai's raw_out: the last recurrent layer's output, before dropout (null before any forward).</summary>
    Tensor? RawOutput { get; }

    /// <summary>fastai's out: the same output after dropout, what the decoder reads (null before any forward).</summary>
    Tensor? DroppedOutput { get; }
}

/// <summary>
/// fastai's RNNRegularizer (callback/rnn.py, order 1, training only): after the loss, adds to the loss the gradient
/// flows from (<see cref="Learner.LossGrad"/>) activation regularization <c>alpha * mean(out^2)</c> on the dropped
/// output and temporal activation regularization <c>beta * mean((h[:,1:] - h[:,:-1])^2)</c> on the raw output (AWD-LSTM's
/// AR and TAR). The recorded loss (<see cref="Learner.Loss"/>) stays the plain one, as in fastai. The model implements
/// <see cref="IRnnOutputs"/>.
/// </summary>
[Order(1)]
public sealed partial class RnnRegularizer : Callback
{
    /// <param name="alpha">fastai's alpha: weight of activation regularization (AR); 0 turns it off.</param>
    /// <param name="beta">fastai's beta: weight of temporal activation regularization (TAR); 0 turns it off.</param>
    public RnnRegularizer(double alpha = 0, double beta = 0)
    {
        if (!(alpha >= 0) || !(beta >= 0))
            throw new ArgumentOutOfRangeException(alpha >= 0 ? nameof(beta) : nameof(alpha), "RnnRegularizer's alpha and beta are weights of penalties added to the loss; give values >= 0 (0 turns one off).");
        (Alpha, Beta) = (alpha, beta);
    }

    /// <summary>fastai's <c>alpha</c>: the weight of activation regularization (AR) on the dropped output; 0 turns it off.</summary>
    public double Alpha { get; }

    /// <summary>fastai's <c>beta</c>: the weight of temporal activation regularization (TAR) on the raw output; 0 turns it off.</summary>
    public double Beta { get; }

    [Event]
    void BeforeFit(Learner learn)
    {
        if (learn.Model is not IRnnOutputs)
            throw new InvalidOperationException(
                $"RnnRegularizer reads the model's raw and dropped outputs, but a {learn.Model.GetType().Name} is not an IRnnOutputs. Implement IRnnOutputs on the model (keep the last recurrent layer's output before and after dropout).");
    }

    [Event]
    void AfterLoss(Learner learn)
    {
        if (!learn.Training || learn.LossGrad is null) return;
        var rnn = (IRnnOutputs)learn.Model;
        if (Alpha != 0)
            learn.LossGrad = learn.LossGrad + Alpha * Required(rnn.DroppedOutput, nameof(IRnnOutputs.DroppedOutput)).to(ScalarType.Float32).pow(2).mean();
        if (Beta != 0 && Required(rnn.RawOutput, nameof(IRnnOutputs.RawOutput)) is var h && h.shape[1] > 1)
        {
            var steps = h.shape[1];
            var change = h.narrow(1, 1, steps - 1) - h.narrow(1, 0, steps - 1);
            learn.LossGrad = learn.LossGrad + Beta * change.to(ScalarType.Float32).pow(2).mean();
        }
    }

    private static Tensor Required(Tensor? output, string name) => output
        ?? throw new InvalidOperationException($"The model's {name} is null after its forward: set IRnnOutputs.{name} in the model's forward.");
}
