namespace Gen;

/// <summary>
/// The parts of the loop that fastai wraps in <c>_with_events</c> and that can be cancelled,
/// from innermost to outermost.
/// </summary>
public enum Stage : byte
{
    /// <summary>No stage: nothing to cancel.</summary>
    None,
    /// <summary>The backward pass (before_backward to after_backward); cancelled by <see cref="CancelBackwardException"/>.</summary>
    Backward,
    /// <summary>The optimizer's step (before_step to after_step); cancelled by <see cref="CancelStepException"/>.</summary>
    Step,
    /// <summary>One batch (before_batch to after_batch); cancelled by <see cref="CancelBatchException"/>.</summary>
    Batch,
    /// <summary>The training phase of an epoch (before_train to after_train); cancelled by <see cref="CancelTrainException"/>.</summary>
    Train,
    /// <summary>The validation phase (before_validate to after_validate); cancelled by <see cref="CancelValidException"/>.</summary>
    Validate,
    /// <summary>One epoch, training then validation (before_epoch to after_epoch); cancelled by <see cref="CancelEpochException"/>.</summary>
    Epoch,
    /// <summary>The whole fit (before_fit to after_fit); cancelled by <see cref="CancelFitException"/>.</summary>
    Fit,
}
