namespace Gen;

// The five steps of a batch as callbacks can provide them (the 2022 course's TrainCB): a callback that implements one
// of these replaces the Learner's own step; several run in callback order. A derived Learner overrides the methods
// of the same names instead.

/// <summary>Computes <see cref="Learner.Pred"/> from the batch (fastai: <c>self.pred = self.model(*self.xb)</c>).</summary>
public interface IPredict
{
    /// <summary>Sets <paramref name="learn"/>'s <see cref="Learner.Pred"/> from its batch's inputs.</summary>
    void Predict(Learner learn);
}

/// <summary>Computes <see cref="Learner.LossGrad"/> (and optionally <see cref="Learner.Loss"/>, else its detached copy) from the prediction and targets.</summary>
public interface IGetLoss
{
    /// <summary>Sets <paramref name="learn"/>'s <see cref="Learner.LossGrad"/> (and optionally <see cref="Learner.Loss"/>) from its prediction and targets.</summary>
    void GetLoss(Learner learn);
}

/// <summary>Back-propagates the loss (fastai: <c>self.loss_grad.backward()</c>).</summary>
public interface IBackward
{
    /// <summary>Back-propagates <paramref name="learn"/>'s loss.</summary>
    void Backward(Learner learn);
}

/// <summary>Updates the parameters (fastai: <c>self.opt.step()</c>).</summary>
public interface IStep
{
    /// <summary>Updates <paramref name="learn"/>'s parameters.</summary>
    void Step(Learner learn);
}

/// <summary>Resets the gradients for the next batch (fastai: <c>self.opt.zero_grad()</c>).</summary>
public interface IZeroGrad
{
    /// <summary>Resets <paramref name="learn"/>'s gradients.</summary>
    void ZeroGrad(Learner learn);
}
