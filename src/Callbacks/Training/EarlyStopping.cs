namespace Gen;

/// <summary>
/// fastai's EarlyStoppingCallback (order 63): stops the fit when <see cref="TrackerCallback.Monitor"/> has not improved
/// (by more than <see cref="TrackerCallback.MinDelta"/>) for <see cref="PatienceTracker.Patience"/> epochs in a row,
/// writing "No improvement since epoch N: early stopping" with N the last epoch that improved, as fastai prints.
/// The stopping epoch's row is still logged (the Recorder runs first).
/// </summary>
[Order(TrackerOrder + 3)]
[RunAfter(typeof(Recorder))]
public sealed partial class EarlyStopping(string monitor = "valid_loss", TrackerComp? comp = null, double minDelta = 0, int patience = 1, bool resetOnFit = true)
    : PatienceTracker(monitor, comp, minDelta, patience, resetOnFit)
{
    [Event] void BeforeFit(Learner learn) => StartTracking(learn);

    [Event]
    void AfterEpoch(Learner learn)
    {
        if (!PatienceRanOut(learn)) return;
        Report($"No improvement since epoch {learn.Epoch - Wait}: early stopping");
        learn.Cancel(Stage.Fit);
    }
}
