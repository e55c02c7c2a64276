namespace Gen;

/// <summary>
/// fastai's training-loop events, in fastai's order (fastai.callback.core.event).
/// The numeric value is the bit index in <see cref="EventMask"/>.
/// </summary>
public enum Event : byte
{
    AfterCreate,
    BeforeFit,
    BeforeEpoch,
    BeforeTrain,
    BeforeBatch,
    AfterPred,
    AfterLoss,
    BeforeBackward,
    AfterCancelBackward,
    AfterBackward,
    BeforeStep,
    AfterCancelStep,
    AfterStep,
    AfterCancelBatch,
    AfterBatch,
    AfterCancelTrain,
    AfterTrain,
    BeforeValidate,
    AfterCancelValidate,
    AfterValidate,
    AfterCancelEpoch,
    AfterEpoch,
    AfterCancelFit,
    AfterFit,
}
