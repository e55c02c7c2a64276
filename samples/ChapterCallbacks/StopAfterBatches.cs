using System;

namespace Gen.Samples.ChapterCallbacks;

/// <summary>
/// The chapter's example of cancelling: stops the whole fit once <see cref="Batches"/> training batches have run, by
/// throwing fastai's <see cref="CancelFitException"/>. The loop still fires after_cancel_fit and after_fit, so other
/// callbacks close what they opened. It counts with the Learner's <see cref="Learner.TrainIter"/> (kept by TrainEval,
/// which runs first), so it holds no state of its own and a resumed fit stops at the same batch. It runs after the
/// Recorder, so the last batch's loss is recorded.
/// </summary>
[RunAfter(typeof(Recorder))]
public sealed partial class StopAfterBatches : Callback
{
    /// <param name="batches">Training batches to run before the fit stops (at least 1).</param>
    public StopAfterBatches(int batches)
    {
        if (batches < 1)
            throw new ArgumentOutOfRangeException(nameof(batches), batches, "StopAfterBatches stops after a number of training batches; give at least 1.");
        Batches = batches;
    }

    /// <summary>How many training batches run before the fit is cancelled.</summary>
    public int Batches { get; }

    [Event]
    void AfterBatch(Learner learn)
    {
        if (learn.Training && learn.TrainIter >= Batches) throw new CancelFitException();
    }
}
