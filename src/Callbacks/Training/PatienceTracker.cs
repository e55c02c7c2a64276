using System;

namespace Gen;

/// <summary>
/// A <see cref="TrackerCallback"/> that counts epochs without improvement (fastai's <c>wait</c>) against a
/// <see cref="Patience"/>: the shared part of fastai's EarlyStoppingCallback and ReduceLROnPlateau. Derived callbacks
/// call <see cref="PatienceRanOut"/> from their after_epoch handler.
/// </summary>
public abstract class PatienceTracker : TrackerCallback
{
    /// <param name="monitor">The recorded value to track: <c>train_loss</c>, <c>valid_loss</c> or a metric's name.</param>
    /// <param name="comp">Which way the value improves; null infers it from <paramref name="monitor"/> (<see cref="TrackerCallback.InferComp"/>).</param>
    /// <param name="minDelta">How much a value must beat the best by to count as an improvement (0 or more).</param>
    /// <param name="patience">Epochs without improvement to wait for before acting (fastai's <c>patience</c>, 1 or more).</param>
    /// <param name="resetOnFit">Whether every fit starts from no best value (fastai's <c>reset_on_fit</c>).</param>
    protected PatienceTracker(string monitor, TrackerComp? comp, double minDelta, int patience, bool resetOnFit)
        : base(monitor, comp, minDelta, resetOnFit)
    {
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience is a number of epochs without improvement, 1 or more.");
        Patience = patience;
    }

    /// <summary>fastai's <c>patience</c>.</summary>
    public int Patience { get; }

    /// <summary>fastai's <c>wait</c>: epochs since the last improvement (or since the last action).</summary>
    public int Wait { get; protected set; }

    /// <inheritdoc/>
    protected override void ResetFitState() => Wait = 0;

    /// <summary>
    /// Tracks the epoch (<see cref="TrackerCallback.TrackEpoch"/>): an improvement sets <see cref="Wait"/> to 0, another
    /// epoch adds one; true when <see cref="Wait"/> has reached <see cref="Patience"/> (fastai's <c>wait &gt;= patience</c>).
    /// </summary>
    protected bool PatienceRanOut(Learner learn)
    {
        if (!TrackEpoch(learn)) return false;
        Wait = NewBest ? 0 : Wait + 1;
        return Wait >= Patience;
    }

    /// <summary>Writes <see cref="Wait"/> besides the tracked best.</summary>
    public override void SaveState(CheckpointState state)
    {
        base.SaveState(state);
        state.Set("wait", (long)Wait);
    }

    /// <summary>Restores <see cref="Wait"/> and the tracked best; the next fit continues counting from them.</summary>
    public override void LoadState(CheckpointState state)
    {
        long wait = state.GetLong("wait");
        if (wait < 0 || wait > int.MaxValue)
            throw new CheckpointException($"The checkpoint's '{state.Part}' has wait = {wait}, not a number of epochs; the file was written by other code.");
        base.LoadState(state);
        Wait = (int)wait;
    }
}
