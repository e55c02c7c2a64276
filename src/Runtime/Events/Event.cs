namespace Gen;

/// <summary>
/// fastai's training-loop events, in fastai's order (fastai.callback.core.event).
/// The numeric value is the bit index in <see cref="T:Gen.EventMask"/>.
/// </summary>
public enum Event : byte
{
    /// <summary>fastai's after_create: at the end of the Learner's constructor, once its callbacks are added.</summary>
    AfterCreate,
    /// <summary>fastai's before_fit: at the start of a fit, with the optimizer made and <see cref="P:Gen.Learner.NEpoch"/> set.</summary>
    BeforeFit,
    /// <summary>fastai's before_epoch: at the start of each epoch, with <see cref="P:Gen.Learner.Epoch"/> set.</summary>
    BeforeEpoch,
    /// <summary>fastai's before_train: at the start of the epoch's training phase, with <see cref="P:Gen.Learner.Dl"/> the training loader.</summary>
    BeforeTrain,
    /// <summary>fastai's before_batch: at the start of each batch, with <see cref="P:Gen.Learner.Xbs"/>, <see cref="P:Gen.Learner.Ybs"/> and <see cref="P:Gen.Learner.Iter"/> set.</summary>
    BeforeBatch,
    /// <summary>fastai's after_pred: after the model's forward pass, with <see cref="P:Gen.Learner.Pred"/> set.</summary>
    AfterPred,
    /// <summary>fastai's after_loss: after the loss, with <see cref="P:Gen.Learner.Loss"/> and <see cref="P:Gen.Learner.LossGrad"/> set (null for a batch without targets).</summary>
    AfterLoss,
    /// <summary>fastai's before_backward: in training, before the backward pass.</summary>
    BeforeBackward,
    /// <summary>fastai's after_cancel_backward: when the backward stage was cancelled, before <see cref="AfterBackward"/>.</summary>
    AfterCancelBackward,
    /// <summary>fastai's after_backward: after the backward pass, with the gradients computed; also after <see cref="AfterCancelBackward"/>.</summary>
    AfterBackward,
    /// <summary>fastai's before_step: in training, before the optimizer's step.</summary>
    BeforeStep,
    /// <summary>fastai's after_cancel_step: when the step stage was cancelled, before <see cref="AfterStep"/>.</summary>
    AfterCancelStep,
    /// <summary>fastai's after_step: after the optimizer's step, before the gradients are zeroed; also after <see cref="AfterCancelStep"/>.</summary>
    AfterStep,
    /// <summary>fastai's after_cancel_batch: when the batch was cancelled, before <see cref="AfterBatch"/>.</summary>
    AfterCancelBatch,
    /// <summary>fastai's after_batch: at the end of each batch, in training and validation; also after <see cref="AfterCancelBatch"/>.</summary>
    AfterBatch,
    /// <summary>fastai's after_cancel_train: when the training phase was cancelled, before <see cref="AfterTrain"/>.</summary>
    AfterCancelTrain,
    /// <summary>fastai's after_train: at the end of the epoch's training phase; also after <see cref="AfterCancelTrain"/>.</summary>
    AfterTrain,
    /// <summary>fastai's before_validate: at the start of the validation phase (every epoch, and in Validate, GetPreds and Predict), without autograd, with <see cref="P:Gen.Learner.Dl"/> the loader to validate on.</summary>
    BeforeValidate,
    /// <summary>fastai's after_cancel_validate: when the validation phase was cancelled, before <see cref="AfterValidate"/>.</summary>
    AfterCancelValidate,
    /// <summary>fastai's after_validate: at the end of the validation phase; also after <see cref="AfterCancelValidate"/>.</summary>
    AfterValidate,
    /// <summary>fastai's after_cancel_epoch: when the epoch was cancelled, before <see cref="AfterEpoch"/>.</summary>
    AfterCancelEpoch,
    /// <summary>fastai's after_epoch: at the end of each epoch, after training and validation; also after <see cref="AfterCancelEpoch"/>.</summary>
    AfterEpoch,
    /// <summary>fastai's after_cancel_fit: when the fit was cancelled, before <see cref="AfterFit"/>.</summary>
    AfterCancelFit,
    /// <summary>fastai's after_fit: at the end of the fit; also after <see cref="AfterCancelFit"/>. The batch state is cleared after it.</summary>
    AfterFit,
}
