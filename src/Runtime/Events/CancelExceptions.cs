using System;

namespace Gen;

/// <summary>
/// Base of fastai's Cancel*Exception family. Throwing one from a handler cancels its <see cref="Stage"/>
/// with fastai's semantics: the stage's body stops, <c>after_cancel_x</c> runs, then <c>after_x</c>.
/// </summary>
public abstract class CancelException(Stage stage) : Exception($"Cancelled: {stage}.")
{
    /// <summary>The stage this exception cancels.</summary>
    public Stage Stage { get; } = stage;

    /// <summary>The exception fastai raises to cancel <paramref name="stage"/>.</summary>
    public static CancelException For(Stage stage) => stage switch
    {
        Stage.Backward => new CancelBackwardException(),
        Stage.Step => new CancelStepException(),
        Stage.Batch => new CancelBatchException(),
        Stage.Train => new CancelTrainException(),
        Stage.Validate => new CancelValidException(),
        Stage.Epoch => new CancelEpochException(),
        Stage.Fit => new CancelFitException(),
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Stage.None cannot be cancelled."),
    };
}

/// <summary>Skips the rest of this batch and goes to <c>after_batch</c>.</summary>
public sealed class CancelBatchException() : CancelException(Stage.Batch);

/// <summary>Skips the backward pass of this batch.</summary>
public sealed class CancelBackwardException() : CancelException(Stage.Backward);

/// <summary>Skips the optimizer step of this batch.</summary>
public sealed class CancelStepException() : CancelException(Stage.Step);

/// <summary>Skips the rest of the training phase of this epoch.</summary>
public sealed class CancelTrainException() : CancelException(Stage.Train);

/// <summary>Skips the rest of the validation phase of this epoch.</summary>
public sealed class CancelValidException() : CancelException(Stage.Validate);

/// <summary>Skips the rest of this epoch.</summary>
public sealed class CancelEpochException() : CancelException(Stage.Epoch);

/// <summary>Stops training.</summary>
public sealed class CancelFitException() : CancelException(Stage.Fit);
